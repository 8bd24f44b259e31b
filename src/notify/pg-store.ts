/**
 * NotifyStore on PostgreSQL (DATABASE_URL), for several replicas on one database. Each call is one
 * statement on a small pool, or one transaction where it writes more than one thing. What replicas do at
 * the same time stays exact in the database itself: the poller's commits check its lease row FOR UPDATE,
 * a channel's deliveries go to the one replica whose claim on it runs (an insert that takes over only a
 * lapsed claim), an input is claimed by the first insert of its key, and scoped transactions take an
 * advisory lock on their scope.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import type { LivestreamStatus } from '../realtimekit/types.js';
import type { Platform } from '../sink.js';
import {
  classifyPgOpenError,
  describePgOpenFailure,
  type PgOpenStep,
  PgStoreOpenError,
  redactDatabaseUrl,
} from './pg-errors.js';
import { migrate, SCOPE_LOCK_CLASS } from './pg-schema.js';
import {
  type ChannelClaim,
  type CycleCommit,
  INPUT_DEDUPE_MS,
  LAPSED_LEASE_KEPT_MS,
  type LeaseFence,
  type NotifyStore,
  type RequestCount,
  type StoredStatus,
} from './store.js';
import {
  ALL_LIVESTREAMS,
  type DeliveryRow,
  deliveryOf,
  type PostRow,
  postOf,
  type SubscriptionRow,
  subscriptionOf,
} from './stored-rows.js';
import type { Target } from './targets.js';
import type { ChannelRef, Delivery, NotifyEvent, StreamPost, Subscription } from './types.js';

export interface PgStoreOptions {
  /** Connections in the pool: a replica's calls are short, and a few run at once at most. */
  poolSize?: number;
  /** How long to wait for a connection (a new one, or a free one from the pool). */
  connectTimeoutMs?: number;
  /** The longest any one statement may run before the server cancels it. */
  statementTimeoutMs?: number;
  /** How the bot's connections are named in pg_stat_activity. */
  applicationName?: string;
  /** Where errors of idle pooled connections go (a server restart, a cut connection). */
  log?: Logger;
}

export const DEFAULT_PG_STORE_OPTIONS = {
  poolSize: 5,
  connectTimeoutMs: 5_000,
  statementTimeoutMs: 30_000,
  applicationName: 'livestream-chatops',
} as const satisfies Required<Omit<PgStoreOptions, 'log'>>;

/**
 * A transaction left open this long while its work awaits something else is ended by the server: its
 * locks (a scope, a lease row a commit holds) must not outlive a replica that died or was cut off
 * mid-transaction, or a standby could not take the lease over. Transactions here await only the database.
 */
const IDLE_IN_TRANSACTION_MS = 10_000;
/**
 * trySetMeta's wait for a lock. Unlike SQLite's busy wait this one does not hold the event loop, and
 * replicas' probes write the same row: a second is enough to pass another's probe, and bounds the wait.
 */
const TRY_LOCK_TIMEOUT_MS = 1_000;
/** acquireLease's wait for the lease row (a commit holds it a moment): past this, the call fails and is retried. */
const LEASE_LOCK_TIMEOUT_MS = 2_000;
/** TCP keepalive on the pool's connections: a silent network is noticed, not waited on for hours. */
const KEEPALIVE_DELAY_MS = 10_000;
/** Rows a prune of claimed inputs or request counts removes per call: a backlog goes over later calls. */
const PRUNE_BATCH = 500;
/** SQLSTATE lock_not_available: a lock_timeout ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/** bigint (int8) values as numbers: every one here is an id, a count or wall-clock ms. */
function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
  return value;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? parseBigint
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** The pool under each store openPgStore returned (see pgPoolOf). */
const pools = new WeakMap<NotifyStore, pg.Pool>();

/**
 * The pool under a store openPgStore returned, for a tool that needs raw SQL in one transaction of its
 * own (the copy from SQLite, copy-state.ts). Closing the store ends it.
 */
export function pgPoolOf(store: NotifyStore): pg.Pool {
  const pool = pools.get(store);
  if (!pool) throw new Error('not a store openPgStore returned');
  return pool;
}

/**
 * Opens the store on `url`: connects, migrates the schema (once, under a lock, however many replicas
 * start together), and answers only when the database is usable. Fails with a PgStoreOpenError whose
 * message names DATABASE_URL with its password redacted.
 */
export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<NotifyStore> {
  const settings = { ...DEFAULT_PG_STORE_OPTIONS, ...options };
  const fail = (kind: Parameters<typeof describePgOpenFailure>[0], detail: string) =>
    new PgStoreOpenError(kind, describePgOpenFailure(kind, url, detail));
  const problem = urlProblem(url);
  if (problem) throw fail('bad-url', problem);

  const pool = new pg.Pool({
    connectionString: url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    application_name: settings.applicationName,
    types,
  });
  // An idle connection that breaks (server restart) must not crash the process: the next call reconnects.
  pool.on('error', (error) =>
    options.log?.warn('a pooled PostgreSQL connection failed; the next call opens a new one', {
      error,
      database: redactDatabaseUrl(url),
    }),
  );
  let step: PgOpenStep = 'connect';
  try {
    const client = await pool.connect();
    step = 'schema';
    try {
      await migrate(client);
      client.release();
    } catch (error) {
      client.release(true);
      throw error;
    }
    const store = new PgStore(pool, null, options.log ?? null);
    pools.set(store, pool);
    return store;
  } catch (error) {
    await pool.end().catch(() => {});
    throw fail(classifyPgOpenError(step, error), detailOf(error));
  }
}

/** An error's own words; for a connection tried on several addresses (AggregateError), each one's. */
function detailOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message)
    return [...new Set(error.errors.map((inner: unknown) => detailOf(inner)))].join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}

/** Why `url` is not a PostgreSQL URL, or null. */
function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it does not parse as a URL';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    return `its scheme is ${parsed.protocol}, not postgres:`;
  return null;
}

/** Both a pool and one of its connections run queries. */
type Queryable = pg.Pool | pg.PoolClient;

const DELIVERY_COLUMNS = 'd.id, d.platform, d.channel_id, d.mention, d.attempts, d.not_before, e.body';

/**
 * The store on the pool, or (`tx` set) inside one transaction on one of its connections: what
 * `transaction` hands its work, whose every call then runs in that transaction.
 */
class PgStore implements NotifyStore {
  private closed = false;
  /** A prune failed last time: a lasting failure is logged once, not at every call. */
  private pruneFailing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly tx: pg.PoolClient | null,
    private readonly log: Logger | null,
  ) {}

  private get db(): Queryable {
    return this.tx ?? this.pool;
  }

  /**
   * Removes old rows, a bounded batch, beside another call's work: a prune that fails (a timeout, a
   * lock) must not fail that work, whose own write has landed; the next call prunes.
   */
  private async prune(sql: string, params: unknown[]): Promise<void> {
    // Inside a transaction a failed statement aborts it all: there, the failure is the caller's.
    if (this.tx) {
      await this.query(sql, params);
      return;
    }
    try {
      await this.query(sql, params);
      this.pruneFailing = false;
    } catch (error) {
      // The rows stay until the next call; a failure that lasts (a permission) is said once.
      if (!this.pruneFailing)
        this.log?.warn('could not remove old rows; the next call tries again', { error });
      this.pruneFailing = true;
    }
  }

  private async query<R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    return this.db.query<R>(text, values);
  }

  /** Runs `work` in a transaction: this one's when inside one (it joins), else a new one on its own connection. */
  private async atomically<T>(work: (client: pg.PoolClient) => Promise<T>, scope?: string): Promise<T> {
    if (this.tx) {
      if (scope !== undefined) await this.lockScope(this.tx, scope);
      return work(this.tx);
    }
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      if (scope !== undefined) await this.lockScope(client, scope);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone or unusable: the pool must not hand it out again
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Holds `scope` until the transaction ends: transactions on one scope run one at a time, on any replica. */
  private async lockScope(client: pg.PoolClient, scope: string): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SCOPE_LOCK_CLASS, scope]);
  }

  async loadStatuses(): Promise<Map<string, StoredStatus> | null> {
    if ((await this.getMeta('baseline')) === null) return null;
    const { rows } = await this.query<{
      livestream_id: string;
      status: LivestreamStatus;
      name: string | null;
      session_id: string | null;
    }>('SELECT livestream_id, status, name, session_id FROM stream_status');
    return new Map(
      rows.map((row) => [
        row.livestream_id,
        { status: row.status, name: row.name, sessionId: row.session_id },
      ]),
    );
  }

  commitCycle(commit: CycleCommit, fence?: LeaseFence): Promise<boolean> {
    return this.atomically(async (client) => {
      if (fence) {
        // Locks the lease row until this commit ends: a takeover waits for it, or it sees the new epoch.
        const { rows } = await client.query<{ holder: string; epoch: number }>(
          'SELECT holder, epoch FROM lease WHERE name = $1 FOR UPDATE',
          [fence.name],
        );
        const lease = rows[0];
        if (!lease || lease.holder !== fence.holder || lease.epoch !== fence.epoch) return false;
      }
      if (commit.changed.size > 0) {
        const ids: string[] = [];
        const statuses: string[] = [];
        const names: (string | null)[] = [];
        const sessions: (string | null)[] = [];
        for (const [id, stored] of commit.changed) {
          ids.push(id);
          statuses.push(stored.status);
          names.push(stored.name);
          sessions.push(stored.sessionId);
        }
        await client.query(
          `INSERT INTO stream_status (livestream_id, status, name, session_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (livestream_id) DO UPDATE SET status = excluded.status, name = excluded.name,
             session_id = excluded.session_id`,
          [ids, statuses, names, sessions],
        );
      }
      if (commit.removed.length > 0)
        await client.query('DELETE FROM stream_status WHERE livestream_id = ANY($1::text[])', [
          commit.removed,
        ]);
      for (const { event, targets } of commit.events) await insertEvent(client, event, targets);
      if (commit.baseline) await setMetaOn(client, 'baseline', new Date().toISOString());
      for (const [key, value] of Object.entries(commit.meta ?? {})) {
        if (value === null) await client.query('DELETE FROM meta WHERE key = $1', [key]);
        else await setMetaOn(client, key, value);
      }
      return true;
    });
  }

  async enqueue(event: NotifyEvent, targets: Target[]): Promise<void> {
    await insertEvent(this.db, event, targets);
  }

  async subscriptions(filter: Partial<ChannelRef> = {}): Promise<Subscription[]> {
    const { rows } = await this.query<SubscriptionRow>(
      `SELECT * FROM subscription
       WHERE ($1::text IS NULL OR platform = $1) AND ($2::text IS NULL OR channel_id = $2)
       ORDER BY platform, channel_id, livestream_id`,
      [filter.platform ?? null, filter.channelId ?? null],
    );
    return rows.map(subscriptionOf);
  }

  upsertSubscription(s: Omit<Subscription, 'pausedReason'>): Promise<void> {
    return this.atomically(async (client) => {
      await client.query(
        `INSERT INTO subscription (platform, channel_id, livestream_id, on_live, on_errored, mention, paused_reason, source)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
         ON CONFLICT (platform, channel_id, livestream_id) DO UPDATE SET on_live = excluded.on_live,
           on_errored = excluded.on_errored, mention = excluded.mention, paused_reason = NULL, source = excluded.source`,
        [
          s.platform,
          s.channelId,
          s.livestreamId ?? ALL_LIVESTREAMS,
          s.onLive,
          s.onErrored,
          s.mention,
          s.source,
        ],
      );
      // Subscribing again resumes the whole channel: the person says it works now.
      await client.query(
        'UPDATE subscription SET paused_reason = NULL WHERE platform = $1 AND channel_id = $2',
        [s.platform, s.channelId],
      );
    });
  }

  async removeSubscriptions(channel: ChannelRef, livestreamIds?: (string | null)[]): Promise<number> {
    const everything = livestreamIds === undefined || livestreamIds.length === 0;
    const { rowCount } = await this.query(
      `DELETE FROM subscription WHERE platform = $1 AND channel_id = $2
         AND ($3::text[] IS NULL OR livestream_id = ANY($3::text[]))`,
      [
        channel.platform,
        channel.channelId,
        everything ? null : livestreamIds.map((id) => id ?? ALL_LIVESTREAMS),
      ],
    );
    return rowCount ?? 0;
  }

  async pauseChannel(channel: ChannelRef, reason: string): Promise<void> {
    await this.query('UPDATE subscription SET paused_reason = $1 WHERE platform = $2 AND channel_id = $3', [
      reason,
      channel.platform,
      channel.channelId,
    ]);
  }

  async pendingDeliveries(limit: number, platforms?: readonly Platform[]): Promise<Delivery[]> {
    const { rows } = await this.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM delivery d JOIN event e ON e.id = d.event_id
       WHERE d.state = 'pending' AND ($1::text[] IS NULL OR d.platform = ANY($1::text[]))
       ORDER BY d.id LIMIT $2`,
      [platforms ?? null, limit],
    );
    return this.readDeliveries(rows);
  }

  async releaseChannels(holder: string, at: number): Promise<void> {
    await this.query('UPDATE channel_claim SET expires_at = LEAST(expires_at, $2) WHERE holder = $1', [
      holder,
      at,
    ]);
  }

  async pendingByChannel(
    perChannel: number,
    platforms?: readonly Platform[],
    claim?: ChannelClaim,
  ): Promise<Delivery[][]> {
    let channels = await this.pendingChannels(platforms);
    if (claim && channels.length > 0) channels = await this.claimChannels(channels, claim);
    if (channels.length === 0) return [];
    const { rows } = await this.query<DeliveryRow & { n: number }>(
      `SELECT c.n, ${DELIVERY_COLUMNS}
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c (platform, channel_id, n)
       CROSS JOIN LATERAL (
         SELECT * FROM delivery d
         WHERE d.state = 'pending' AND d.platform = c.platform AND d.channel_id = c.channel_id
         ORDER BY d.id LIMIT $3
       ) d
       JOIN event e ON e.id = d.event_id
       ORDER BY c.n, d.id`,
      [channels.map((c) => c.platform), channels.map((c) => c.channelId), perChannel],
    );
    const byChannel = new Map<number, DeliveryRow[]>();
    for (const row of rows) {
      const queue = byChannel.get(row.n);
      if (queue) queue.push(row);
      else byChannel.set(row.n, [row]);
    }
    const queues: Delivery[][] = [];
    for (const queueRows of byChannel.values()) {
      const queue = await this.readDeliveries(queueRows);
      if (queue.length > 0) queues.push(queue);
    }
    return queues;
  }

  /**
   * Every channel with pending deliveries (on these platforms, in their order), by a skip scan of
   * delivery_pending_channel: one index seek per channel, however many rows each has waiting.
   */
  private async pendingChannels(platforms?: readonly Platform[]): Promise<ChannelRef[]> {
    const { rows } = await this.query<{ platform: string; channel_id: string }>(
      `WITH RECURSIVE channel AS (
         (SELECT platform, channel_id FROM delivery WHERE state = 'pending'
          ORDER BY platform, channel_id LIMIT 1)
         UNION ALL
         SELECT next.platform, next.channel_id FROM channel CROSS JOIN LATERAL (
           SELECT d.platform, d.channel_id FROM delivery d
           WHERE d.state = 'pending' AND (d.platform, d.channel_id) > (channel.platform, channel.channel_id)
           ORDER BY d.platform, d.channel_id LIMIT 1
         ) next
       )
       SELECT platform, channel_id FROM channel WHERE $1::text[] IS NULL OR platform = ANY($1::text[])`,
      [platforms ?? null],
    );
    const channels = rows.map((row) => ({ platform: row.platform as Platform, channelId: row.channel_id }));
    if (!platforms) return channels;
    const order = (platform: Platform) => platforms.indexOf(platform);
    return channels.sort((a, b) => order(a.platform) - order(b.platform)); // stable: channels stay in order
  }

  /**
   * The channels `claim.holder` may send to, claimed until `now + ttlMs`, in one statement: a row is taken
   * only if it is the holder's own or lapsed, and a replica claiming the same channel at the same moment
   * waits on the row and then sees the claim already taken. Rows go in one order, so claims never deadlock.
   */
  private async claimChannels(channels: ChannelRef[], claim: ChannelClaim): Promise<ChannelRef[]> {
    if (claim.maxHeld !== undefined) channels = await this.ownedAndFree(channels, claim);
    if (channels.length === 0) return [];
    const { rows } = await this.query<{ platform: string; channel_id: string }>(
      `INSERT INTO channel_claim (platform, channel_id, holder, expires_at)
       SELECT c.platform, c.channel_id, $3, $4
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c (platform, channel_id, n)
       ORDER BY c.platform, c.channel_id
       ON CONFLICT (platform, channel_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE channel_claim.holder = excluded.holder OR channel_claim.expires_at <= $5
       RETURNING platform, channel_id`,
      [
        channels.map((c) => c.platform),
        channels.map((c) => c.channelId),
        claim.holder,
        claim.now + claim.ttlMs,
        claim.now,
      ],
    );
    const taken = new Set(rows.map((row) => `${row.platform}\u0000${row.channel_id}`));
    return channels.filter((c) => taken.has(`${c.platform}\u0000${c.channelId}`));
  }

  /**
   * The channels to ask for: the holder's own, and free ones while it holds fewer than `maxHeld`. A read
   * only: the upsert in claimChannels decides, so a channel another replica takes meanwhile is not taken.
   */
  private async ownedAndFree(channels: ChannelRef[], claim: ChannelClaim): Promise<ChannelRef[]> {
    const { rows } = await this.query<{
      platform: string;
      channel_id: string;
      holder: string | null;
      expires_at: number | null;
      not_before: number | null;
    }>(
      `SELECT c.platform, c.channel_id, k.holder, k.expires_at, h.not_before
       FROM unnest($1::text[], $2::text[]) AS c (platform, channel_id)
       LEFT JOIN channel_claim k ON k.platform = c.platform AND k.channel_id = c.channel_id
       LEFT JOIN LATERAL (
         SELECT d.not_before FROM delivery d
         WHERE d.state = 'pending' AND d.platform = c.platform AND d.channel_id = c.channel_id
         ORDER BY d.id LIMIT 1
       ) h ON true`,
      [channels.map((c) => c.platform), channels.map((c) => c.channelId)],
    );
    const claims = new Map(rows.map((row) => [`${row.platform}\u0000${row.channel_id}`, row]));
    const holderOf = (c: ChannelRef) => claims.get(`${c.platform}\u0000${c.channelId}`);
    // Only channels with a message due count against maxHeld: one in a retry's backoff sends nothing.
    const own = channels.filter((c) => {
      const row = holderOf(c);
      return row?.holder === claim.holder && (row.not_before ?? 0) <= claim.now;
    }).length;
    let room = (claim.maxHeld ?? Number.POSITIVE_INFINITY) - own;
    return channels.filter((c) => {
      const held = holderOf(c);
      if (held?.holder === claim.holder) return true;
      if ((held?.expires_at ?? 0) > claim.now || room <= 0) return false;
      room--;
      return true;
    });
  }

  private async readDeliveries(rows: DeliveryRow[]): Promise<Delivery[]> {
    const deliveries: Delivery[] = [];
    const unreadable: number[] = [];
    for (const row of rows) {
      const delivery = deliveryOf(row);
      if (!delivery) unreadable.push(row.id);
      else deliveries.push(delivery);
    }
    // An event this bot cannot read (hand-edited, or from another version) is set aside, not retried forever.
    if (unreadable.length > 0) await this.dropDeliveries(unreadable, 'the stored event could not be read');
    return deliveries;
  }

  async dropOtherPlatforms(platforms: readonly Platform[], reason: string): Promise<number> {
    const { rowCount } = await this.query(
      `UPDATE delivery SET state = 'dropped', last_error = $1
       WHERE state = 'pending' AND NOT (platform = ANY($2::text[]))`,
      [reason, platforms],
    );
    return rowCount ?? 0;
  }

  markDelivered(ids: number[], post?: StreamPost): Promise<void> {
    return this.atomically(async (client) => {
      if (ids.length > 0)
        await client.query("UPDATE delivery SET state = 'done' WHERE id = ANY($1::bigint[])", [ids]);
      if (post) await savePostOn(client, post);
    });
  }

  async retryLater(ids: number[], notBefore: number, error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.query(
      'UPDATE delivery SET attempts = attempts + 1, not_before = $2, last_error = $3 WHERE id = ANY($1::bigint[])',
      [ids, notBefore, error.slice(0, 500)],
    );
  }

  async holdTogether(ids: number[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.query(
      "UPDATE delivery SET not_before = $2 WHERE id = ANY($1::bigint[]) AND state = 'pending'",
      [ids, at],
    );
  }

  async dropDeliveries(ids: number[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await this.query("UPDATE delivery SET state = 'dropped', last_error = $2 WHERE id = ANY($1::bigint[])", [
      ids,
      reason.slice(0, 500),
    ]);
  }

  async dropChannelDeliveries(channel: ChannelRef, reason: string): Promise<number> {
    const { rowCount } = await this.query(
      `UPDATE delivery SET state = 'dropped', last_error = $1
       WHERE state = 'pending' AND platform = $2 AND channel_id = $3`,
      [reason, channel.platform, channel.channelId],
    );
    return rowCount ?? 0;
  }

  async countPending(): Promise<number> {
    const { rows } = await this.query<{ n: number }>(
      "SELECT count(*) AS n FROM delivery WHERE state = 'pending'",
    );
    return rows[0]?.n ?? 0;
  }

  async countPendingByPlatform(): Promise<Map<Platform, number>> {
    const { rows } = await this.query<{ platform: Platform; n: number }>(
      "SELECT platform, count(*) AS n FROM delivery WHERE state = 'pending' GROUP BY platform",
    );
    return new Map(rows.map((row) => [row.platform, row.n]));
  }

  async noteChannelFailing(channel: ChannelRef, at: number, maxGapMs: number): Promise<number> {
    const { rows } = await this.query<{ failing_since: number }>(
      `INSERT INTO channel_failure (platform, channel_id, failing_since, last_failure) VALUES ($1, $2, $3, $3)
       ON CONFLICT (platform, channel_id) DO UPDATE SET
         failing_since = CASE WHEN excluded.last_failure - channel_failure.last_failure > $4
                              THEN excluded.last_failure ELSE channel_failure.failing_since END,
         last_failure = excluded.last_failure
       RETURNING failing_since`,
      [channel.platform, channel.channelId, at, maxGapMs],
    );
    return rows[0]?.failing_since ?? at;
  }

  async clearChannelFailing(channel: ChannelRef): Promise<void> {
    await this.query('DELETE FROM channel_failure WHERE platform = $1 AND channel_id = $2', [
      channel.platform,
      channel.channelId,
    ]);
  }

  pruneHistory(before: number, limit: number): Promise<number> {
    // History, oldest first, a bounded batch at a time (event_created, delivery_event, stream_post_ended).
    return this.atomically(async (client) => {
      const deliveries = await client.query(
        `DELETE FROM delivery WHERE id IN (
           SELECT d.id FROM event e JOIN delivery d ON d.event_id = e.id
           WHERE e.created_at < $1 AND d.state <> 'pending'
           ORDER BY e.created_at LIMIT $2)`,
        [before, limit],
      );
      const events = await client.query(
        `DELETE FROM event WHERE id IN (
           SELECT e.id FROM event e
           WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_id = e.id)
           ORDER BY e.created_at LIMIT $2)`,
        [before, limit],
      );
      const posts = await client.query(
        `DELETE FROM stream_post WHERE (platform, channel_id, livestream_id) IN (
           SELECT platform, channel_id, livestream_id FROM stream_post
           WHERE ended_at IS NOT NULL AND ended_at < $1 ORDER BY ended_at LIMIT $2)`,
        [before, limit],
      );
      return (deliveries.rowCount ?? 0) + (events.rowCount ?? 0) + (posts.rowCount ?? 0);
    });
  }

  async findPost(channel: ChannelRef, livestreamId: string): Promise<StreamPost | null> {
    const { rows } = await this.query<PostRow>(
      'SELECT * FROM stream_post WHERE platform = $1 AND channel_id = $2 AND livestream_id = $3',
      [channel.platform, channel.channelId, livestreamId],
    );
    const row = rows[0];
    return row ? postOf(row) : null;
  }

  async savePost(post: StreamPost): Promise<void> {
    await savePostOn(this.db, post);
  }

  async claimInput(key: string, now: number): Promise<boolean> {
    const cutoff = now - INPUT_DEDUPE_MS;
    // One statement decides: the first insert of a key wins; a key older than the window is taken over.
    const { rowCount } = await this.query(
      `INSERT INTO input_claim (key, received_at) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET received_at = excluded.received_at
       WHERE input_claim.received_at < $3`,
      [key, now, cutoff],
    );
    // A bounded batch per claim keeps the table to about a day of inputs without a sweep of its own;
    // rows another replica is pruning are skipped, not waited for.
    await this.prune(
      `DELETE FROM input_claim WHERE key IN (
         SELECT key FROM input_claim WHERE received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, PRUNE_BATCH],
    );
    return rowCount === 1;
  }

  async acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<LeaseFence | null> {
    // One statement: the row is taken only if it is this holder's (a renewal keeps the epoch) or lapsed
    // (the next epoch); a rival asking at the same moment waits on the row, then sees it taken. The wait
    // is bounded: a transaction holding the row on a replica that went silent must not hold this up.
    const { rows } = await this.atomically(async (client) => {
      if (!this.tx) await client.query(`SET LOCAL lock_timeout = ${LEASE_LOCK_TIMEOUT_MS}`);
      return client.query<{ epoch: number }>(
        `INSERT INTO lease (name, holder, epoch, expires_at) VALUES ($1, $2, 1, $3)
       ON CONFLICT (name) DO UPDATE SET
         epoch = CASE WHEN lease.holder = excluded.holder THEN lease.epoch ELSE lease.epoch + 1 END,
         holder = excluded.holder,
         expires_at = excluded.expires_at
       WHERE lease.holder = excluded.holder OR lease.expires_at <= $4
       RETURNING epoch`,
        [name, holder, now + ttlMs, now],
      );
    });
    const row = rows[0];
    // Leases lapsed for a day (a click's once-only window, a replica long gone): a bounded batch per take.
    await this.prune(
      `DELETE FROM lease WHERE name IN (
         SELECT name FROM lease WHERE expires_at > 0 AND expires_at < $1 LIMIT 100 FOR UPDATE SKIP LOCKED)`,
      [now - LAPSED_LEASE_KEPT_MS],
    );
    return row ? { name, holder, epoch: row.epoch } : null;
  }

  async addHint(livestreamId: string, now: number): Promise<void> {
    await this.query(
      'INSERT INTO stream_hint (livestream_id, at) VALUES ($1, $2) ON CONFLICT (livestream_id) DO NOTHING',
      [livestreamId, now],
    );
  }

  async takeHints(limit: number): Promise<string[]> {
    const { rows } = await this.query<{ livestream_id: string }>(
      `WITH taken AS (
         DELETE FROM stream_hint WHERE livestream_id IN (
           SELECT livestream_id FROM stream_hint ORDER BY at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING livestream_id, at)
       SELECT livestream_id FROM taken ORDER BY at`,
      [limit],
    );
    return rows.map((row) => row.livestream_id);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    // The row stays (lapsed), so the next holder's epoch still grows.
    await this.query('UPDATE lease SET expires_at = 0 WHERE name = $1 AND holder = $2', [name, holder]);
  }

  async syncRequestCounts(
    replica: string,
    counts: RequestCount[],
    since: number,
  ): Promise<{ poller: number; commands: number }> {
    if (counts.length > 0) {
      // Only this replica writes its rows, so adding them never waits on another replica.
      await this.query(
        `INSERT INTO request_count (replica, bucket, poller, commands)
         SELECT $1, * FROM unnest($2::bigint[], $3::integer[], $4::integer[])
         ON CONFLICT (replica, bucket) DO UPDATE SET poller = request_count.poller + excluded.poller,
           commands = request_count.commands + excluded.commands`,
        [replica, counts.map((c) => c.bucket), counts.map((c) => c.poller), counts.map((c) => c.commands)],
      );
    }
    await this.prune(
      `DELETE FROM request_count WHERE (replica, bucket) IN (
         SELECT replica, bucket FROM request_count WHERE bucket < $1 ORDER BY bucket LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [since, PRUNE_BATCH],
    );
    const { rows } = await this.query<{ poller: number; commands: number }>(
      `SELECT COALESCE(sum(poller), 0) AS poller, COALESCE(sum(commands), 0) AS commands
       FROM request_count WHERE replica <> $1 AND bucket >= $2`,
      [replica, since],
    );
    return { poller: rows[0]?.poller ?? 0, commands: rows[0]?.commands ?? 0 };
  }

  transaction<T>(work: (tx: NotifyStore) => Promise<T>, scope?: string): Promise<T> {
    return this.atomically(
      (client) => work(this.tx ? this : new PgStore(this.pool, client, this.log)),
      scope,
    );
  }

  async getMeta(key: string): Promise<string | null> {
    const { rows } = await this.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string | null): Promise<void> {
    if (value === null) await this.query('DELETE FROM meta WHERE key = $1', [key]);
    else await setMetaOn(this.db, key, value);
  }

  async trySetMeta(key: string, value: string): Promise<boolean> {
    try {
      await this.atomically(async (client) => {
        // SET LOCAL: the short wait ends with this transaction, and the connection returns to the pool as it was.
        await client.query(`SET LOCAL lock_timeout = ${TRY_LOCK_TIMEOUT_MS}`);
        await setMetaOn(client, key, value);
      });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    // A transaction's view ends with its transaction; only the store itself owns the pool.
    if (this.tx || this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Inserts an event and its deliveries in one statement (so atomic on its own); none when no target. */
async function insertEvent(db: Queryable, event: NotifyEvent, targets: Target[]): Promise<void> {
  if (targets.length === 0) return;
  // The event's own time (the poller's clock) dates it for pruning; 0 (prunable) if it has none.
  const at = Date.parse(event.at);
  await db.query(
    `WITH e AS (INSERT INTO event (body, created_at) VALUES ($1, $2) RETURNING id)
     INSERT INTO delivery (event_id, platform, channel_id, mention)
     SELECT e.id, t.platform, t.channel_id, t.mention
     FROM e CROSS JOIN unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t (platform, channel_id, mention, n)
     ORDER BY t.n`,
    [
      JSON.stringify(event),
      Number.isFinite(at) ? at : 0,
      targets.map((t) => t.platform),
      targets.map((t) => t.channelId),
      targets.map((t) => t.mention),
    ],
  );
}

async function setMetaOn(db: Queryable, key: string, value: string): Promise<void> {
  await db.query(
    'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    [key, value],
  );
}

async function savePostOn(db: Queryable, post: StreamPost): Promise<void> {
  await db.query(
    `INSERT INTO stream_post (platform, channel_id, livestream_id, message_id, live_event, ended_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (platform, channel_id, livestream_id) DO UPDATE SET message_id = excluded.message_id,
       live_event = excluded.live_event, ended_at = excluded.ended_at`,
    [
      post.platform,
      post.channelId,
      post.livestreamId,
      post.messageId,
      JSON.stringify(post.live),
      post.endedAt,
    ],
  );
}

/**
 * NotifyStore on an embedded SQLite file (better-sqlite3), transactional and schema-versioned. The core
 * is synchronous (SQLite answers in microseconds, in process); the interface is asynchronous, and calls
 * wait while a `transaction` runs, so each transaction sees and writes the file alone.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { LivestreamStatus } from '../realtimekit/types.js';
import type { Platform } from '../sink.js';
import { DataDirInUseError, LOCK_FILE, lockDataDir, type StateLock } from './state-lock.js';
import {
  type ChannelClaim,
  type CycleCommit,
  INPUT_DEDUPE_MS,
  MOVED_TO_POSTGRES_META,
  LAPSED_LEASE_KEPT_MS,
  type LeaseFence,
  type NotifyStore,
  type RequestCount,
  type StoredStatus,
} from './store.js';
import type { ChannelRef, Delivery, NotifyEvent, StreamPost, Subscription } from './types.js';
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

/**
 * Each entry moves the schema one version up; never edit a shipped entry, add a new one. Exported for the
 * upgrade tests, which build a database of an earlier version from the entries up to it.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE stream_status (
     livestream_id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     name TEXT, -- so a stream that vanished or left LIVE is still called by its name
     session_id TEXT -- the session that went LIVE, for the "ended" edit's figures
   );
   CREATE TABLE subscription (
     platform TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     livestream_id TEXT NOT NULL, -- '*' for every livestream
     on_live INTEGER NOT NULL,
     on_errored INTEGER NOT NULL,
     mention TEXT,
     paused_reason TEXT,
     source TEXT NOT NULL,
     PRIMARY KEY (platform, channel_id, livestream_id)
   );
   CREATE TABLE event (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     body TEXT NOT NULL
   );
   CREATE TABLE delivery (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id INTEGER NOT NULL REFERENCES event(id),
     platform TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     mention TEXT,
     state TEXT NOT NULL DEFAULT 'pending', -- pending | done | dropped
     attempts INTEGER NOT NULL DEFAULT 0,
     not_before INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE INDEX delivery_pending ON delivery(state, id);
   CREATE TABLE stream_post (
     platform TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     livestream_id TEXT NOT NULL,
     message_id TEXT NOT NULL,
     live_event TEXT NOT NULL,
     ended_at INTEGER,
     PRIMARY KEY (platform, channel_id, livestream_id)
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // Issue 12: the outbox read channel by channel, runs of failures per channel, and pruned history.
  `ALTER TABLE event ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0; -- wall-clock ms: the event's own time
   UPDATE event SET created_at = COALESCE(
     CASE WHEN json_valid(body) THEN CAST(strftime('%s', json_extract(body, '$.at')) AS INTEGER) * 1000 END, 0);
   CREATE INDEX event_created ON event(created_at);
   CREATE INDEX delivery_event ON delivery(event_id);
   CREATE INDEX delivery_channel ON delivery(state, platform, channel_id, id);
   CREATE TABLE channel_failure (
     platform TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     failing_since INTEGER NOT NULL, -- wall-clock ms of the first failure of the run
     last_failure INTEGER NOT NULL, -- wall-clock ms of its latest failure: a long gap ends the run
     PRIMARY KEY (platform, channel_id)
   );
   CREATE INDEX stream_post_ended ON stream_post(ended_at) WHERE ended_at IS NOT NULL;`,
  // Issue 15: RealtimeKit webhook deliveries seen (rtk-uuid), so a retry is recognised after a restart too.
  `CREATE TABLE webhook_delivery (
     uuid TEXT PRIMARY KEY,
     received_at INTEGER NOT NULL -- wall-clock ms; pruned after WEBHOOK_DEDUPE_MS
   );
   CREATE INDEX webhook_delivery_received ON webhook_delivery(received_at);`,
  // Issue 16: the interface of several replicas. Webhook uuids become inputs claimed by a key naming their
  // kind ("webhook:<rtk-uuid>", as the receiver claims them now); a lease per singleton job, fenced by its
  // epoch; channel claims for senders; request counts per replica for the shared budget.
  `ALTER TABLE webhook_delivery RENAME TO input_claim;
   ALTER TABLE input_claim RENAME COLUMN uuid TO key;
   UPDATE input_claim SET key = 'webhook:' || key;
   DROP INDEX webhook_delivery_received;
   CREATE INDEX input_claim_received ON input_claim(received_at); -- pruned after INPUT_DEDUPE_MS
   CREATE TABLE lease (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     epoch INTEGER NOT NULL, -- one more each time the lease changes hands
     expires_at INTEGER NOT NULL -- wall-clock ms; 0 once released
   );
   CREATE TABLE channel_claim (
     platform TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     holder TEXT NOT NULL,
     expires_at INTEGER NOT NULL, -- wall-clock ms
     PRIMARY KEY (platform, channel_id)
   );
   CREATE TABLE request_count (
     replica TEXT NOT NULL,
     bucket INTEGER NOT NULL, -- wall-clock ms at the bucket's start
     poller INTEGER NOT NULL,
     commands INTEGER NOT NULL,
     PRIMARY KEY (replica, bucket)
   );
   CREATE INDEX request_count_bucket ON request_count(bucket);
   CREATE TABLE stream_hint (
     livestream_id TEXT PRIMARY KEY, -- a webhook said it may have changed; the polling replica checks it
     at INTEGER NOT NULL -- wall-clock ms it was queued
   );
   CREATE INDEX stream_hint_at ON stream_hint(at);`,
];

/** Why the state under DATA_DIR cannot be used; each kind has its own advice (see `describeOpenFailure`). */
export type StoreOpenFailure =
  /** The folder cannot be made or written (a path under a file, /proc, a read-only mount). */
  | 'folder'
  /** Another bot process holds DATA_DIR. */
  | 'in-use'
  /** The state file is there, but this process's user may not read and write it. */
  | 'no-access'
  /** The state file is not a sound SQLite database (garbage, truncated, pages overwritten, a folder). */
  | 'damaged'
  /** A sound database, but not with the tables this bot writes. */
  | 'foreign'
  /** Written by a newer version of the bot. */
  | 'newer'
  /** Copied to PostgreSQL (`npm run state:to-postgres`): a bot here would announce it all again. */
  | 'moved';

export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(
    readonly kind: StoreOpenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The state file's name inside DATA_DIR. */
export const STATE_FILE = 'livestream-chatops.sqlite';

/** What the operator reads, one sentence per kind: what is wrong with DATA_DIR, and what to do. */
function describeOpenFailure(kind: StoreOpenFailure, dir: string, detail: string): string {
  const file = `its notification state ${STATE_FILE}`;
  const moveAside = `restore it from a backup, or move it (with any ${STATE_FILE}-wal and -shm beside it) out of DATA_DIR to start again with no subscriptions or pending notifications`;
  switch (kind) {
    case 'folder':
      return `DATA_DIR ${dir} cannot hold the notification state (${detail}). Point DATA_DIR at a writable folder.`;
    case 'in-use':
      return `DATA_DIR ${dir} is in use by another livestream-chatops process (${detail}): stop that one first, or give this one a DATA_DIR of its own.`;
    case 'no-access':
      return `DATA_DIR ${dir}: this process cannot read and write ${file} (${detail}). Give the bot's user access to that file, or point DATA_DIR at a folder of its own.`;
    case 'damaged':
      return `DATA_DIR ${dir}: ${file} is damaged (${detail}): ${moveAside}.`;
    case 'foreign':
      return `DATA_DIR ${dir}: ${file} is not one this bot can use (${detail}): ${moveAside}.`;
    case 'newer':
      return `DATA_DIR ${dir}: ${file} has ${detail}: upgrade the bot, or point DATA_DIR at a folder of its own.`;
    case 'moved':
      return `DATA_DIR ${dir}: ${file} was moved to PostgreSQL on ${detail} (npm run state:to-postgres): start the bot with DATABASE_URL set. A bot started on this old copy would announce again what has been announced since; to start afresh on SQLite, move ${STATE_FILE} out of DATA_DIR.`;
  }
}

/** Where opening got to when it failed: the same SQLite code means different things at each step. */
type OpenStep = 'folder' | 'lock' | 'file' | 'schema';

/** The database under each store openSqliteStore returned (see sqliteDatabaseOf). */
const databases = new WeakMap<NotifyStore, Database.Database>();

/**
 * The better-sqlite3 database under a store openSqliteStore returned, for a tool that reads the state
 * whole (the copy to PostgreSQL, copy-state.ts) while the store holds DATA_DIR's lock.
 */
export function sqliteDatabaseOf(store: NotifyStore): Database.Database {
  const db = databases.get(store);
  if (!db) throw new Error('not a store openSqliteStore returned');
  return db;
}

export function openSqliteStore(dataDir: string): NotifyStore {
  const dir = resolve(dataDir);
  const fail = (kind: StoreOpenFailure, detail: string) =>
    new StoreOpenError(kind, describeOpenFailure(kind, dir, detail));
  let step: OpenStep = 'folder';
  let lock: StateLock | null = null;
  let db: Database.Database | null = null;
  try {
    makeFolder(dir);
    accessSync(dir, constants.W_OK);
    step = 'lock';
    // Before the state file is touched: a second bot must not even migrate it.
    lock = lockDataDir(dir);
    step = 'file';
    const file = join(dir, STATE_FILE);
    const unusable = stateFileProblem(file);
    if (unusable) throw fail(unusable.kind, unusable.detail);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A damaged page would otherwise surface later, as a raw SqliteError in the middle of a poll cycle.
    const check = String(db.pragma('quick_check', { simple: true }));
    if (check !== 'ok') throw fail('damaged', `PRAGMA quick_check: ${check}`);
    // SQLite silently opens a file it may only read as read-only; the first write would fail mid-run.
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
    step = 'schema';
    migrate(db);
    const moved = db.prepare('SELECT value FROM meta WHERE key = ?').get(MOVED_TO_POSTGRES_META) as
      { value: string } | undefined;
    if (moved) throw fail('moved', moved.value);
    // Statements are prepared here too: a database this bot cannot use fails now, with DATA_DIR named.
    const held = lock;
    const store = SqliteStore.open(new SqliteCore(db), () => held.release());
    databases.set(store, db);
    return store;
  } catch (error) {
    db?.close();
    lock?.release();
    if (error instanceof StoreOpenError) throw error;
    const { kind, detail } = classifyOpenError(step, error);
    throw fail(kind, detail);
  }
}

/**
 * mkdir -p, one level at a time. Not mkdirSync's `recursive`: on /proc (and other pseudo file systems)
 * Node's recursive mkdir loops for ever at 100% CPU, deaf to SIGTERM, instead of failing.
 */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} exists and is not a folder`);
      return;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    makeFolder(parent);
    mkdirSync(dir);
  }
}

/** A state file (or its -wal, -shm) this process cannot use, found before SQLite gives a vaguer error. */
function stateFileProblem(file: string): { kind: StoreOpenFailure; detail: string } | null {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      continue; // absent: SQLite creates it
    }
    if (!isFile) return { kind: 'damaged', detail: `${basename(path)} is not a file` };
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const detail = code === 'EROFS' ? 'read-only file system' : 'permission denied';
      return { kind: 'no-access', detail: path === file ? detail : `${basename(path)}: ${detail}` };
    }
  }
  return null;
}

/** Kind and detail of an error thrown while opening, from the step it happened at and its SQLite code. */
function classifyOpenError(step: OpenStep, error: unknown): { kind: StoreOpenFailure; detail: string } {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof DataDirInUseError)
    return {
      kind: 'in-use',
      detail: error.holderPid === null ? 'its PID is not recorded' : `PID ${error.holderPid}`,
    };
  if (error instanceof SchemaTooNewError) return { kind: 'newer', detail };
  if (step === 'folder') return { kind: 'folder', detail };
  if (step === 'lock') return { kind: 'folder', detail: `${LOCK_FILE}: ${detail}` };
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return { kind: 'damaged', detail };
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM')
    return { kind: 'no-access', detail };
  // The schema step runs this bot's own SQL: an error there means tables it did not create.
  if (step === 'schema' && code === 'SQLITE_ERROR') return { kind: 'foreign', detail };
  return { kind: 'folder', detail };
}

class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SchemaTooNewError(`schema version ${version}, newer than this bot (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** The synchronous core: each method is one call into SQLite, atomic on its own. */
class SqliteCore {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      upsertStatus: db.prepare(
        `INSERT INTO stream_status (livestream_id, status, name, session_id) VALUES (?, ?, ?, ?)
         ON CONFLICT(livestream_id) DO UPDATE SET status = excluded.status, name = excluded.name,
           session_id = excluded.session_id`,
      ),
      deleteStatus: db.prepare('DELETE FROM stream_status WHERE livestream_id = ?'),
      insertEvent: db.prepare('INSERT INTO event (body, created_at) VALUES (?, ?)'),
      insertDelivery: db.prepare(
        'INSERT INTO delivery (event_id, platform, channel_id, mention) VALUES (?, ?, ?, ?)',
      ),
      pending: db.prepare(
        `SELECT d.id, d.platform, d.channel_id, d.mention, d.attempts, d.not_before, e.body
         FROM delivery d JOIN event e ON e.id = d.event_id
         WHERE d.state = 'pending' AND (@platforms IS NULL OR d.platform IN (SELECT value FROM json_each(@platforms)))
         ORDER BY d.id LIMIT @limit`,
      ),
      // The outbox by channel: each lookup is one seek in delivery_channel (state, platform, channel_id, id).
      nextPendingPlatform: db.prepare(
        "SELECT platform FROM delivery WHERE state = 'pending' AND platform > ? ORDER BY platform LIMIT 1",
      ),
      nextPendingChannel: db.prepare(
        `SELECT channel_id FROM delivery WHERE state = 'pending' AND platform = ? AND channel_id > ?
         ORDER BY channel_id LIMIT 1`,
      ),
      pendingInChannel: db.prepare(
        `SELECT d.id, d.platform, d.channel_id, d.mention, d.attempts, d.not_before, e.body
         FROM delivery d JOIN event e ON e.id = d.event_id
         WHERE d.state = 'pending' AND d.platform = ? AND d.channel_id = ?
         ORDER BY d.id LIMIT ?`,
      ),
      noteFailing: db.prepare(
        `INSERT INTO channel_failure (platform, channel_id, failing_since, last_failure)
         VALUES (@platform, @channel, @at, @at)
         ON CONFLICT(platform, channel_id) DO UPDATE SET
           failing_since = CASE WHEN @at - last_failure > @maxGap THEN @at ELSE failing_since END,
           last_failure = @at`,
      ),
      failingSince: db.prepare(
        'SELECT failing_since FROM channel_failure WHERE platform = ? AND channel_id = ?',
      ),
      clearFailing: db.prepare('DELETE FROM channel_failure WHERE platform = ? AND channel_id = ?'),
      // History, oldest first, a bounded batch at a time (event_created, delivery_event, stream_post_ended).
      pruneDeliveries: db.prepare(
        `DELETE FROM delivery WHERE id IN (
           SELECT d.id FROM event e JOIN delivery d ON d.event_id = e.id
           WHERE e.created_at < @before AND d.state != 'pending'
           ORDER BY e.created_at LIMIT @limit)`,
      ),
      pruneEvents: db.prepare(
        `DELETE FROM event WHERE id IN (
           SELECT e.id FROM event e
           WHERE e.created_at < @before AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_id = e.id)
           ORDER BY e.created_at LIMIT @limit)`,
      ),
      prunePosts: db.prepare(
        `DELETE FROM stream_post WHERE rowid IN (
           SELECT rowid FROM stream_post WHERE ended_at IS NOT NULL AND ended_at < @before LIMIT @limit)`,
      ),
      dropOtherPlatforms: db.prepare(
        `UPDATE delivery SET state = 'dropped', last_error = ?
         WHERE state = 'pending' AND platform NOT IN (SELECT value FROM json_each(?))`,
      ),
      markDone: db.prepare("UPDATE delivery SET state = 'done' WHERE id = ?"),
      retry: db.prepare(
        'UPDATE delivery SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?',
      ),
      dropChannel: db.prepare(
        "UPDATE delivery SET state = 'dropped', last_error = ? WHERE state = 'pending' AND platform = ? AND channel_id = ?",
      ),
      countPending: db.prepare("SELECT count(*) AS n FROM delivery WHERE state = 'pending'"),
      countPendingByPlatform: db.prepare(
        "SELECT platform, count(*) AS n FROM delivery WHERE state = 'pending' GROUP BY platform",
      ),
      findPost: db.prepare(
        'SELECT * FROM stream_post WHERE platform = ? AND channel_id = ? AND livestream_id = ?',
      ),
      savePost: db.prepare(
        `INSERT INTO stream_post (platform, channel_id, livestream_id, message_id, live_event, ended_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(platform, channel_id, livestream_id) DO UPDATE SET message_id = excluded.message_id,
           live_event = excluded.live_event, ended_at = excluded.ended_at`,
      ),
      // A key older than the window (not pruned yet) counts as new: its row is taken over.
      claimInput: db.prepare(
        `INSERT INTO input_claim (key, received_at) VALUES (@key, @now)
         ON CONFLICT(key) DO UPDATE SET received_at = excluded.received_at WHERE received_at < @cutoff`,
      ),
      // A bounded batch per claim keeps the table to about a day of inputs without a sweep of its own.
      pruneInputs: db.prepare(
        `DELETE FROM input_claim WHERE key IN (
           SELECT key FROM input_claim WHERE received_at < ? ORDER BY received_at LIMIT 100)`,
      ),
      lease: db.prepare('SELECT holder, epoch, expires_at FROM lease WHERE name = ?'),
      fenceHolds: db.prepare('SELECT 1 FROM lease WHERE name = ? AND holder = ? AND epoch = ?'),
      putLease: db.prepare(
        `INSERT INTO lease (name, holder, epoch, expires_at) VALUES (@name, @holder, @epoch, @expiresAt)
         ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch,
           expires_at = excluded.expires_at`,
      ),
      // The row stays (expired), so the next holder's epoch still grows.
      releaseLease: db.prepare('UPDATE lease SET expires_at = 0 WHERE name = ? AND holder = ?'),
      releaseChannels: db.prepare(
        'UPDATE channel_claim SET expires_at = MIN(expires_at, ?) WHERE holder = ?',
      ),
      // Leases lapsed for a day (a click's once-only window, a replica long gone): a bounded batch per take.
      pruneLeases: db.prepare(
        'DELETE FROM lease WHERE name IN (SELECT name FROM lease WHERE expires_at > 0 AND expires_at < ? LIMIT 100)',
      ),
      addHint: db.prepare(
        'INSERT INTO stream_hint (livestream_id, at) VALUES (?, ?) ON CONFLICT(livestream_id) DO NOTHING',
      ),
      hints: db.prepare('SELECT livestream_id FROM stream_hint ORDER BY at LIMIT ?'),
      deleteHint: db.prepare('DELETE FROM stream_hint WHERE livestream_id = ?'),
      channelClaim: db.prepare(
        'SELECT holder, expires_at FROM channel_claim WHERE platform = ? AND channel_id = ?',
      ),
      headNotBefore: db.prepare(
        `SELECT not_before FROM delivery WHERE state = 'pending' AND platform = ? AND channel_id = ?
         ORDER BY id LIMIT 1`,
      ),
      putChannelClaim: db.prepare(
        `INSERT INTO channel_claim (platform, channel_id, holder, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(platform, channel_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
      ),
      addRequestCount: db.prepare(
        `INSERT INTO request_count (replica, bucket, poller, commands) VALUES (@replica, @bucket, @poller, @commands)
         ON CONFLICT(replica, bucket) DO UPDATE SET poller = poller + excluded.poller,
           commands = commands + excluded.commands`,
      ),
      // Bounded like the other prunes: a backlog goes over the next syncs.
      pruneRequestCounts: db.prepare(
        `DELETE FROM request_count WHERE rowid IN (
           SELECT rowid FROM request_count WHERE bucket < ? ORDER BY bucket LIMIT 500)`,
      ),
      otherRequestCounts: db.prepare(
        `SELECT COALESCE(SUM(poller), 0) AS poller, COALESCE(SUM(commands), 0) AS commands
         FROM request_count WHERE replica != ? AND bucket >= ?`,
      ),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
      upsertSubscription: db.prepare(
        `INSERT INTO subscription (platform, channel_id, livestream_id, on_live, on_errored, mention, paused_reason, source)
         VALUES (?, ?, ?, ?, ?, ?, NULL, ?)
         ON CONFLICT(platform, channel_id, livestream_id) DO UPDATE SET on_live = excluded.on_live,
           on_errored = excluded.on_errored, mention = excluded.mention, paused_reason = NULL, source = excluded.source`,
      ),
      pauseChannel: db.prepare(
        'UPDATE subscription SET paused_reason = ? WHERE platform = ? AND channel_id = ?',
      ),
    };
  }

  loadStatuses(): Map<string, StoredStatus> | null {
    if (this.getMeta('baseline') === null) return null;
    const rows = this.db
      .prepare('SELECT livestream_id, status, name, session_id FROM stream_status')
      .raw()
      .all() as [string, LivestreamStatus, string | null, string | null][];
    return new Map(rows.map(([id, status, name, sessionId]) => [id, { status, name, sessionId }]));
  }

  commitCycle(commit: CycleCommit, fence?: LeaseFence): boolean {
    return this.db.transaction(() => {
      if (fence && !this.statements.fenceHolds.get(fence.name, fence.holder, fence.epoch)) return false;
      for (const [id, stored] of commit.changed)
        this.statements.upsertStatus.run(id, stored.status, stored.name, stored.sessionId);
      for (const id of commit.removed) this.statements.deleteStatus.run(id);
      for (const { event, targets } of commit.events) this.insertEvent(event, targets);
      if (commit.baseline) this.setMeta('baseline', new Date().toISOString());
      for (const [key, value] of Object.entries(commit.meta ?? {})) this.setMeta(key, value);
      return true;
    })();
  }

  enqueue(event: NotifyEvent, targets: (ChannelRef & { mention: string | null })[]): void {
    this.db.transaction(() => this.insertEvent(event, targets))();
  }

  private insertEvent(event: NotifyEvent, targets: (ChannelRef & { mention: string | null })[]): void {
    if (targets.length === 0) return;
    // The event's own time (the poller's clock) dates it for pruning; 0 (prunable) if it has none.
    const at = Date.parse(event.at);
    const eventId = this.statements.insertEvent.run(
      JSON.stringify(event),
      Number.isFinite(at) ? at : 0,
    ).lastInsertRowid;
    for (const target of targets)
      this.statements.insertDelivery.run(eventId, target.platform, target.channelId, target.mention);
  }

  subscriptions(filter: Partial<ChannelRef> = {}): Subscription[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM subscription WHERE (@platform IS NULL OR platform = @platform) AND (@channel IS NULL OR channel_id = @channel)
         ORDER BY platform, channel_id, livestream_id`,
      )
      .all({ platform: filter.platform ?? null, channel: filter.channelId ?? null }) as SubscriptionRow[];
    return rows.map(subscriptionOf);
  }

  upsertSubscription(s: Omit<Subscription, 'pausedReason'>): void {
    this.statements.upsertSubscription.run(
      s.platform,
      s.channelId,
      s.livestreamId ?? ALL_LIVESTREAMS,
      s.onLive ? 1 : 0,
      s.onErrored ? 1 : 0,
      s.mention,
      s.source,
    );
    // Subscribing again resumes the whole channel: the person says it works now.
    this.statements.pauseChannel.run(null, s.platform, s.channelId);
  }

  removeSubscriptions(channel: ChannelRef, livestreamIds?: (string | null)[]): number {
    if (livestreamIds === undefined || livestreamIds.length === 0) {
      return this.db
        .prepare('DELETE FROM subscription WHERE platform = ? AND channel_id = ?')
        .run(channel.platform, channel.channelId).changes;
    }
    const remove = this.db.prepare(
      'DELETE FROM subscription WHERE platform = ? AND channel_id = ? AND livestream_id = ?',
    );
    let changes = 0;
    this.db.transaction(() => {
      for (const id of livestreamIds)
        changes += remove.run(channel.platform, channel.channelId, id ?? ALL_LIVESTREAMS).changes;
    })();
    return changes;
  }

  pauseChannel(channel: ChannelRef, reason: string): void {
    this.statements.pauseChannel.run(reason, channel.platform, channel.channelId);
  }

  pendingDeliveries(limit: number, platforms?: readonly Platform[]): Delivery[] {
    const rows = this.statements.pending.all({
      platforms: platforms ? JSON.stringify(platforms) : null,
      limit,
    }) as DeliveryRow[];
    return this.readDeliveries(rows);
  }

  releaseChannels(holder: string, at: number): void {
    this.statements.releaseChannels.run(at, holder);
  }

  pendingByChannel(perChannel: number, platforms?: readonly Platform[], claim?: ChannelClaim): Delivery[][] {
    return this.db.transaction(() => {
      let channels: ChannelRef[] = [];
      for (const platform of platforms ?? this.pendingPlatforms()) {
        // A skip scan: each step seeks the next channel with pending rows, however many rows each has.
        let channelId = '';
        for (;;) {
          const next = this.statements.nextPendingChannel.get(platform, channelId) as
            { channel_id: string } | undefined;
          if (!next) break;
          channelId = next.channel_id;
          channels.push({ platform: platform as Platform, channelId });
        }
      }
      if (claim) channels = this.claimChannels(channels, claim);
      const queues: Delivery[][] = [];
      for (const { platform, channelId } of channels) {
        const rows = this.statements.pendingInChannel.all(platform, channelId, perChannel) as DeliveryRow[];
        const queue = this.readDeliveries(rows);
        if (queue.length > 0) queues.push(queue);
      }
      return queues;
    })();
  }

  /** Of these channels, those the holder renews (its own) or takes (free, while it holds fewer than maxHeld). */
  private claimChannels(channels: ChannelRef[], claim: ChannelClaim): ChannelRef[] {
    const holders = channels.map(
      (c) =>
        this.statements.channelClaim.get(c.platform, c.channelId) as
          { holder: string; expires_at: number } | undefined,
    );
    // Only channels with a message due count against maxHeld: one in a retry's backoff sends nothing.
    const due = (c: ChannelRef) =>
      ((this.statements.headNotBefore.get(c.platform, c.channelId) as { not_before: number } | undefined)
        ?.not_before ?? 0) <= claim.now;
    const own = channels.filter((c, i) => holders[i]?.holder === claim.holder && due(c)).length;
    let room = (claim.maxHeld ?? Number.POSITIVE_INFINITY) - own;
    return channels.filter((channel, i) => {
      const row = holders[i];
      if (row?.holder !== claim.holder) {
        if ((row && row.expires_at > claim.now) || room <= 0) return false;
        room--;
      }
      this.statements.putChannelClaim.run(
        channel.platform,
        channel.channelId,
        claim.holder,
        claim.now + claim.ttlMs,
      );
      return true;
    });
  }

  private pendingPlatforms(): Platform[] {
    const platforms: Platform[] = [];
    for (let last = ''; ;) {
      const next = this.statements.nextPendingPlatform.get(last) as { platform: string } | undefined;
      if (!next) return platforms;
      last = next.platform;
      platforms.push(last as Platform);
    }
  }

  private readDeliveries(rows: DeliveryRow[]): Delivery[] {
    const deliveries: Delivery[] = [];
    for (const row of rows) {
      const delivery = deliveryOf(row);
      // An event this bot cannot read (hand-edited, or from another version) is set aside, not retried forever.
      if (!delivery) this.dropDeliveries([row.id], 'the stored event could not be read');
      else deliveries.push(delivery);
    }
    return deliveries;
  }

  dropOtherPlatforms(platforms: readonly Platform[], reason: string): number {
    return this.statements.dropOtherPlatforms.run(reason, JSON.stringify(platforms)).changes;
  }

  markDelivered(ids: number[], post?: StreamPost): void {
    this.db.transaction(() => {
      for (const id of ids) this.statements.markDone.run(id);
      if (post) this.savePost(post);
    })();
  }

  retryLater(ids: number[], notBefore: number, error: string): void {
    this.db.transaction(() => {
      for (const id of ids) this.statements.retry.run(notBefore, error.slice(0, 500), id);
    })();
  }

  holdTogether(ids: number[], at: number): void {
    const hold = this.db.prepare("UPDATE delivery SET not_before = ? WHERE id = ? AND state = 'pending'");
    this.db.transaction(() => {
      for (const id of ids) hold.run(at, id);
    })();
  }

  dropDeliveries(ids: number[], reason: string): void {
    const drop = this.db.prepare("UPDATE delivery SET state = 'dropped', last_error = ? WHERE id = ?");
    this.db.transaction(() => {
      for (const id of ids) drop.run(reason.slice(0, 500), id);
    })();
  }

  dropChannelDeliveries(channel: ChannelRef, reason: string): number {
    return this.statements.dropChannel.run(reason, channel.platform, channel.channelId).changes;
  }

  countPending(): number {
    return (this.statements.countPending.get() as { n: number }).n;
  }

  countPendingByPlatform(): Map<Platform, number> {
    const rows = this.statements.countPendingByPlatform.all() as { platform: Platform; n: number }[];
    return new Map(rows.map((row) => [row.platform, row.n]));
  }

  noteChannelFailing(channel: ChannelRef, at: number, maxGapMs: number): number {
    this.statements.noteFailing.run({
      platform: channel.platform,
      channel: channel.channelId,
      at,
      maxGap: maxGapMs,
    });
    const row = this.statements.failingSince.get(channel.platform, channel.channelId) as
      { failing_since: number } | undefined;
    return row?.failing_since ?? at;
  }

  clearChannelFailing(channel: ChannelRef): void {
    this.statements.clearFailing.run(channel.platform, channel.channelId);
  }

  pruneHistory(before: number, limit: number): number {
    return this.db.transaction(() => {
      const args = { before, limit };
      return (
        this.statements.pruneDeliveries.run(args).changes +
        this.statements.pruneEvents.run(args).changes +
        this.statements.prunePosts.run(args).changes
      );
    })();
  }

  findPost(channel: ChannelRef, livestreamId: string): StreamPost | null {
    const row = this.statements.findPost.get(channel.platform, channel.channelId, livestreamId) as
      PostRow | undefined;
    return row ? postOf(row) : null;
  }

  savePost(post: StreamPost): void {
    this.statements.savePost.run(
      post.platform,
      post.channelId,
      post.livestreamId,
      post.messageId,
      JSON.stringify(post.live),
      post.endedAt,
    );
  }

  claimInput(key: string, now: number): boolean {
    return this.db.transaction(() => {
      const cutoff = now - INPUT_DEDUPE_MS;
      this.statements.pruneInputs.run(cutoff);
      return this.statements.claimInput.run({ key, now, cutoff }).changes === 1;
    })();
  }

  acquireLease(name: string, holder: string, now: number, ttlMs: number): LeaseFence | null {
    return this.db.transaction(() => {
      this.statements.pruneLeases.run(now - LAPSED_LEASE_KEPT_MS);
      const row = this.statements.lease.get(name) as
        { holder: string; epoch: number; expires_at: number } | undefined;
      // Its holder renews it at the same epoch, lapsed or not: nobody held it in between.
      let epoch: number;
      if (!row) epoch = 1;
      else if (row.holder === holder) epoch = row.epoch;
      else if (row.expires_at <= now) epoch = row.epoch + 1;
      else return null;
      this.statements.putLease.run({ name, holder, epoch, expiresAt: now + ttlMs });
      return { name, holder, epoch };
    })();
  }

  releaseLease(name: string, holder: string): void {
    this.statements.releaseLease.run(name, holder);
  }

  addHint(livestreamId: string, now: number): void {
    this.statements.addHint.run(livestreamId, now);
  }

  takeHints(limit: number): string[] {
    return this.db.transaction(() => {
      const ids = (this.statements.hints.all(limit) as { livestream_id: string }[]).map(
        (r) => r.livestream_id,
      );
      for (const id of ids) this.statements.deleteHint.run(id);
      return ids;
    })();
  }

  syncRequestCounts(
    replica: string,
    counts: RequestCount[],
    since: number,
  ): { poller: number; commands: number } {
    return this.db.transaction(() => {
      for (const count of counts) this.statements.addRequestCount.run({ replica, ...count });
      this.statements.pruneRequestCounts.run(since);
      return this.statements.otherRequestCounts.get(replica, since) as { poller: number; commands: number };
    })();
  }

  /** Opens a transaction that takes the write lock at once, so it cannot fail to upgrade halfway. */
  begin(): void {
    this.db.exec('BEGIN IMMEDIATE');
  }

  commit(): void {
    this.db.exec('COMMIT');
  }

  /** Undoes the open transaction, if SQLite has not already rolled it back itself (a full disk, say). */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  getMeta(key: string): string | null {
    return (this.statements.getMeta.get(key) as { value: string } | undefined)?.value ?? null;
  }

  setMeta(key: string, value: string | null): void {
    if (value === null) this.statements.deleteMeta.run(key);
    else this.statements.setMeta.run(key, value);
  }

  trySetMeta(key: string, value: string): boolean {
    // The busy timeout is the connection's: lifted for this one write (nothing else runs meanwhile).
    const waitMs = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.statements.setMeta.run(key, value);
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return false;
      throw error;
    } finally {
      this.db.pragma(`busy_timeout = ${waitMs}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The asynchronous interface over the core; every call goes through the gate. */
class SqliteStore implements NotifyStore {
  static open(core: SqliteCore, onClose: () => void): NotifyStore {
    return new SqliteStore(core, new SerialGate(core, onClose));
  }

  constructor(
    private readonly core: SqliteCore,
    private readonly gate: Gate,
  ) {}

  loadStatuses(): Promise<Map<string, StoredStatus> | null> {
    return this.gate.run(() => this.core.loadStatuses());
  }
  commitCycle(commit: CycleCommit, fence?: LeaseFence): Promise<boolean> {
    return this.gate.run(() => this.core.commitCycle(commit, fence));
  }
  enqueue(event: NotifyEvent, targets: Target[]): Promise<void> {
    return this.gate.run(() => this.core.enqueue(event, targets));
  }
  subscriptions(filter?: Partial<ChannelRef>): Promise<Subscription[]> {
    return this.gate.run(() => this.core.subscriptions(filter));
  }
  upsertSubscription(subscription: Omit<Subscription, 'pausedReason'>): Promise<void> {
    return this.gate.run(() => this.core.upsertSubscription(subscription));
  }
  removeSubscriptions(channel: ChannelRef, livestreamIds?: (string | null)[]): Promise<number> {
    return this.gate.run(() => this.core.removeSubscriptions(channel, livestreamIds));
  }
  pauseChannel(channel: ChannelRef, reason: string): Promise<void> {
    return this.gate.run(() => this.core.pauseChannel(channel, reason));
  }
  pendingDeliveries(limit: number, platforms?: readonly Platform[]): Promise<Delivery[]> {
    return this.gate.run(() => this.core.pendingDeliveries(limit, platforms));
  }
  pendingByChannel(
    perChannel: number,
    platforms?: readonly Platform[],
    claim?: ChannelClaim,
  ): Promise<Delivery[][]> {
    return this.gate.run(() => this.core.pendingByChannel(perChannel, platforms, claim));
  }
  releaseChannels(holder: string, at: number): Promise<void> {
    return this.gate.run(() => this.core.releaseChannels(holder, at));
  }
  dropOtherPlatforms(platforms: readonly Platform[], reason: string): Promise<number> {
    return this.gate.run(() => this.core.dropOtherPlatforms(platforms, reason));
  }
  markDelivered(ids: number[], post?: StreamPost): Promise<void> {
    return this.gate.run(() => this.core.markDelivered(ids, post));
  }
  retryLater(ids: number[], notBefore: number, error: string): Promise<void> {
    return this.gate.run(() => this.core.retryLater(ids, notBefore, error));
  }
  holdTogether(ids: number[], at: number): Promise<void> {
    return this.gate.run(() => this.core.holdTogether(ids, at));
  }
  dropDeliveries(ids: number[], reason: string): Promise<void> {
    return this.gate.run(() => this.core.dropDeliveries(ids, reason));
  }
  dropChannelDeliveries(channel: ChannelRef, reason: string): Promise<number> {
    return this.gate.run(() => this.core.dropChannelDeliveries(channel, reason));
  }
  countPending(): Promise<number> {
    return this.gate.run(() => this.core.countPending());
  }
  countPendingByPlatform(): Promise<Map<Platform, number>> {
    return this.gate.run(() => this.core.countPendingByPlatform());
  }
  noteChannelFailing(channel: ChannelRef, at: number, maxGapMs: number): Promise<number> {
    return this.gate.run(() => this.core.noteChannelFailing(channel, at, maxGapMs));
  }
  clearChannelFailing(channel: ChannelRef): Promise<void> {
    return this.gate.run(() => this.core.clearChannelFailing(channel));
  }
  pruneHistory(before: number, limit: number): Promise<number> {
    return this.gate.run(() => this.core.pruneHistory(before, limit));
  }
  findPost(channel: ChannelRef, livestreamId: string): Promise<StreamPost | null> {
    return this.gate.run(() => this.core.findPost(channel, livestreamId));
  }
  savePost(post: StreamPost): Promise<void> {
    return this.gate.run(() => this.core.savePost(post));
  }
  claimInput(key: string, now: number): Promise<boolean> {
    return this.gate.run(() => this.core.claimInput(key, now));
  }
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<LeaseFence | null> {
    return this.gate.run(() => this.core.acquireLease(name, holder, now, ttlMs));
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.gate.run(() => this.core.releaseLease(name, holder));
  }
  addHint(livestreamId: string, now: number): Promise<void> {
    return this.gate.run(() => this.core.addHint(livestreamId, now));
  }
  takeHints(limit: number): Promise<string[]> {
    return this.gate.run(() => this.core.takeHints(limit));
  }
  syncRequestCounts(
    replica: string,
    counts: RequestCount[],
    since: number,
  ): Promise<{ poller: number; commands: number }> {
    return this.gate.run(() => this.core.syncRequestCounts(replica, counts, since));
  }
  /** `scope` does not matter here: every transaction runs alone. */
  transaction<T>(work: (tx: NotifyStore) => Promise<T>, _scope?: string): Promise<T> {
    return this.gate.transaction(work, this);
  }
  getMeta(key: string): Promise<string | null> {
    return this.gate.run(() => this.core.getMeta(key));
  }
  setMeta(key: string, value: string | null): Promise<void> {
    return this.gate.run(() => this.core.setMeta(key, value));
  }
  trySetMeta(key: string, value: string): Promise<boolean> {
    return this.gate.run(() => this.core.trySetMeta(key, value));
  }
  close(): Promise<void> {
    return this.gate.close();
  }
}

/**
 * How the store's calls reach the core: the store itself queues them behind a running transaction; a
 * transaction's `tx` runs them at once, inside it.
 */
interface Gate {
  run<T>(call: () => T): Promise<T>;
  /** `self` is the store the call came through (a nested transaction runs on it). */
  transaction<T>(work: (tx: NotifyStore) => Promise<T>, self: NotifyStore): Promise<T>;
  close(): Promise<void>;
}

/**
 * One transaction at a time, and no other call while one runs (they wait, in order): a transaction's
 * `work` awaits between its calls, and SQLite has one connection here, so anything run meanwhile would
 * land inside it. Calls made while nothing runs go straight through.
 */
class SerialGate implements Gate {
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly core: SqliteCore,
    private readonly onClose: () => void,
  ) {}

  async run<T>(call: () => T): Promise<T> {
    if (!this.busy) return call();
    await this.enter();
    try {
      return call();
    } finally {
      this.leave();
    }
  }

  async transaction<T>(work: (tx: NotifyStore) => Promise<T>): Promise<T> {
    await this.enter();
    const inside = new TransactionGate();
    try {
      this.core.begin();
      try {
        const result = await work(new SqliteStore(this.core, inside));
        this.core.commit();
        return result;
      } catch (error) {
        this.core.rollback();
        throw error;
      }
    } finally {
      inside.over = true;
      this.leave();
    }
  }

  async close(): Promise<void> {
    await this.run(() => {
      this.core.close();
      this.onClose();
    });
  }

  private async enter(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the turn to the next waiter, if any (it stays busy meanwhile, so nobody jumps the queue). */
  private leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }
}

/** Inside a transaction: calls run at once; a nested transaction joins this one. */
class TransactionGate implements Gate {
  over = false;

  async run<T>(call: () => T): Promise<T> {
    if (this.over) throw new Error('this transaction is over: use the store, not its tx, after it');
    return call();
  }

  async transaction<T>(work: (tx: NotifyStore) => Promise<T>, self: NotifyStore): Promise<T> {
    if (this.over) throw new Error('this transaction is over: use the store, not its tx, after it');
    return work(self);
  }

  async close(): Promise<void> {
    throw new Error('close the store, not a transaction');
  }
}

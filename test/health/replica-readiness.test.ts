/**
 * /readyz with replicas: only the replica holding the poller lease polls, so only it is expected to
 * end poll cycles and hear from the API. A standby is ready without them; a replica that takes over is
 * given the usual time for both, from the takeover. First the Readiness rules on a manual clock, then
 * two apps as `npm start` wires them (startApp) on one PostgreSQL database, asked over METRICS_PORT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { leaseTiming } from '../../src/notify/service.js';
import { defaultApiStaleMs, defaultPollerStuckMs, Readiness } from '../../src/ops/readiness.js';
import type { ApiAnswer } from '../../src/realtimekit/client.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';

const INTERVAL_MS = 15_000;
const API_STALE_MS = defaultApiStaleMs(INTERVAL_MS);
const POLLER_STUCK_MS = defaultPollerStuckMs(INTERVAL_MS);
const OK: ApiAnswer = { method: 'GET', path: 'livestreams', status: 200, outcome: 'ok', durationMs: 5 };

describe('Readiness with replicas', () => {
  let clock: ManualClock;
  let readiness: Readiness;
  beforeEach(() => {
    clock = new ManualClock();
    readiness = new Readiness({ clock, apiStaleMs: API_STALE_MS, pollerStuckMs: POLLER_STUCK_MS });
    readiness.metrics.apiAnswer(OK); // the start's token check
    readiness.markStarted();
  });

  it('a standby is ready however long it goes without poll cycles or API answers', async () => {
    readiness.watchPoller(false);
    clock.advance(3 * 60 * 60_000);
    expect(await readiness.report()).toEqual({ ready: true, checks: { started: { ok: true } } });
  });

  it('a replica that takes over after a long standby gets the usual time for its first cycle and answer', async () => {
    readiness.watchPoller(false);
    clock.advance(60 * 60_000); // an hour as a standby: no API call, no cycle
    readiness.watchPoller(true);
    expect(await readiness.report()).toEqual({
      ready: true,
      checks: { started: { ok: true }, api: { ok: true }, poller: { ok: true } },
    });
    // Nothing answers from then on: the API is late after its usual time, the poller after its own.
    clock.advance(API_STALE_MS);
    expect((await readiness.report()).ready).toBe(true);
    clock.advance(1);
    expect((await readiness.report()).checks.api).toEqual({
      ok: false,
      reason: 'the RealtimeKit API has not answered for 70 min',
    });
    clock.advance(POLLER_STUCK_MS - API_STALE_MS - 1);
    expect((await readiness.report()).checks.poller).toEqual({ ok: true });
    clock.advance(1);
    expect((await readiness.report()).checks.poller).toEqual({
      ok: false,
      reason: 'no poll cycle has ended since the start: the poller looks stuck',
    });
  });

  it("a takeover's first cycle and answer make it ready; it hands over and is a standby again", async () => {
    readiness.watchPoller(true);
    clock.advance(5 * 60_000);
    readiness.metrics.apiAnswer(OK);
    readiness.metrics.pollCycle({ durationMs: 20, ok: true });
    readiness.watchPoller(false); // it lost the lease
    clock.advance(2 * 60 * 60_000);
    expect((await readiness.report()).ready).toBe(true);
    // Taking over again: its old term's last cycle does not count against it, nor for it.
    readiness.watchPoller(true);
    expect((await readiness.report()).ready).toBe(true);
    clock.advance(POLLER_STUCK_MS + 1);
    expect((await readiness.report()).checks.poller).toMatchObject({ ok: false });
  });

  it('a replica whose API never answered since its start is not ready when it takes over (as a bot alone)', async () => {
    const fresh = new Readiness({ clock, apiStaleMs: API_STALE_MS, pollerStuckMs: POLLER_STUCK_MS });
    fresh.markStarted();
    fresh.watchPoller(false);
    expect((await fresh.report()).ready).toBe(true);
    fresh.watchPoller(true);
    expect((await fresh.report()).checks.api).toEqual({
      ok: false,
      reason: 'the RealtimeKit API has not answered since the start',
    });
  });
});

describe('two apps on one PostgreSQL database', () => {
  const database = useTestDatabase();
  let emulator: Emulator;
  let dataDir: string;
  let apps: RunningApp[] = [];
  beforeEach(async () => {
    await emptyTables(database.url);
    emulator = createEmulator({ seed: 67 });
    await emulator.start();
    emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    dataDir = mkdtempSync(join(tmpdir(), 'replica-health-'));
  });
  afterEach(async () => {
    await emulator.stop();
    for (const app of apps) await app.stop();
    apps = [];
    rmSync(dataDir, { recursive: true, force: true });
  });

  function config(replicaId: string): Config {
    return {
      realtimekit: { mode: 'api', ...clientSettingsOf(emulator.settings()) },
      logLevel: 'debug',
      slack: null,
      discord: null,
      notify: {
        pollIntervalSeconds: INTERVAL_MS / 1000,
        requestBudget: 900,
        dataDir,
        databaseUrl: database.url,
        replicaId,
        cooldownSeconds: 120,
        alertAfterSeconds: 300,
      },
    };
  }

  async function start(replicaId: string, clock: ManualClock): Promise<RunningApp> {
    const app = await startApp(config(replicaId), silentLogger, {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      interactive: false,
      clock,
      metricsPort: 0,
    });
    apps.push(app);
    return app;
  }

  async function pollerActive(app: RunningApp): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`)).text();
    const line = /^livestream_chatops_poller_active (\d+)$/m.exec(text);
    return Number(line?.[1] ?? Number.NaN);
  }

  async function readyz(app: RunningApp): Promise<{ status: number; checks: string[] }> {
    const response = await fetch(`http://127.0.0.1:${app.metricsPort}/readyz`);
    const body = (await response.json()) as { checks: Record<string, unknown> };
    return { status: response.status, checks: Object.keys(body.checks).sort() };
  }

  it('the standby answers ready without poller checks; after a takeover it is ready with them', async () => {
    const clock = new ManualClock();
    const first = await start('replica-a', clock);
    await expect
      .poll(() => readyz(first))
      .toEqual({ status: 200, checks: ['api', 'poller', 'started', 'store'] });
    const second = await start('replica-b', clock);
    expect(await readyz(second)).toEqual({ status: 200, checks: ['started', 'store'] });
    // /metrics says which one polls.
    expect(await pollerActive(first)).toBe(1);
    expect(await pollerActive(second)).toBe(0);
    const { tickMs } = leaseTiming(INTERVAL_MS);
    // The holder is redeployed: it lets go of the lease, and the standby takes over at its next tick.
    apps = apps.filter((app) => app !== first);
    await first.stop();
    clock.advance(tickMs);
    await expect
      .poll(() => readyz(second))
      .toEqual({
        status: 200,
        checks: ['api', 'poller', 'started', 'store'],
      });
    expect(await pollerActive(second)).toBe(1);
  });
});

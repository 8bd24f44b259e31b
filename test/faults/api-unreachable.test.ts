/**
 * RealtimeKit unreachable when the bot starts: commands answer "could not reach", the poller keeps
 * retrying with a growing backoff, and once the API is there it catches up with what changed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { botEnv, startBot, stopAll } from './bot-process.js';
import { createRig, type Rig, sentLines, subscribe } from './support.js';

describe('API unreachable at start (in process, on a moved clock)', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await createRig({ client: { retries: 0 } });
  });
  afterEach(async () => {
    await rig.close();
  });

  it('commands say so, the poller backs off, and catches up once the API appears', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    // An earlier run recorded the baseline; then the bot restarts while the API is unreachable.
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, baseline: true });
    await rig.emulator.stop();
    await rig.restart();

    const answer = await rig.command('list');
    expect(answer).toContain('Could not reach RealtimeKit');
    expect(answer).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|Bearer/);

    // The loop runs on the test's clock: each wait it asks for is the next backoff.
    rig.poller.start();
    const before = rig.clock.sleeps.length;
    const waits: number[] = [];
    for (let n = 1; n <= 7; n++) {
      const wait = await rig.clock.sleepNumber(before + n);
      waits.push(wait);
      if (n === 3) rig.emulator.setStatus(show.id, 'LIVE'); // changes while the API is away
      if (n < 7) rig.clock.advance(wait);
    }
    // 15 s interval doubled per failure, capped at 5 minutes; the 240 s wait is cut in two where the
    // outage notice is due (API_ALERT_AFTER_SECONDS, 300 s after the first failure, at 210 + 90 s).
    expect(waits).toEqual([30_000, 60_000, 120_000, 90_000, 150_000, 300_000, 300_000]);
    const failures = rig.logs.matching('poll cycle failed');
    expect(failures).toHaveLength(6);
    expect(failures.every((r) => r.kind === 'Network')).toBe(true);
    // No status change was recorded while the API was away; past API_ALERT_AFTER_SECONDS the channel is told.
    expect((await rig.rawStore.pendingDeliveries(10)).map((d) => d.event.kind)).toEqual(['api-delayed']);
    expect((await rig.rawStore.loadStatuses())?.get(show.id)).toBeUndefined(); // not LIVE as far as the store knows

    await rig.emulator.start(rig.port);
    rig.clock.advance(300_000);
    // After a success the loop is back on the plain interval.
    expect(await rig.clock.sleepNumber(before + 8)).toBe(15_000);
    await rig.poller.stop();
    await rig.drainAll();
    // Each once; their relative order is api-auth.test.ts's concern.
    expect(sentLines(rig.sink).sort()).toEqual([
      'post C1 Livestream notifications are back',
      'post C1 Livestream notifications are delayed',
      'post C1 Show is live',
    ]);
    expect(await rig.command('list')).toContain('Show [LIVE]');
  });

  it('a first start with the API away records the silent baseline once it appears', async () => {
    await rig.close();
    rig = await createRig({ client: { retries: 0 } });
    rig.emulator.addLivestream({ name: 'Already live', status: 'LIVE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.emulator.stop();
    for (let i = 0; i < 3; i++) {
      expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
      rig.clock.advance(30_000);
    }
    expect(await rig.rawStore.loadStatuses()).toBeNull();
    await rig.emulator.start(rig.port);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, baseline: true, streams: 1 });
    await rig.drainAll();
    expect(rig.sink.sent).toEqual([]); // a stream already live is not announced
  });
});

describe('API unreachable at start (the real process)', () => {
  let emulator: Emulator | null = null;
  let dataDir = '';
  afterEach(async () => {
    await stopAll();
    await emulator?.stop();
    emulator = null;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts anyway, answers "could not reach", keeps polling, and catches up when the API appears', async () => {
    emulator = createEmulator({ seed: 31 });
    await emulator.start();
    const port = Number(new URL(emulator.url).port);
    dataDir = mkdtempSync(join(tmpdir(), 'faults-unreachable-'));
    const env = botEnv(emulator, dataDir);
    await emulator.stop(); // nothing listens on that port now
    const show = emulator.addLivestream({ name: 'Show', status: 'IDLE' });

    const bot = startBot(env);
    bot.send('list');
    await bot.waitForStdout('Could not reach RealtimeKit');
    const failures = await bot.waitForLog('poll cycle failed', 2);
    expect(failures.map((r) => r.kind)).toEqual(['Network', 'Network']);
    expect(failures.map((r) => r.failures)).toEqual([1, 2]);

    await emulator.start(port);
    await bot.waitForLog('baseline recorded');
    emulator.setStatus(show.id, 'LIVE');
    await bot.waitForStdout('[notification] Show is live');
    bot.send('list');
    await bot.waitForStdout('Show [LIVE]');
    bot.end();
    expect(await bot.exited).toMatchObject({ code: 0 });
    expect(bot.stdout()).not.toMatch(/ECONNREFUSED|Bearer|emu_/);
  });
});

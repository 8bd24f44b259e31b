import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandLimits } from '../../src/command-limits.js';
import { createCore } from '../../src/core.js';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import {
  BUDGET_WINDOW_MS,
  CLOUDFLARE_REQUEST_LIMIT,
  DEFAULT_TOKEN_REQUEST_LIMIT,
  RequestBudget,
} from '../../src/notify/budget.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { createHarness, type Harness, subscribe } from './harness.js';

describe('RequestBudget', () => {
  it('counts requests in a sliding 5-minute window and says how long to wait for room', () => {
    const budget = new RequestBudget(10);
    for (let i = 0; i < 8; i++) budget.record(i * 1_000);
    expect(budget.used(8_000)).toBe(8);
    expect(budget.waitMs(2, 8_000)).toBe(0);
    // 4 more need the two oldest (t=0s, t=1s) to leave the window.
    expect(budget.waitMs(4, 8_000)).toBe(1_000 + BUDGET_WINDOW_MS - 8_000 + 1);
    expect(budget.used(BUDGET_WINDOW_MS + 500)).toBe(7);
    expect(budget.sustainableIntervalMs(3)).toBe(90_000);
  });

  it('is one window for the whole token: the poller stops at its ceiling, commands at the token limit', () => {
    // Poller ceiling 20, token limit 30 (of Cloudflare's 1,200 in production: 900 and 1,100).
    const budget = new RequestBudget(20, 30);
    expect(budget.tokenLimit).toBe(30);
    for (let i = 0; i < 18; i++) budget.record(i, 'commands');
    // The poller counts every request of the token, not only its own.
    expect(budget.used(100)).toBe(18);
    expect(budget.waitMs(3, 100)).toBe(BUDGET_WINDOW_MS - 100 + 1);
    expect(budget.waitMs(2, 100)).toBe(0);
    // Commands still fit, up to the token limit.
    expect(budget.commandWaitMs(3, 100)).toBe(0);
    for (let i = 18; i < 27; i++) budget.record(100, 'commands');
    expect(budget.commandWaitMs(3, 100)).toBe(0);
    budget.record(100, 'commands');
    // 28 used: 3 more would pass 30. The oldest request (t=0) leaves the window first.
    expect(budget.commandWaitMs(3, 100)).toBe(BUDGET_WINDOW_MS - 100 + 1);
    expect(budget.commandWaitMs(3, BUDGET_WINDOW_MS + 1)).toBe(0);
    // `total` counts the poller's own requests (its cycles measure their cost with it), not commands'.
    expect(budget.total).toBe(0);
    budget.record(BUDGET_WINDOW_MS + 1);
    expect(budget.total).toBe(1);
  });

  it('gives the poller only what commands leave of its ceiling when it paces itself', () => {
    const budget = new RequestBudget(20, 30);
    expect(budget.sustainableIntervalMs(1, 0)).toBe(15_000);
    for (let i = 0; i < 10; i++) budget.record(0, 'commands');
    for (let i = 0; i < 5; i++) budget.record(0); // the poller's own do not shrink its share
    // Commands took 10 of 20 in this window: the poller paces itself on the other 10.
    expect(budget.sustainableIntervalMs(1, 1_000)).toBe(30_000);
    expect(budget.sustainableIntervalMs(1)).toBe(30_000); // at the latest time it was told
    // Commands past the ceiling leave it one cycle per window, never a stop.
    for (let i = 0; i < 15; i++) budget.record(1_000, 'commands');
    expect(budget.sustainableIntervalMs(4, 1_000)).toBe(BUDGET_WINDOW_MS);
    // Once those commands leave the window, the full ceiling is the poller's again.
    expect(budget.sustainableIntervalMs(1, BUDGET_WINDOW_MS + 1_000)).toBe(15_000);
  });

  it('defaults to 1,100 for the token, under Cloudflare’s 1,200, and never below the poller ceiling', () => {
    expect(DEFAULT_TOKEN_REQUEST_LIMIT).toBe(1_100);
    expect(CLOUDFLARE_REQUEST_LIMIT).toBe(1_200);
    expect(new RequestBudget(900).tokenLimit).toBe(1_100);
    expect(new RequestBudget(1_000_000).tokenLimit).toBe(1_000_000);
    expect(() => new RequestBudget(900, 800)).toThrow(RangeError);
  });

  it('measures on the clock it is given, whatever its origin (a monotonic clock starts near 0)', () => {
    const budget = new RequestBudget(2, 4);
    budget.record(0.25);
    budget.record(0.5, 'commands');
    expect(budget.waitMs(1, 1)).toBe(Math.ceil(0.25 + BUDGET_WINDOW_MS - 1 + 1));
    expect(budget.used(BUDGET_WINDOW_MS + 0.4)).toBe(1);
  });

  it('counts the requests other replicas sent (as last synced) against both ceilings', () => {
    const budget = new RequestBudget(20, 30);
    const told: string[] = [];
    budget.onRecord = (source) => told.push(source);
    for (let i = 0; i < 5; i++) budget.record(0);
    budget.record(0, 'commands');
    expect(told).toEqual(['poller', 'poller', 'poller', 'poller', 'poller', 'commands']);
    // Others sent 12 (8 of them commands): 18 in the window for the token.
    budget.setElsewhere(4, 8);
    expect(budget.used(1_000)).toBe(18);
    expect(budget.waitMs(2, 1_000)).toBe(0);
    // Over the poller's ceiling by 1: one of ours must leave the window first.
    expect(budget.waitMs(3, 1_000)).toBe(BUDGET_WINDOW_MS - 1_000 + 1);
    // Others alone over it: only the next sync can tell when theirs leave, so ask again in a few seconds.
    budget.setElsewhere(10, 10);
    expect(budget.waitMs(1, 1_000)).toBe(5_000);
    expect(budget.commandWaitMs(25, 1_000)).toBe(5_000);
    // Commands elsewhere shrink the poller's pace like commands here: 1 (here) + 10 of its 20.
    expect(budget.sustainableIntervalMs(1, 1_000)).toBe(Math.ceil(BUDGET_WINDOW_MS / 9));
  });
});

describe('commands and the poller share the token’s budget', () => {
  let h: Harness;
  afterEach(async () => {
    await h.poller.stop();
    await h.close();
  });

  it('the poller waits while commands have used its ceiling, and resumes when they leave the window', async () => {
    h = await createHarness({ budget: 20 });
    h.emulator.seed(5, { status: 'IDLE' });
    // Commands as startApp wires them: their client records into the same budget.
    const commandsClient = createRealtimeKitClient({
      ...clientSettingsOf(h.emulator.settings()),
      retries: 0,
      onRequest: () => h.budget.record(h.clock.monotonic(), 'commands'),
    });
    const core = createCore({
      client: commandsClient,
      log: silentLogger,
      clock: h.clock,
      limits: new CommandLimits({
        budget: h.budget,
        commands: { count: 100, perMs: 60_000 },
        creates: { count: 3, perMs: 600_000 },
      }),
    });
    for (let page = 1; page <= 20; page++) {
      const answer = await core.replyToText(`list --page ${page}`, {
        platform: 'slack',
        channelId: 'C1',
        userId: 'U1',
      });
      expect(answer.title).toBe('Livestreams');
    }
    expect(h.budget.used(h.clock.monotonic())).toBe(20);

    const pollerRequests: number[] = [];
    h.emulator.onRequest((request) => {
      if (request.query.per_page === '100') pollerRequests.push(h.clock.monotonic());
    });
    const started = h.clock.monotonic();
    h.poller.start();
    await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
    expect(pollerRequests).toEqual([]);
    // Just short of the window: still waiting.
    h.clock.advance(BUDGET_WINDOW_MS - 1_000);
    await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
    expect(pollerRequests).toEqual([]);
    h.clock.advance(2_000);
    await vi.waitFor(() => expect(pollerRequests.length).toBeGreaterThan(0), { timeout: 5_000 });
    expect(pollerRequests[0]! - started).toBeGreaterThan(BUDGET_WINDOW_MS);
  });
});

describe('poller within API_REQUEST_BUDGET', () => {
  let h: Harness;
  afterEach(async () => {
    await h.poller.stop();
    await h.close();
  });

  it('stretches its interval with many livestreams and never exceeds the budget in any window', async () => {
    h = await createHarness({ budget: 20 });
    h.emulator.seed(350, { status: 'LIVE' }); // 4 pages of the LIVE list and 1 of the ERRORED list a cycle
    const stamps: number[] = [];
    h.emulator.onRequest(() => stamps.push(h.clock.now()));
    h.poller.start();
    const simulatedEnd = h.clock.now() + 30 * 60_000;
    while (h.clock.now() < simulatedEnd) {
      // Wait until the loop is parked on the clock, then move time to its wake-up.
      await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
      h.clock.advance(5_000);
    }
    // 4 sustainable cycles per 5 minutes (20 / 5), ~6 windows: at least 20 cycles of 5 requests.
    expect(stamps.length).toBeGreaterThanOrEqual(5 * 20);
    for (const start of stamps) {
      const inWindow = stamps.filter((t) => t >= start && t < start + BUDGET_WINDOW_MS).length;
      expect(inWindow).toBeLessThanOrEqual(20);
    }
    expect(
      h.poller.nextDelayMs({
        ok: true,
        baseline: false,
        streams: 450,
        events: 0,
        requests: 5,
        complete: true,
      }),
    ).toBe(75_000);
  });

  it('never overdraws, even when one read of the LIVE list costs more than the whole budget', async () => {
    // 30 pages of LIVE streams against a budget of 20 requests per 5 minutes: a read takes two windows.
    h = await createHarness({ budget: 20 });
    const early = h.emulator.addLivestream({ name: 'Early bird', status: 'IDLE' });
    h.emulator.seed(2_950, { status: 'LIVE' });
    await subscribe(h.store, 'C1');
    const stamps: number[] = [];
    h.emulator.onRequest(() => stamps.push(h.clock.monotonic()));
    h.poller.start();
    const fullWindows = async (windows: number) => {
      const end = h.clock.monotonic() + windows * BUDGET_WINDOW_MS;
      while (h.clock.monotonic() < end) {
        await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
        h.clock.advance(5_000);
      }
    };
    await fullWindows(3);
    // The baseline is whole: every LIVE stream is watched, none announced.
    expect((await h.store.loadStatuses())?.size).toBe(2_950);
    // The oldest stream (last page of the LIVE list) goes LIVE: told within the next reads.
    h.emulator.setStatus(early.id, 'LIVE');
    await fullWindows(5);
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.reply.title)).toEqual(['Early bird is live']);
    for (const start of stamps) {
      const inWindow = stamps.filter((t) => t >= start && t < start + BUDGET_WINDOW_MS).length;
      expect(inWindow).toBeLessThanOrEqual(20);
    }
  });
});

describe('a cycle reads only the LIVE and ERRORED lists', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('keeps only LIVE and ERRORED streams: rows an earlier version kept for every stream go at the first cycle', async () => {
    h = await createHarness();
    const live = h.emulator.addLivestream({ name: 'On air', status: 'LIVE' });
    const idle = h.emulator.addLivestream({ name: 'Resting', status: 'IDLE' });
    await h.store.commitCycle({
      changed: new Map([
        [live.id, { status: 'LIVE', name: 'On air', sessionId: null }],
        [idle.id, { status: 'IDLE', name: 'Resting', sessionId: null }],
      ]),
      removed: [],
      events: [],
      baseline: true,
    });
    await h.restart();
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, baseline: false, events: 0 });
    expect([...(await h.store.loadStatuses())!.keys()]).toEqual([live.id]);
  });

  it('costs what the LIVE and ERRORED streams cost, not all livestreams, and still sees every transition', async () => {
    h = await createHarness();
    const streams = h.emulator.seed(450, { status: 'IDLE' });
    const [a, b] = [streams[10]!, streams[20]!];
    await subscribe(h.store, 'C1');
    // 450 livestreams, none LIVE or ERRORED: one (empty) page of each list.
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, requests: 2 });

    h.emulator.setStatus(a.id, 'LIVE');
    const light = await h.poller.runCycle();
    await h.drainAll();
    // Two short lists plus one session lookup for the LIVE event.
    expect(light).toMatchObject({ ok: true, events: 1, requests: 3 });

    h.emulator.setStatus(a.id, 'IDLE');
    h.emulator.setStatus(b.id, 'ERRORED', 'no video');
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 2 });
    await h.drainAll();
    h.emulator.setStatus(b.id, 'INVOKED'); // leaves ERRORED: no event; forgotten after two absent reads
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    h.emulator.setStatus(b.id, 'ERRORED', 'again');
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });

    await h.drainAll();
    // Events of one cycle have no order among themselves; across cycles they do.
    expect(h.sink.sent.map((m) => `${m.op} ${m.reply.title}`).sort()).toEqual(
      [
        `post ${a.name} is live`,
        `edit ${a.name} ended`,
        `post ${b.name} errored`,
        `post ${b.name} errored`,
      ].sort(),
    );
    expect(h.sink.sent[0]!.reply.title).toBe(`${a.name} is live`);
    expect(h.sink.sent.at(-1)!.reply.fields).toContainEqual({ label: 'Error', value: 'again' });
    expect((await h.store.loadStatuses())!.get(b.id)?.status).toBe('ERRORED');
  });
});

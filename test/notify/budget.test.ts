import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUDGET_WINDOW_MS, RequestBudget } from '../../src/notify/budget.js';
import { createHarness, type Harness } from './harness.js';

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
});

describe('poller within API_REQUEST_BUDGET', () => {
  let h: Harness;
  afterEach(async () => {
    await h.poller.stop();
    await h.close();
  });

  it('stretches its interval with many livestreams and never exceeds the budget in any window', async () => {
    h = await createHarness({ budget: 20, fullSweepEvery: 1 });
    h.emulator.seed(450, { status: 'IDLE' }); // 5 pages of 100 per sweep
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
      h.poller.nextDelayMs({ ok: true, baseline: false, full: true, streams: 450, events: 0, requests: 5 }),
    ).toBe(75_000);
  });
});

describe('light cycles between full sweeps', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('reads only the LIVE and ERRORED lists between full sweeps and still sees every transition', async () => {
    h = await createHarness({ fullSweepEvery: 4 });
    const streams = h.emulator.seed(450, { status: 'IDLE' });
    const [a, b] = [streams[10]!, streams[20]!];
    h.store.upsertSubscription({
      platform: 'slack',
      channelId: 'C1',
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, full: true, requests: 5 });

    h.emulator.setStatus(a.id, 'LIVE');
    const light = await h.poller.runCycle();
    await h.drainAll();
    // Two short lists plus one session lookup for the LIVE event, instead of 5 pages.
    expect(light).toMatchObject({ ok: true, full: false, events: 1, requests: 3 });

    h.emulator.setStatus(a.id, 'IDLE');
    h.emulator.setStatus(b.id, 'ERRORED', 'no video');
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, full: false, events: 2 });
    await h.drainAll();
    h.emulator.setStatus(b.id, 'INVOKED'); // leaves ERRORED: no event, but remembered
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, full: false, events: 0 });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, full: true, events: 0 });
    h.emulator.setStatus(b.id, 'ERRORED', 'again');
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, full: false, events: 1 });

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
    expect(h.store.loadStatuses()!.get(b.id)?.status).toBe('ERRORED');
  });
});

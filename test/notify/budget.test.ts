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
    h = await createHarness({ budget: 20 });
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
    expect(h.poller.nextDelayMs({ ok: true, baseline: false, streams: 450, events: 0, requests: 5 })).toBe(
      75_000,
    );
  });
});

/**
 * The poller's own loop on a clock the test moves: when the outage notice goes out, and that durations
 * are measured on a monotonic clock (a wall clock stepped back an hour must not stall polling).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.poller.stop();
  await h.close();
});

/** Waits until the poller's loop is parked in a sleep (its cycle done). */
async function parked(): Promise<void> {
  await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
}

const requestsTo = (path: string) => h.emulator.requests.filter((r) => r.path === path).length;

describe('the API-outage notice', () => {
  it('an 8 s outage with a 3 s threshold is told within threshold + one interval, and its recovery after', async () => {
    h = await createHarness({ alertAfterMs: 3_000 });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // baseline
    h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    const failedAt = h.clock.now();
    h.poller.start();
    await parked();
    // The poll interval is 15 s: the notice is due by 3 s + 15 s after the first failure.
    for (
      let elapsed = 0;
      elapsed < 18_000 && (await h.store.getMeta('api_alerted')) === null;
      elapsed += 1_000
    ) {
      h.clock.advance(1_000);
      if (h.clock.now() - failedAt >= 8_000) h.emulator.clearFaults(); // the outage lasts 8 s
      await parked();
    }
    expect(await h.store.getMeta('api_alerted')).not.toBeNull();
    expect(Date.parse((await h.store.getMeta('api_alerted'))!) - failedAt).toBeLessThanOrEqual(18_000);
    h.emulator.clearFaults();
    // And the recovery, once a cycle succeeds (the backoff is at most a few intervals here).
    for (let i = 0; i < 120 && (await h.store.getMeta('api_alerted')) !== null; i++) {
      h.clock.advance(1_000);
      await parked();
    }
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.reply.title)).toEqual([
      expect.stringMatching(/delayed/i),
      expect.stringMatching(/back/i),
    ]);
  });

  it('is not sent when the API answers again before the threshold', async () => {
    h = await createHarness({ alertAfterMs: 60_000 });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    // Two: the client retries once, so one fault alone would be absorbed and no cycle would fail.
    h.emulator.injectFault({ status: 500, times: 2 });
    h.poller.start();
    await parked();
    expect(await h.store.getMeta('api_failing_since')).not.toBeNull(); // the outage began
    for (let i = 0; i < 90; i++) {
      h.clock.advance(1_000);
      await parked();
    }
    await h.drainAll();
    expect(h.sink.sent).toEqual([]);
    expect(await h.store.getMeta('api_failing_since')).toBeNull();
  });
});

describe('a wall clock stepped back', () => {
  it('an hour back does not stall a poller that is waiting for its request budget', async () => {
    // A budget of 3 requests per 5 minutes, each cycle 2 requests (LIVE + ERRORED lists): the poller
    // soon waits for the window to free room.
    h = await createHarness({ budget: 3 });
    await h.poller.runCycle(); // baseline: 2 requests (the LIVE and ERRORED lists)
    h.poller.start();
    await parked();
    const before = requestsTo('livestreams');
    h.clock.stepWall(-60 * 60_000);
    // Within 6 minutes of monotonic time the window has freed room twice over.
    for (let i = 0; i < 36; i++) {
      h.clock.advance(10_000);
      await parked();
    }
    expect(requestsTo('livestreams') - before).toBeGreaterThanOrEqual(2);
  });

  it('an hour back does not stall the retry of a failing API', async () => {
    h = await createHarness({});
    await h.poller.runCycle();
    // Two: the client retries once, so one fault alone would be absorbed and no cycle would fail.
    h.emulator.injectFault({ status: 500, times: 2 });
    h.poller.start();
    await parked();
    expect(await h.store.getMeta('api_failing_since')).not.toBeNull(); // the first cycle failed
    const before = requestsTo('livestreams');
    h.clock.stepWall(-60 * 60_000);
    for (let i = 0; i < 12; i++) {
      h.clock.advance(10_000);
      await parked();
    }
    expect(requestsTo('livestreams') - before).toBeGreaterThanOrEqual(2);
    expect(await h.store.getMeta('api_failing_since')).toBeNull(); // the retry went through
  });
});

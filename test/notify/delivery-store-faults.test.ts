/**
 * The sender when the store, not the platform, fails: a post the platform accepted but the store could
 * not record is a store problem. It is sent again later (never lost), but never counted against the
 * channel: no failure metric, no run of failures toward the pause.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { DeliveryWorker } from '../../src/notify/delivery.js';
import { failingStore } from '../support/store-faults.js';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

describe('a store that cannot record what the platform accepted', () => {
  it('does not pause a healthy channel, nor count against it, however long it lasts', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    const show = h.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    const failing = { on: true };
    const failures: string[] = [];
    const giveUpMs = 10 * 60_000;
    const delivery = new DeliveryWorker({
      store: failingStore(h.store, 'markDelivered', failing),
      sinks: new Map([['slack', h.sink]]),
      clock: h.clock,
      log: silentLogger,
      cooldownMs: 120_000,
      transientGiveUpMs: giveUpMs,
      metrics: {
        delivered() {},
        deliveryFailed: (_platform, kind) => failures.push(kind),
        deliveriesDropped() {},
      },
    });
    // Well past the give-up time, the platform accepting every try.
    const end = h.clock.monotonic() + 2 * giveUpMs;
    while (h.clock.monotonic() < end) {
      await delivery.drainOnce();
      h.clock.advance(Math.max(1_000, await delivery.nextWakeMs()));
    }
    expect(h.sink.sent.length).toBeGreaterThan(1); // it was tried again and again
    expect(failures).toEqual([]);
    expect(await h.store.subscriptions()).toEqual([expect.objectContaining({ pausedReason: null })]);
    expect(await h.store.countPending()).toBe(1); // not lost

    failing.on = false;
    await delivery.drainOnce();
    expect(await h.store.countPending()).toBe(0);
  });

  it('a store that cannot read what the channel was sent (to plan an edit) retries later, never drops', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    const show = h.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    const failing = { on: true };
    const delivery = new DeliveryWorker({
      store: failingStore(h.store, 'findPost', failing),
      sinks: new Map([['slack', h.sink]]),
      clock: h.clock,
      log: silentLogger,
      cooldownMs: 120_000,
    });
    await delivery.drainOnce();
    expect(h.sink.sent).toEqual([]);
    expect(await h.store.countPending()).toBe(1); // not dropped
    failing.on = false;
    h.clock.advance(Math.max(1_000, await delivery.nextWakeMs()));
    await delivery.drainOnce();
    expect(h.sink.sent.map((m) => m.op)).toEqual(['post']);
    expect(await h.store.countPending()).toBe(0);
  });
});

/**
 * A poller whose lease another replica took writes nothing: neither a cycle's findings (store contract)
 * nor an API outage or recovery notice (nor the outage state), which the polling replica owns.
 */
import { afterEach, expect, it } from 'vitest';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { Poller } from '../../src/notify/poller.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
let poller: Poller | null = null;
afterEach(async () => {
  await poller?.stop();
  poller = null;
  await h.close();
});

/**
 * A poller whose lease lapsed while it was paused and another replica took: its fence is stale. It is
 * the file's `poller` (stopped after each test); `lost()` counts the terms it was told are over.
 */
async function staleFencedPoller(alertAfterMs: number): Promise<{ poller: Poller; lost: () => number }> {
  const mine = (await h.store.acquireLease('poller', 'stale', h.clock.now(), 1_000))!;
  expect(await h.store.acquireLease('poller', 'current', h.clock.now() + 2_000, 60_000)).not.toBeNull();
  let lost = 0;
  poller = new Poller({
    client: createRealtimeKitClient({ ...clientSettingsOf(h.emulator.settings()), retries: 0 }),
    store: h.store,
    clock: h.clock,
    log: silentLogger,
    budget: h.budget,
    intervalMs: 15_000,
    alertAfterMs,
    fence: mine,
    onLeaseLost: () => lost++,
  });
  return { poller, lost: () => lost };
}

it('an outage notice from a poller whose lease was taken over is not queued, and ends its term', async () => {
  h = await createHarness({});
  await subscribe(h.store, 'C1');
  await h.poller.runCycle(); // the baseline
  const stale = await staleFencedPoller(0); // the notice is due at the first failure
  h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
  expect(await stale.poller.runCycle()).toMatchObject({ ok: false });
  expect(await h.store.countPending()).toBe(0);
  expect(stale.lost()).toBe(1);
});

it('a "recovered" notice from a poller whose lease was taken over is not queued, and the outage state stays', async () => {
  h = await createHarness({});
  await subscribe(h.store, 'C1');
  await h.poller.runCycle(); // the baseline
  // The current holder has told the channels of an outage that still lasts for it.
  await h.store.setMeta('api_failing_since', '2026-11-22T11:50:00.000Z');
  await h.store.setMeta('api_alerted', '2026-11-22T11:55:00.000Z');
  const stale = await staleFencedPoller(300_000);
  // The stale poller's read succeeds (the API answers it): it must not end the holder's outage.
  expect(await stale.poller.runCycle()).toMatchObject({ ok: false });
  expect(await h.store.countPending()).toBe(0);
  expect(await h.store.getMeta('api_alerted')).toBe('2026-11-22T11:55:00.000Z');
  expect(await h.store.getMeta('api_failing_since')).toBe('2026-11-22T11:50:00.000Z');
  expect(stale.lost()).toBe(1);
});

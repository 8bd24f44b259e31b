/**
 * A poller whose lease another replica took writes nothing: neither a cycle's findings (store contract)
 * nor an API outage notice, which the polling replica announces too.
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

it('an outage notice from a poller whose lease was taken over is not queued, and ends its term', async () => {
  h = await createHarness({});
  await subscribe(h.store, 'C1');
  await h.poller.runCycle(); // the baseline
  const mine = (await h.store.acquireLease('poller', 'stale', h.clock.now(), 1_000))!;
  // The lease lapsed while "stale" was paused, and another replica took it.
  expect(await h.store.acquireLease('poller', 'current', h.clock.now() + 2_000, 60_000)).not.toBeNull();
  let lost = 0;
  poller = new Poller({
    client: createRealtimeKitClient({ ...clientSettingsOf(h.emulator.settings()), retries: 0 }),
    store: h.store,
    clock: h.clock,
    log: silentLogger,
    budget: h.budget,
    intervalMs: 15_000,
    alertAfterMs: 0, // the notice is due at the first failure
    fence: mine,
    onLeaseLost: () => lost++,
  });
  h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
  expect(await poller.runCycle()).toMatchObject({ ok: false });
  expect(await h.store.countPending()).toBe(0);
  expect(lost).toBe(1);
});

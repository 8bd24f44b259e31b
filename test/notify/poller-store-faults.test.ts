/**
 * The poller when its store fails (disk full, SQLITE_BUSY) rather than the API: a failed write is logged
 * and tried again later; it never stops the poll loop, nor leaves the poller without its baseline.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import { Poller } from '../../src/notify/poller.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { failingStore, storeWith } from '../support/store-faults.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
let poller: Poller | null = null;
afterEach(async () => {
  await poller?.stop();
  poller = null;
  await h.close();
});

/** A poller like the harness's, over `store`. */
function pollerOver(store: NotifyStore, alertAfterMs = 300_000): Poller {
  return new Poller({
    client: createRealtimeKitClient({
      ...clientSettingsOf(h.emulator.settings()),
      retries: 0,
      timeoutMs: 2_000,
      onRequest: () => h.budget.record(h.clock.monotonic()),
    }),
    store,
    clock: h.clock,
    log: silent,
    budget: h.budget,
    intervalMs: 15_000,
    alertAfterMs,
  });
}

const errors: string[] = [];
const silent = {
  debug() {},
  info() {},
  warn() {},
  error(message: string) {
    errors.push(message);
  },
  child() {
    return silent;
  },
};

const listRequests = () => h.emulator.requests.filter((r) => r.path === 'livestreams').length;

async function parked(): Promise<void> {
  await vi.waitFor(() => expect(h.clock.sleeping).toBeGreaterThan(0), { timeout: 5_000, interval: 1 });
}

describe('the poller when its store fails', () => {
  it('an outage notice the store cannot queue does not stop the poll loop; it is tried again', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    const failing = { on: false };
    // The notice is due 20 s into the outage, between the first failure and its 30 s backoff: the loop
    // itself queues it.
    poller = pollerOver(failingStore(h.store, 'commitCycle', failing), 20_000);
    await poller.runCycle(); // baseline
    failing.on = true;
    h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      poller.start();
      await parked();
      const afterFirst = listRequests();
      for (let i = 0; i < 120; i++) {
        h.clock.advance(1_000);
        await parked();
      }
      expect(rejections).toEqual([]);
      expect(listRequests()).toBeGreaterThan(afterFirst);
      expect(await h.store.getMeta('api_alerted')).toBeNull(); // never queued, so never recorded as sent
      // Once the store takes writes again, the next failure queues the notice.
      failing.on = false;
      for (let i = 0; i < 600 && (await h.store.getMeta('api_alerted')) === null; i++) {
        h.clock.advance(1_000);
        await parked();
      }
      expect(await h.store.getMeta('api_alerted')).not.toBeNull();
      expect(await h.store.countPending()).toBe(1);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('a notice the store cannot queue inside a cycle is logged as such, and counts one failure', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    const failing = { on: false };
    poller = pollerOver(failingStore(h.store, 'commitCycle', failing), 0);
    await poller.runCycle();
    failing.on = true;
    h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    errors.length = 0;
    const result = await poller.runCycle();
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? '' : result.error).not.toBe('state could not be saved');
    expect(errors).not.toContain('poll cycle could not save its state; will retry');
    // One failure: the backoff is 2 intervals, not 4.
    expect(poller.nextDelayMs(result)).toBe(30_000);
  });

  it('a first read of the stored statuses that fails once is read again: the next cycle is no baseline', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // the baseline, stored
    const failing = { on: true };
    poller = pollerOver(failingStore(h.store, 'loadStatuses', failing));
    const first = await poller.runCycle();
    expect(first.ok).toBe(false);
    failing.on = false;
    h.emulator.addLivestream({ name: 'Town hall', status: 'LIVE' });
    const second = await poller.runCycle();
    expect(second).toMatchObject({ ok: true, baseline: false, events: 1 });
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.reply.title)).toEqual([expect.stringContaining('Town hall')]);
  });

  it('a commit whose answer is lost (it landed, then the connection died) announces its change once', async () => {
    h = await createHarness({});
    await subscribe(h.store, 'C1');
    await h.poller.runCycle(); // the baseline, stored
    let loseNextAnswer = false;
    const store = storeWith(h.store, {
      commitCycle: async (...args: Parameters<NotifyStore['commitCycle']>) => {
        const committed = await h.store.commitCycle(...args);
        if (!loseNextAnswer) return committed;
        loseNextAnswer = false;
        throw new Error('Connection terminated unexpectedly');
      },
    });
    poller = pollerOver(store);
    await poller.runCycle(); // loads the statuses
    h.emulator.addLivestream({ name: 'Town hall', status: 'LIVE' });
    loseNextAnswer = true;
    expect(await poller.runCycle()).toMatchObject({ ok: false, error: 'state could not be saved' });
    expect(await poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.reply.title)).toEqual([expect.stringContaining('Town hall')]);
  });
});

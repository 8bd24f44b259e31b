/**
 * Replicas starting together agree on the database's part of every idempotency key: a group one replica
 * sent (then died before recording it) must carry the same key when another sends it again, or Discord's
 * nonce cannot recognise the repeat.
 */
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { DeliveryWorker } from '../../src/notify/delivery.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { PostOptions, Sink } from '../../src/sink.js';
import { useTestDatabase } from '../support/pg.js';

const database = useTestDatabase();
const stores: NotifyStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A sink that records the keys it is given and accepts every post. */
function recordingSink(keys: string[]): Sink {
  let n = 0;
  return {
    platform: 'discord',
    pacingMs: 0,
    post: (_channel: string, _reply: unknown, options?: PostOptions) => {
      keys.push(options?.idempotencyKey ?? '');
      return Promise.resolve({ messageId: `m${++n}` });
    },
    edit: () => Promise.resolve(),
  };
}

it('two replicas whose first sends race make one key prefix between them', async () => {
  const clock = new ManualClock();
  for (let round = 0; round < 5; round++) {
    const [a, b] = [await openPgStore(database.url), await openPgStore(database.url)];
    stores.push(a, b);
    await a.setMeta('delivery_key_prefix', null);
    const at = new Date(clock.now()).toISOString();
    const claim = (holder: string) => ({ holder, now: clock.now(), ttlMs: 60_000 });
    // Replica a claims C1, then b claims C2: each sends one, at the same moment.
    for (const [channelId, store, holder] of [
      ['C1', a, 'replica-a'],
      ['C2', b, 'replica-b'],
    ] as const) {
      await a.enqueue(
        {
          kind: 'errored',
          stream: { id: `ls-${round}-${channelId}`, name: 'Show', status: 'ERRORED', playbackUrl: null },
          previousStatus: 'LIVE',
          at,
        },
        [{ platform: 'discord', channelId, mention: null }],
      );
      expect(await store.pendingByChannel(5, ['discord'], claim(holder))).toHaveLength(1);
    }
    const keys: string[] = [];
    const worker = (store: NotifyStore, holder: string) =>
      new DeliveryWorker({
        store,
        sinks: new Map([['discord', recordingSink(keys)]]),
        clock,
        log: silentLogger,
        cooldownMs: 0,
        claim: { holder, ttlMs: 60_000, idleWaitMs: 1_000, maxHeld: 50 },
      });
    await Promise.all([worker(a, 'replica-a').drainOnce(), worker(b, 'replica-b').drainOnce()]);
    expect(keys).toHaveLength(2);
    const prefixes = new Set(keys.map((key) => key.split('-')[0]));
    expect(prefixes.size).toBe(1);
    expect(await a.getMeta('delivery_key_prefix')).toBe([...prefixes][0]);
    await Promise.all(stores.splice(0).map((store) => store.close()));
  }
});

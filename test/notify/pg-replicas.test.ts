/**
 * Two replicas on one PostgreSQL (two stores, so two pools, as two processes would have) asking for the
 * same things at the same moment: every input is claimed once, one holder wins a lease, channels are
 * never handed to both senders, and scoped transactions run one at a time across replicas.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore } from '../../src/notify/pg-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { Target } from '../../src/notify/targets.js';
import type { Delivery } from '../../src/notify/types.js';
import { useTestDatabase } from '../support/pg.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const database = useTestDatabase();
let replicas: [NotifyStore, NotifyStore];

beforeAll(async () => {
  replicas = [await openPgStore(database.url), await openPgStore(database.url)];
});
afterAll(async () => {
  await Promise.all(replicas.map((store) => store.close()));
});

function liveAlert() {
  return { kind: 'api-delayed', at: new Date(T0).toISOString(), failingSince: '', reason: 'x' } as const;
}

/** Connections of this database waiting for a lock another transaction holds. */
async function backendsWaitingOnALock(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return Number(rows[0]!.n);
}

const channelsOf = (queues: Delivery[][]) =>
  queues.map((queue) => `${queue[0]!.platform}:${queue[0]!.channelId}`);

describe('two replicas at once', () => {
  it('2 × 50 concurrent claims of the same 50 keys: each key is claimed exactly once', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `webhook:race-${i}`);
    const attempts = replicas.flatMap((store, r) =>
      keys.map(async (key) => ({ key, won: await store.claimInput(key, T0 + r) })),
    );
    const results = await Promise.all(attempts);
    const winners = new Map<string, number>();
    for (const { key, won } of results) if (won) winners.set(key, (winners.get(key) ?? 0) + 1);
    expect([...winners.keys()].sort()).toEqual([...keys].sort());
    expect([...winners.values()].every((n) => n === 1)).toBe(true);
  });

  it('two holders racing for a lease: one wins, the other is refused, round after round', async () => {
    for (let round = 0; round < 20; round++) {
      const name = `lease-${round}`;
      const [a, b] = await Promise.all([
        replicas[0].acquireLease(name, 'r1', T0, 10_000),
        replicas[1].acquireLease(name, 'r2', T0, 10_000),
      ]);
      expect([a, b].filter((fence) => fence !== null)).toHaveLength(1);
      expect((a ?? b)!.epoch).toBe(1);
    }
    // And racing for a lapsed one: one takes it, with the next epoch.
    for (let round = 0; round < 10; round++) {
      const name = `lease-${round}`;
      const later = T0 + 20_000;
      const [a, b] = await Promise.all([
        replicas[0].acquireLease(name, 'r3', later, 10_000),
        replicas[1].acquireLease(name, 'r4', later, 10_000),
      ]);
      expect([a, b].filter((fence) => fence !== null)).toHaveLength(1);
      expect((a ?? b)!.epoch).toBe(2);
    }
  });

  it('two senders asking for channels at once get disjoint channels, and between them all of them', async () => {
    const targets: Target[] = Array.from({ length: 30 }, (_, i) => ({
      platform: i % 3 === 0 ? 'discord' : 'slack',
      channelId: `C${String(i).padStart(2, '0')}`,
      mention: null,
    }));
    const event = {
      kind: 'api-delayed',
      at: new Date(T0).toISOString(),
      failingSince: '',
      reason: 'x',
    } as const;
    await replicas[0].enqueue(event, targets);
    for (let round = 0; round < 5; round++) {
      // Each round later than the last one's claims: every channel is free again.
      const now = T0 + round * 10_000;
      const [a, b] = await Promise.all([
        replicas[0].pendingByChannel(5, undefined, { holder: `r1-${round}`, now, ttlMs: 5_000 }),
        replicas[1].pendingByChannel(5, undefined, { holder: `r2-${round}`, now, ttlMs: 5_000 }),
      ]);
      const mine = new Set(channelsOf(a));
      expect(channelsOf(b).filter((channel) => mine.has(channel))).toEqual([]);
      expect(mine.size + b.length).toBe(targets.length);
    }
  });

  it('transactions on one scope, spread over both replicas, run one at a time', async () => {
    const increment = (store: NotifyStore) =>
      store.transaction(async (tx) => {
        const seen = Number((await tx.getMeta('counter')) ?? '0');
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
        await tx.setMeta('counter', String(seen + 1));
      }, 'slack:C1');
    await Promise.all(Array.from({ length: 12 }, (_, i) => increment(replicas[i % 2]!)));
    expect(await replicas[0].getMeta('counter')).toBe('12');
  });

  it('a fenced commit while a takeover holds the lease row waits for it, then writes nothing', async () => {
    const [store] = replicas;
    const first = (await store.acquireLease('poller', 'r1', T0, 1_000))!;
    await store.commitCycle({ changed: new Map(), removed: [], events: [], baseline: true }, first);
    const pendingBefore = await store.countPending();
    // Another replica is taking the lapsed lease over: its transaction holds the row.
    const takeover = new pg.Client({ connectionString: database.url });
    await takeover.connect();
    try {
      await takeover.query('BEGIN');
      await takeover.query("SELECT epoch FROM lease WHERE name = 'poller' FOR UPDATE");
      const committing = store.commitCycle(
        {
          changed: new Map([['ls-race', { status: 'LIVE', name: 'Race', sessionId: null }]]),
          removed: [],
          events: [{ event: liveAlert(), targets: [{ platform: 'slack', channelId: 'C1', mention: null }] }],
          baseline: false,
        },
        first,
      );
      // The commit reads the lease FOR UPDATE: it waits on the row rather than read the epoch it had.
      await expect.poll(() => backendsWaitingOnALock(takeover)).toBe(1);
      await takeover.query(
        "UPDATE lease SET holder = 'r2', epoch = epoch + 1, expires_at = $1 WHERE name = 'poller'",
        [T0 + 6_000],
      );
      await takeover.query('COMMIT');
      expect(await committing).toBe(false);
    } finally {
      await takeover.end();
    }
    expect((await store.loadStatuses())!.has('ls-race')).toBe(false);
    expect(await store.countPending()).toBe(pendingBefore);
  });
});

/**
 * The SQLite store's side of several replicas (issue 16): inputs claimed once by key, the poller's lease
 * and the commits it fences, senders' channel claims, request counts shared between replicas, and the
 * asynchronous transaction (serialised, rolled back on a throw). Also the upgrade of a version-3 state
 * file, whose webhook deliveries are still recognised as repeats.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openSqliteStore, STATE_FILE } from '../../src/notify/sqlite-store.js';
import { INPUT_DEDUPE_MS, type LeaseFence, type NotifyStore } from '../../src/notify/store.js';
import type { StreamEvent } from '../../src/notify/types.js';
import { webhookInputKey } from '../../src/webhooks/receiver.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const POLLER = 'poller';
const TTL = 30_000;

let dataDir: string;
let store: NotifyStore;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sqlite-replicas-'));
  store = openSqliteStore(dataDir);
});
afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const liveEvent = (id: string): StreamEvent => ({
  kind: 'live',
  stream: { id, name: `Show ${id}`, status: 'LIVE', playbackUrl: null },
  previousStatus: 'IDLE',
  at: new Date(T0).toISOString(),
});

const slack = (channelId: string) => ({ platform: 'slack' as const, channelId, mention: null });

/** A cycle's commit: `id` went LIVE, announced to `channels`. */
const liveCommit = (id: string, channels: string[]) => ({
  changed: new Map([[id, { status: 'LIVE' as const, name: `Show ${id}`, sessionId: null }]]),
  removed: [],
  events: [{ event: liveEvent(id), targets: channels.map(slack) }],
  baseline: false,
});

describe('inputs claimed by key', () => {
  it('the first claim wins, a repeat within the window does not, kinds do not collide', async () => {
    expect(await store.claimInput('discord:111', T0)).toBe(true);
    expect(await store.claimInput('discord:111', T0 + 5_000)).toBe(false);
    expect(await store.claimInput('webhook:111', T0 + 5_000)).toBe(true);
    expect(await store.claimInput('slack-trigger:111', T0 + 5_000)).toBe(true);
  });

  it('a key older than the window is new again, even before pruning reached it', async () => {
    expect(await store.claimInput('discord:old', T0)).toBe(true);
    // More than one prune batch (100) of keys older than it: its own row is not pruned by the next claim.
    for (let i = 0; i < 150; i++) expect(await store.claimInput(`discord:older-${i}`, T0 - 1 - i)).toBe(true);
    const later = T0 + INPUT_DEDUPE_MS + 1;
    expect(await store.claimInput('discord:old', later)).toBe(true);
    expect(await store.claimInput('discord:old', later + 1)).toBe(false);
  });
});

describe('the lease', () => {
  it('taken when free, renewed by its holder at the same epoch, refused to others while it runs', async () => {
    expect(await store.acquireLease(POLLER, 'a', T0, TTL)).toEqual({ name: POLLER, holder: 'a', epoch: 1 });
    expect(await store.acquireLease(POLLER, 'b', T0 + 1_000, TTL)).toBeNull();
    expect(await store.acquireLease(POLLER, 'a', T0 + 20_000, TTL)).toEqual({
      name: POLLER,
      holder: 'a',
      epoch: 1,
    });
    // Renewed until T0 + 50 s: still a's at T0 + 49 s.
    expect(await store.acquireLease(POLLER, 'b', T0 + 49_000, TTL)).toBeNull();
    // Other leases are apart.
    expect(await store.acquireLease('other', 'b', T0, TTL)).toEqual({ name: 'other', holder: 'b', epoch: 1 });
  });

  it('lapsed, it goes to the first who asks, at the next epoch; the old holder is refused', async () => {
    await store.acquireLease(POLLER, 'a', T0, TTL);
    expect(await store.acquireLease(POLLER, 'b', T0 + TTL, TTL)).toEqual({
      name: POLLER,
      holder: 'b',
      epoch: 2,
    });
    expect(await store.acquireLease(POLLER, 'a', T0 + TTL + 1, TTL)).toBeNull();
  });

  it('released, another takes it at once (next epoch); a release by a non-holder changes nothing', async () => {
    await store.acquireLease(POLLER, 'a', T0, TTL);
    await store.releaseLease(POLLER, 'b');
    expect(await store.acquireLease(POLLER, 'b', T0 + 1, TTL)).toBeNull();
    await store.releaseLease(POLLER, 'a');
    expect(await store.acquireLease(POLLER, 'b', T0 + 2, TTL)).toEqual({
      name: POLLER,
      holder: 'b',
      epoch: 2,
    });
  });
});

describe('commits fenced by the lease', () => {
  // The baseline is recorded: statuses load.
  beforeEach(async () => {
    await store.commitCycle({ changed: new Map(), removed: [], events: [], baseline: true });
  });

  it('written while the fence holds; refused, with nothing written, once another took the lease', async () => {
    const a = (await store.acquireLease(POLLER, 'a', T0, TTL))!;
    expect(await store.commitCycle(liveCommit('s1', ['C1']), a)).toBe(true);
    expect((await store.loadStatuses())?.has('s1')).toBe(true);
    expect(await store.countPending()).toBe(1);

    const b = (await store.acquireLease(POLLER, 'b', T0 + TTL, TTL))!;
    // a comes back (it was stuck) and commits what it found: nothing of it lands.
    expect(await store.commitCycle(liveCommit('s2', ['C1', 'C2']), a)).toBe(false);
    expect((await store.loadStatuses())?.has('s2')).toBe(false);
    expect(await store.countPending()).toBe(1);
    // The holder's commit goes through; one without a fence (one replica) too.
    expect(await store.commitCycle(liveCommit('s3', ['C1']), b)).toBe(true);
    expect(await store.commitCycle(liveCommit('s4', ['C1']))).toBe(true);
    expect([...(await store.loadStatuses())!.keys()].sort()).toEqual(['s1', 's3', 's4']);
  });

  it('a fence of an epoch that is over is refused even if its holder took the lease again', async () => {
    const first = (await store.acquireLease(POLLER, 'a', T0, TTL))!;
    await store.acquireLease(POLLER, 'b', T0 + TTL, TTL);
    const again = (await store.acquireLease(POLLER, 'a', T0 + 2 * TTL, TTL))!;
    expect(again.epoch).toBe(3);
    const stale: LeaseFence = { ...first };
    expect(await store.commitCycle(liveCommit('s1', ['C1']), stale)).toBe(false);
    expect(await store.commitCycle(liveCommit('s1', ['C1']), again)).toBe(true);
  });
});

describe('channel claims', () => {
  const claim = (holder: string, now: number) => ({ holder, now, ttlMs: TTL });
  const channelsOf = (queues: { channelId: string }[][]) => queues.map((q) => q[0]!.channelId).sort();

  beforeEach(async () => {
    await store.enqueue(liveEvent('s1'), [slack('C1'), slack('C2')]);
    await store.enqueue(liveEvent('s2'), [slack('C1')]);
  });

  it('a channel goes to one sender while its claim runs; its holder keeps it by claiming again', async () => {
    const a = await store.pendingByChannel(20, ['slack'], claim('a', T0));
    expect(channelsOf(a)).toEqual(['C1', 'C2']);
    expect(a.find((q) => q[0]!.channelId === 'C1')).toHaveLength(2);
    expect(await store.pendingByChannel(20, ['slack'], claim('b', T0 + 1_000))).toEqual([]);
    // a claims again at T0 + 20 s: until T0 + 50 s.
    expect(channelsOf(await store.pendingByChannel(20, ['slack'], claim('a', T0 + 20_000)))).toEqual([
      'C1',
      'C2',
    ]);
    expect(await store.pendingByChannel(20, ['slack'], claim('b', T0 + 40_000))).toEqual([]);
    // Without a claim (one replica), every channel, as before.
    expect(channelsOf(await store.pendingByChannel(20, ['slack']))).toEqual(['C1', 'C2']);
  });

  it('a lapsed claim (its sender died) lets another take the channel, and then only that one', async () => {
    await store.pendingByChannel(20, ['slack'], claim('a', T0));
    expect(channelsOf(await store.pendingByChannel(20, ['slack'], claim('b', T0 + TTL)))).toEqual([
      'C1',
      'C2',
    ]);
    expect(await store.pendingByChannel(20, ['slack'], claim('a', T0 + TTL + 1))).toEqual([]);
  });

  it('claims are per channel: a new channel goes to whoever reads it first', async () => {
    await store.pendingByChannel(20, ['slack'], claim('a', T0));
    await store.enqueue(liveEvent('s3'), [slack('C3')]);
    expect(channelsOf(await store.pendingByChannel(20, ['slack'], claim('b', T0 + 1_000)))).toEqual(['C3']);
    expect(channelsOf(await store.pendingByChannel(20, ['slack'], claim('a', T0 + 2_000)))).toEqual([
      'C1',
      'C2',
    ]);
  });
});

describe('request counts shared by replicas', () => {
  const MINUTE = 60_000;

  it("adds each replica's counts per bucket and returns the others' since `since`", async () => {
    expect(await store.syncRequestCounts('a', [{ bucket: T0, poller: 5, commands: 1 }], T0 - MINUTE)).toEqual(
      {
        poller: 0,
        commands: 0,
      },
    );
    expect(await store.syncRequestCounts('b', [{ bucket: T0, poller: 2, commands: 3 }], T0 - MINUTE)).toEqual(
      {
        poller: 5,
        commands: 1,
      },
    );
    // The same bucket again adds up; a new bucket is a row of its own.
    await store.syncRequestCounts(
      'a',
      [
        { bucket: T0, poller: 1, commands: 0 },
        { bucket: T0 + 10_000, poller: 4, commands: 2 },
      ],
      T0 - MINUTE,
    );
    expect(await store.syncRequestCounts('b', [], T0 - MINUTE)).toEqual({ poller: 10, commands: 3 });
    expect(await store.syncRequestCounts('c', [], T0 - MINUTE)).toEqual({ poller: 12, commands: 6 });
    // Buckets before `since` no longer count (and are pruned).
    expect(await store.syncRequestCounts('b', [], T0 + 5_000)).toEqual({ poller: 4, commands: 2 });
    expect(await store.syncRequestCounts('b', [], T0 - MINUTE)).toEqual({ poller: 4, commands: 2 });
  });
});

describe('transactions', () => {
  const sub = (channelId: string) => ({
    platform: 'slack' as const,
    channelId,
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: null,
    source: 'chat' as const,
  });

  it('all of its writes or none: a throw after some writes rolls them back', async () => {
    const failed = store.transaction(async (tx) => {
      await tx.upsertSubscription(sub('C1'));
      await tx.enqueue(liveEvent('s1'), [slack('C1')]);
      throw new Error('changed its mind');
    }, 'subscription:slack:C1');
    await expect(failed).rejects.toThrow('changed its mind');
    expect(await store.subscriptions()).toEqual([]);
    expect(await store.countPending()).toBe(0);
  });

  it('runs alone: a call made while it awaits waits for its commit, then sees what it wrote', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const tx = store.transaction(async (tx) => {
      await tx.upsertSubscription(sub('C1'));
      inside();
      await held;
      await tx.upsertSubscription(sub('C2'));
      return 'done';
    });
    await started;
    const seen = store.subscriptions();
    const order: string[] = [];
    void seen.then(() => order.push('read'));
    void tx.then(() => order.push('commit'));
    release();
    expect(await tx).toBe('done');
    expect((await seen).map((s) => s.channelId)).toEqual(['C1', 'C2']);
    expect(order).toEqual(['commit', 'read']);
  });

  it('a nested transaction joins the outer one', async () => {
    const failed = store.transaction(async (tx) => {
      await tx.transaction(async (inner) => inner.upsertSubscription(sub('C1')));
      throw new Error('outer fails');
    });
    await expect(failed).rejects.toThrow('outer fails');
    expect(await store.subscriptions()).toEqual([]);
    await store.transaction(async (tx) => {
      await tx.transaction(async (inner) => inner.upsertSubscription(sub('C2')));
    });
    expect((await store.subscriptions()).map((s) => s.channelId)).toEqual(['C2']);
  });

  it('its `tx` refuses calls once it is over', async () => {
    let leaked!: NotifyStore;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked.countPending()).rejects.toThrow(/transaction is over/);
  });
});

describe('a version-3 state file', () => {
  it('upgrades, and the webhook deliveries it recorded are still repeats', async () => {
    await store.close();
    const scratch = mkdtempSync(join(tmpdir(), 'sqlite-v3-'));
    try {
      const db = new Database(join(scratch, STATE_FILE));
      for (const migration of MIGRATIONS.slice(0, 3)) db.exec(migration);
      db.pragma('user_version = 3');
      const insert = db.prepare('INSERT INTO webhook_delivery (uuid, received_at) VALUES (?, ?)');
      insert.run('uuid-1', T0);
      insert.run('uuid-2', T0 - INPUT_DEDUPE_MS - 1); // past the window already
      db.close();

      store = openSqliteStore(scratch);
      expect(await store.claimInput(webhookInputKey('uuid-1'), T0 + 60_000)).toBe(false);
      expect(await store.claimInput(webhookInputKey('uuid-2'), T0 + 60_000)).toBe(true);
      expect(await store.claimInput(webhookInputKey('uuid-3'), T0 + 60_000)).toBe(true);
      // Not a key of another kind.
      expect(await store.claimInput('discord:uuid-1', T0 + 60_000)).toBe(true);
      await store.close();

      const upgraded = new Database(join(scratch, STATE_FILE), { readonly: true });
      try {
        expect(upgraded.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        const tables = upgraded.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
        expect(tables).not.toContain('webhook_delivery');
        expect(tables).toEqual(
          expect.arrayContaining(['input_claim', 'lease', 'channel_claim', 'request_count']),
        );
      } finally {
        upgraded.close();
      }
    } finally {
      store = openSqliteStore(dataDir); // for afterEach
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

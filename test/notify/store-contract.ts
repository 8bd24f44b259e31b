/**
 * The NotifyStore contract: every behaviour the poller, the sender, the commands and the webhooks rely
 * on, run against each store (store-contract.sqlite.test.ts, store-contract.pg.test.ts). Each test gets
 * a fresh, empty store from `open` and closes it. Times are wall-clock ms passed in, as the callers do.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/sink.js';
import {
  INPUT_DEDUPE_MS,
  LAPSED_LEASE_KEPT_MS,
  type LeaseFence,
  type NotifyStore,
} from '../../src/notify/store.js';
import type { Target } from '../../src/notify/targets.js';
import type { Delivery, NotifyEvent, StreamEvent, StreamPost, Subscription } from '../../src/notify/types.js';

const T0 = Date.parse('2026-11-22T12:00:00Z');

function liveEvent(streamId: string, at = T0, kind: StreamEvent['kind'] = 'live'): StreamEvent {
  return {
    kind,
    stream: {
      id: streamId,
      name: `Show ${streamId}`,
      status: kind === 'ended' ? 'OFFLINE' : 'LIVE',
      playbackUrl: null,
    },
    previousStatus: kind === 'live' ? 'OFFLINE' : 'LIVE',
    at: new Date(at).toISOString(),
  };
}

function target(channelId: string, platform: Platform = 'slack', mention: string | null = null): Target {
  return { platform, channelId, mention };
}

function subscription(
  channelId: string,
  extra: Partial<Subscription> = {},
): Omit<Subscription, 'pausedReason'> {
  return {
    platform: 'slack',
    channelId,
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: null,
    source: 'chat',
    ...extra,
  };
}

/** Which stream and channel each delivery is: enough to tell them apart and see their order. */
const shape = (d: Delivery) =>
  `${d.platform}:${d.channelId}:${'stream' in d.event ? d.event.stream.id : d.event.kind}`;

const idsOf = (queues: Delivery[][]) => queues.map((queue) => queue.map(shape));

export function describeStoreContract(name: string, open: () => Promise<NotifyStore>): void {
  describe(`NotifyStore contract: ${name}`, () => {
    let store: NotifyStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('statuses and the baseline', () => {
      it('has no statuses before the first whole read, and the baseline ones after it', async () => {
        expect(await store.loadStatuses()).toBeNull();
        const changed = new Map([
          ['ls-1', { status: 'LIVE' as const, name: 'One', sessionId: 'sess-1' }],
          ['ls-2', { status: 'ERRORED' as const, name: null, sessionId: null }],
        ]);
        const live = liveEvent('ls-1');
        // Baseline: statuses recorded, nothing announced (the poller passes no events then).
        expect(await store.commitCycle({ changed, removed: [], events: [], baseline: true })).toBe(true);
        expect(await store.loadStatuses()).toEqual(changed);
        expect(await store.countPending()).toBe(0);

        const next = new Map([['ls-1', { status: 'OFFLINE' as const, name: 'One', sessionId: 'sess-1' }]]);
        await store.commitCycle({
          changed: next,
          removed: ['ls-2'],
          events: [{ event: { ...live, kind: 'ended' }, targets: [target('C1')] }],
          baseline: false,
        });
        expect(await store.loadStatuses()).toEqual(next);
        expect(await store.countPending()).toBe(1);
      });

      it('an empty first read is a baseline too: an empty map, not null', async () => {
        await store.commitCycle({ changed: new Map(), removed: [], events: [], baseline: true });
        expect(await store.loadStatuses()).toEqual(new Map());
      });
    });

    describe('events and deliveries', () => {
      it('a cycle writes each event with a delivery per target, pending in order; no target, no delivery', async () => {
        const a = liveEvent('ls-a');
        const b = liveEvent('ls-b', T0 + 1_000, 'errored');
        await store.commitCycle({
          changed: new Map([['ls-a', { status: 'LIVE', name: 'A', sessionId: null }]]),
          removed: [],
          events: [
            { event: a, targets: [target('C1', 'slack', '<!here>'), target('D1', 'discord')] },
            { event: liveEvent('ls-nobody'), targets: [] },
            { event: b, targets: [target('C1')] },
          ],
          baseline: false,
        });
        const pending = await store.pendingDeliveries(10);
        expect(pending.map(shape)).toEqual(['slack:C1:ls-a', 'discord:D1:ls-a', 'slack:C1:ls-b']);
        expect(pending[0]).toMatchObject({ mention: '<!here>', attempts: 0, notBefore: 0, event: a });
        expect(pending[2]!.event).toEqual(b);
        expect(pending[0]!.id).toBeLessThan(pending[1]!.id);
        expect(pending[1]!.id).toBeLessThan(pending[2]!.id);
        expect(await store.countPending()).toBe(3);
        expect(await store.countPendingByPlatform()).toEqual(
          new Map([
            ['slack', 2],
            ['discord', 1],
          ]),
        );
      });

      it('enqueue adds an event outside a cycle (API alerts); with no target it adds nothing', async () => {
        const alert: NotifyEvent = {
          kind: 'api-delayed',
          at: new Date(T0).toISOString(),
          failingSince: new Date(T0 - 300_000).toISOString(),
          reason: 'HTTP 503',
        };
        await store.enqueue(alert, [target('C1'), target('C2')]);
        await store.enqueue(liveEvent('ls-x'), []);
        const pending = await store.pendingDeliveries(10);
        expect(pending.map((d) => [d.channelId, d.event])).toEqual([
          ['C1', alert],
          ['C2', alert],
        ]);
      });

      it('pendingDeliveries: oldest first, at most `limit`, only the platforms asked for', async () => {
        for (let i = 0; i < 5; i++)
          await store.enqueue(liveEvent(`ls-${i}`), [target('C1'), target('D1', 'discord')]);
        expect((await store.pendingDeliveries(3)).map(shape)).toEqual([
          'slack:C1:ls-0',
          'discord:D1:ls-0',
          'slack:C1:ls-1',
        ]);
        expect((await store.pendingDeliveries(2, ['discord'])).map(shape)).toEqual([
          'discord:D1:ls-0',
          'discord:D1:ls-1',
        ]);
        expect(await store.pendingDeliveries(10, [])).toEqual([]);
      });

      it('an event this bot cannot read is set aside (dropped), not handed out', async () => {
        const broken = { kind: 'live', at: new Date(T0).toISOString(), stream: {} } as unknown as NotifyEvent;
        await store.enqueue(broken, [target('C1')]);
        await store.enqueue(liveEvent('ls-ok'), [target('C1')]);
        expect((await store.pendingDeliveries(10)).map(shape)).toEqual(['slack:C1:ls-ok']);
        expect(await store.countPending()).toBe(1);
      });
    });

    describe('the poller lease and fenced commits', () => {
      const cycle = (id: string) => ({
        changed: new Map([[id, { status: 'LIVE' as const, name: id, sessionId: null }]]),
        removed: [],
        events: [{ event: liveEvent(id), targets: [target('C1')] }],
        baseline: false,
      });

      it('a lease is taken (epoch 1), renewed by its holder (same epoch), refused to others while it runs', async () => {
        expect(await store.acquireLease('poller', 'r1', T0, 10_000)).toEqual({
          name: 'poller',
          holder: 'r1',
          epoch: 1,
        });
        expect(await store.acquireLease('poller', 'r2', T0 + 1_000, 10_000)).toBeNull();
        expect(await store.acquireLease('poller', 'r1', T0 + 5_000, 10_000)).toEqual({
          name: 'poller',
          holder: 'r1',
          epoch: 1,
        });
        // Renewed at T0+5s: still r1's at T0+14s, after the first term's end.
        expect(await store.acquireLease('poller', 'r2', T0 + 14_000, 10_000)).toBeNull();
        // Other leases are apart.
        expect(await store.acquireLease('other', 'r2', T0, 10_000)).toMatchObject({ holder: 'r2', epoch: 1 });
      });

      it('a lapsed lease goes to the first who asks, with the next epoch', async () => {
        await store.acquireLease('poller', 'r1', T0, 10_000);
        expect(await store.acquireLease('poller', 'r2', T0 + 10_001, 10_000)).toEqual({
          name: 'poller',
          holder: 'r2',
          epoch: 2,
        });
        expect(await store.acquireLease('poller', 'r1', T0 + 10_002, 10_000)).toBeNull();
        expect(await store.acquireLease('poller', 'r1', T0 + 20_002, 10_000)).toMatchObject({
          holder: 'r1',
          epoch: 3,
        });
      });

      it('a released lease may be taken at once, and its epoch still grows', async () => {
        await store.acquireLease('poller', 'r1', T0, 60_000);
        await store.releaseLease('poller', 'r2'); // not r2's: nothing happens
        expect(await store.acquireLease('poller', 'r2', T0 + 1, 60_000)).toBeNull();
        await store.releaseLease('poller', 'r1');
        expect(await store.acquireLease('poller', 'r2', T0 + 2, 60_000)).toMatchObject({
          holder: 'r2',
          epoch: 2,
        });
      });

      it('a commit under the current fence lands; after a takeover the old fence writes nothing', async () => {
        const first = (await store.acquireLease('poller', 'r1', T0, 10_000)) as LeaseFence;
        await store.commitCycle({ changed: new Map(), removed: [], events: [], baseline: true }, first);
        expect(await store.commitCycle(cycle('ls-1'), first)).toBe(true);
        const second = (await store.acquireLease('poller', 'r2', T0 + 20_000, 10_000)) as LeaseFence;
        expect(second.epoch).toBe(2);
        // r1 wakes from a pause and commits what it saw: refused, and nothing of it is written.
        expect(await store.commitCycle(cycle('ls-stale'), first)).toBe(false);
        expect([...(await store.loadStatuses())!.keys()]).toEqual(['ls-1']);
        expect((await store.pendingDeliveries(10)).map(shape)).toEqual(['slack:C1:ls-1']);
        expect(await store.commitCycle(cycle('ls-2'), second)).toBe(true);
        expect([...(await store.loadStatuses())!.keys()].sort()).toEqual(['ls-1', 'ls-2']);
      });

      it("a cycle's meta rows land with it (null deletes), and not at all when its fence is refused", async () => {
        await store.setMeta('api_alerted', 'then');
        const first = (await store.acquireLease('poller', 'r1', T0, 10_000)) as LeaseFence;
        const meta = { api_failing_since: null, api_alerted: null, other: 'x' };
        await store.acquireLease('poller', 'r2', T0 + 20_000, 10_000);
        expect(await store.commitCycle({ ...cycle('ls-1'), meta }, first)).toBe(false);
        expect(await store.getMeta('api_alerted')).toBe('then');
        expect(await store.getMeta('other')).toBeNull();
        expect(await store.commitCycle({ ...cycle('ls-1'), meta })).toBe(true);
        expect(await store.getMeta('api_alerted')).toBeNull();
        expect(await store.getMeta('other')).toBe('x');
      });

      it('a fence of a lease nobody holds, or of another epoch, is refused', async () => {
        const never: LeaseFence = { name: 'poller', holder: 'r1', epoch: 1 };
        expect(await store.commitCycle(cycle('ls-1'), never)).toBe(false);
        await store.acquireLease('poller', 'r1', T0, 10_000);
        expect(await store.commitCycle(cycle('ls-1'), { ...never, epoch: 7 })).toBe(false);
        expect(await store.countPending()).toBe(0);
        expect(await store.commitCycle(cycle('ls-1'), never)).toBe(true);
      });

      it('a lease lapsed for LAPSED_LEASE_KEPT_MS is forgotten (click leases pile up): its name starts again at epoch 1', async () => {
        await store.acquireLease('click:old', 'c1', T0, 10_000);
        await store.acquireLease('poller', 'r1', T0, 10_000);
        // A day later: the click's row goes; the poller's own renewal keeps its epoch.
        const later = T0 + 10_000 + LAPSED_LEASE_KEPT_MS + 1;
        expect(await store.acquireLease('poller', 'r1', later, 10_000)).toMatchObject({ epoch: 1 });
        expect(await store.acquireLease('click:old', 'c2', later, 10_000)).toMatchObject({
          holder: 'c2',
          epoch: 1,
        });
        // The fence names its holder: c1's epoch 1 is not c2's.
        expect(await store.acquireLease('click:old', 'c1', later, 10_000)).toBeNull();
      });
    });

    describe('webhook hints for the polling replica', () => {
      it('queued once per livestream, taken oldest first, at most `limit`, and gone once taken', async () => {
        await store.addHint('ls-b', T0 + 1);
        await store.addHint('ls-a', T0 + 2);
        await store.addHint('ls-b', T0 + 3); // already queued
        await store.addHint('ls-c', T0 + 4);
        expect(await store.takeHints(2)).toEqual(['ls-b', 'ls-a']);
        expect(await store.takeHints(10)).toEqual(['ls-c']);
        expect(await store.takeHints(10)).toEqual([]);
      });
    });

    describe('subscriptions', () => {
      it('upsert inserts, then replaces the same (channel, livestream); filters by platform and channel', async () => {
        await store.upsertSubscription(subscription('C2'));
        await store.upsertSubscription(subscription('C1', { livestreamId: 'ls-1', onErrored: false }));
        await store.upsertSubscription(subscription('C1'));
        await store.upsertSubscription(
          subscription('D1', { platform: 'discord', source: 'config', mention: '@here' }),
        );
        await store.upsertSubscription(
          subscription('C1', { livestreamId: 'ls-1', onLive: false, mention: '@ops' }),
        );
        const all = await store.subscriptions();
        expect(all.map((s) => [s.platform, s.channelId, s.livestreamId])).toEqual([
          ['discord', 'D1', null],
          ['slack', 'C1', null],
          ['slack', 'C1', 'ls-1'],
          ['slack', 'C2', null],
        ]);
        expect(all[2]).toEqual({
          ...subscription('C1', { livestreamId: 'ls-1', onLive: false, mention: '@ops' }),
          onErrored: true,
          pausedReason: null,
        });
        expect(all[0]).toMatchObject({ source: 'config', mention: '@here' });
        expect((await store.subscriptions({ platform: 'discord' })).map((s) => s.channelId)).toEqual(['D1']);
        expect((await store.subscriptions({ platform: 'slack', channelId: 'C1' })).length).toBe(2);
        expect(await store.subscriptions({ channelId: 'nowhere' })).toEqual([]);
      });

      it('pause marks every subscription of the channel; subscribing again resumes the whole channel', async () => {
        await store.upsertSubscription(subscription('C1'));
        await store.upsertSubscription(subscription('C1', { livestreamId: 'ls-1' }));
        await store.upsertSubscription(subscription('C2'));
        await store.pauseChannel({ platform: 'slack', channelId: 'C1' }, 'channel_not_found');
        const paused = await store.subscriptions();
        expect(paused.map((s) => [s.channelId, s.pausedReason])).toEqual([
          ['C1', 'channel_not_found'],
          ['C1', 'channel_not_found'],
          ['C2', null],
        ]);
        await store.upsertSubscription(subscription('C1', { livestreamId: 'ls-2' }));
        expect((await store.subscriptions()).every((s) => s.pausedReason === null)).toBe(true);
      });

      it('remove: the named livestreams (null: the all-livestreams one), or the whole channel; returns how many', async () => {
        for (const id of [null, 'ls-1', 'ls-2', 'ls-3'])
          await store.upsertSubscription(subscription('C1', { livestreamId: id }));
        await store.upsertSubscription(subscription('C2'));
        const c1 = { platform: 'slack' as const, channelId: 'C1' };
        expect(await store.removeSubscriptions(c1, ['ls-1', null, 'ls-unknown'])).toBe(2);
        expect((await store.subscriptions(c1)).map((s) => s.livestreamId)).toEqual(['ls-2', 'ls-3']);
        expect(await store.removeSubscriptions(c1)).toBe(2);
        expect(await store.removeSubscriptions(c1, [])).toBe(0);
        expect((await store.subscriptions()).map((s) => s.channelId)).toEqual(['C2']);
      });
    });

    describe('the outbox channel by channel', () => {
      async function fill(): Promise<void> {
        for (let i = 0; i < 4; i++) {
          await store.enqueue(liveEvent(`ls-${i}`), [
            target('C2'),
            target('C1'),
            ...(i < 2 ? [target('D1', 'discord')] : []),
          ]);
        }
      }

      it('gives each channel with pending deliveries its first `perChannel`, in order', async () => {
        await fill();
        const queues = await store.pendingByChannel(3);
        expect(idsOf(queues).sort()).toEqual([
          ['discord:D1:ls-0', 'discord:D1:ls-1'],
          ['slack:C1:ls-0', 'slack:C1:ls-1', 'slack:C1:ls-2'],
          ['slack:C2:ls-0', 'slack:C2:ls-1', 'slack:C2:ls-2'],
        ]);
        for (const queue of queues)
          expect(queue.map((d) => d.id)).toEqual([...queue.map((d) => d.id)].sort((a, b) => a - b));
        expect(idsOf(await store.pendingByChannel(3, ['discord']))).toEqual([
          ['discord:D1:ls-0', 'discord:D1:ls-1'],
        ]);
        expect(await store.pendingByChannel(3, [])).toEqual([]);
      });

      it('a channel whose deliveries are all done or dropped has no queue', async () => {
        await fill();
        const d1 = (await store.pendingDeliveries(100, ['discord'])).map((d) => d.id);
        await store.markDelivered(d1);
        const c2 = { platform: 'slack' as const, channelId: 'C2' };
        expect(await store.dropChannelDeliveries(c2, 'paused')).toBe(4);
        expect(idsOf(await store.pendingByChannel(1))).toEqual([['slack:C1:ls-0']]);
      });

      it("claims: a holder gets the channels nobody else's claim covers, renews its own, and takes lapsed ones", async () => {
        await fill();
        const ttlMs = 1_000;
        const a = await store.pendingByChannel(1, undefined, { holder: 'r1', now: T0, ttlMs });
        expect(a.length).toBe(3);
        // r2 asks while r1's claims run: nothing, even though all three channels have news.
        expect(await store.pendingByChannel(1, undefined, { holder: 'r2', now: T0 + 10, ttlMs })).toEqual([]);
        // A new channel's news goes to whoever asks first.
        await store.enqueue(liveEvent('ls-new'), [target('C3')]);
        expect(
          idsOf(await store.pendingByChannel(1, undefined, { holder: 'r2', now: T0 + 20, ttlMs })),
        ).toEqual([['slack:C3:ls-new']]);
        // r1 renews its three (not C3), until T0 + 1,500.
        const renewed = await store.pendingByChannel(1, undefined, { holder: 'r1', now: T0 + 500, ttlMs });
        expect(idsOf(renewed).sort()).toEqual([['discord:D1:ls-0'], ['slack:C1:ls-0'], ['slack:C2:ls-0']]);
        // r2 claimed C3 at T0 + 20 and did not renew: at T0 + 1,400 only that one is free.
        expect(
          idsOf(await store.pendingByChannel(1, undefined, { holder: 'r3', now: T0 + 1_400, ttlMs })),
        ).toEqual([['slack:C3:ls-new']]);
        // r1 died: after its claims lapse, another replica takes its channels over.
        const takeover = await store.pendingByChannel(1, undefined, { holder: 'r3', now: T0 + 1_600, ttlMs });
        expect(idsOf(takeover).sort()).toEqual([
          ['discord:D1:ls-0'],
          ['slack:C1:ls-0'],
          ['slack:C2:ls-0'],
          ['slack:C3:ls-new'],
        ]);
        expect(await store.pendingByChannel(1, undefined, { holder: 'r1', now: T0 + 1_700, ttlMs })).toEqual(
          [],
        );
        // Without a claim, every channel is read (a single process, or a look at the outbox).
        expect((await store.pendingByChannel(1)).length).toBe(4);
      });

      it('maxHeld: a holder takes free channels only while it holds fewer with work, and always renews its own', async () => {
        await fill(); // C1, C2, D1
        const r1 = { holder: 'r1', now: T0, ttlMs: 60_000, maxHeld: 1 };
        expect(await store.pendingByChannel(5, undefined, r1)).toHaveLength(1);
        const r2 = { holder: 'r2', now: T0 + 1, ttlMs: 60_000, maxHeld: 1 };
        expect(await store.pendingByChannel(5, undefined, r2)).toHaveLength(1);
        // r1 holds one already: no more for it; with room for two, one more.
        expect(await store.pendingByChannel(5, undefined, { ...r1, now: T0 + 2 })).toHaveLength(1);
        expect(await store.pendingByChannel(5, undefined, { ...r1, now: T0 + 3, maxHeld: 2 })).toHaveLength(
          2,
        );
        // None left free; r2 still renews its own, even with no room.
        expect(await store.pendingByChannel(5, undefined, { ...r2, now: T0 + 4, maxHeld: 0 })).toHaveLength(
          1,
        );
        // A channel whose work is done stops counting against its holder: r2 has room for one again.
        const [ownQueue] = await store.pendingByChannel(5, undefined, { ...r2, now: T0 + 5 });
        await store.markDelivered(ownQueue!.map((d) => d.id));
        await store.releaseChannels('r1', T0 + 6);
        expect(await store.pendingByChannel(5, undefined, { ...r2, now: T0 + 6 })).toHaveLength(1);
      });

      it('maxHeld counts only channels with a message due: a channel in a retry backoff holds no room', async () => {
        await fill(); // C1, C2, D1
        const r1 = { holder: 'r1', now: T0, ttlMs: 60_000, maxHeld: 2 };
        const held = await store.pendingByChannel(5, undefined, r1);
        expect(held).toHaveLength(2);
        // Both of r1's channels wait ten minutes for a retry: the third is r1's to take now.
        await store.retryLater(
          held.flat().map((d) => d.id),
          T0 + 600_000,
          'HTTP 503',
        );
        expect(await store.pendingByChannel(5, undefined, { ...r1, now: T0 + 1_000 })).toHaveLength(3);
      });

      it('a holder that lets go of its channels (a clean stop) leaves them to the others at once', async () => {
        await fill();
        const r1 = { holder: 'r1', now: T0, ttlMs: 60_000 };
        expect(await store.pendingByChannel(5, undefined, r1)).toHaveLength(3);
        const r2 = { holder: 'r2', now: T0 + 1, ttlMs: 60_000 };
        expect(await store.pendingByChannel(5, undefined, r2)).toHaveLength(0);
        await store.releaseChannels('r2', T0 + 1); // not r2's: nothing changes
        expect(await store.pendingByChannel(5, undefined, r2)).toHaveLength(0);
        // Released from T0 + 1000 (the channels' pace): not before, and then at once.
        await store.releaseChannels('r1', T0 + 1_000);
        expect(await store.pendingByChannel(5, undefined, { ...r2, now: T0 + 999 })).toHaveLength(0);
        expect(await store.pendingByChannel(5, undefined, { ...r2, now: T0 + 1_000 })).toHaveLength(3);
      });

      it('claims only the platforms asked for', async () => {
        await fill();
        await store.pendingByChannel(1, ['discord'], { holder: 'r1', now: T0, ttlMs: 1_000 });
        const other = await store.pendingByChannel(1, undefined, { holder: 'r2', now: T0 + 1, ttlMs: 1_000 });
        expect(idsOf(other).sort()).toEqual([['slack:C1:ls-0'], ['slack:C2:ls-0']]);
      });
    });

    describe('sending', () => {
      const post = (messageId: string, endedAt: number | null = null): StreamPost => ({
        platform: 'slack',
        channelId: 'C1',
        livestreamId: 'ls-1',
        messageId,
        live: liveEvent('ls-1'),
        endedAt,
      });

      it('markDelivered takes deliveries out of the outbox and records the post with them', async () => {
        await store.enqueue(liveEvent('ls-1'), [target('C1'), target('C2')]);
        const [first, second] = await store.pendingDeliveries(10);
        await store.markDelivered([first!.id], post('m-1'));
        expect((await store.pendingDeliveries(10)).map((d) => d.id)).toEqual([second!.id]);
        expect(await store.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-1')).toEqual(post('m-1'));
        await store.markDelivered([second!.id]);
        expect(await store.countPending()).toBe(0);
        expect(await store.findPost({ platform: 'slack', channelId: 'C2' }, 'ls-1')).toBeNull();
      });

      it('savePost replaces the channel’s post for that stream; findPost is per channel and stream', async () => {
        await store.savePost(post('m-1'));
        await store.savePost({ ...post('m-2', T0), livestreamId: 'ls-2' });
        await store.savePost(post('m-3', T0 + 5));
        expect(await store.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-1')).toEqual(
          post('m-3', T0 + 5),
        );
        expect((await store.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-2'))?.messageId).toBe('m-2');
        expect(await store.findPost({ platform: 'discord', channelId: 'C1' }, 'ls-1')).toBeNull();
      });

      it('retryLater counts an attempt and holds the deliveries until notBefore; they stay pending', async () => {
        await store.enqueue(liveEvent('ls-1'), [target('C1'), target('C2')]);
        const ids = (await store.pendingDeliveries(10)).map((d) => d.id);
        await store.retryLater([ids[0]!], T0 + 60_000, 'HTTP 503');
        await store.retryLater([ids[0]!], T0 + 120_000, 'x'.repeat(10_000));
        const [first, second] = await store.pendingDeliveries(10);
        expect(first).toMatchObject({ id: ids[0], attempts: 2, notBefore: T0 + 120_000 });
        expect(second).toMatchObject({ id: ids[1], attempts: 0, notBefore: 0 });
      });

      it('holdTogether marks the group a message carries as due at `at` (pending ones only)', async () => {
        await store.enqueue(liveEvent('ls-1'), [target('C1')]);
        await store.enqueue(liveEvent('ls-2'), [target('C1')]);
        await store.enqueue(liveEvent('ls-3'), [target('C1')]);
        const [a, b, c] = await store.pendingDeliveries(10);
        await store.retryLater([a!.id], T0 + 60_000, 'slow');
        await store.markDelivered([c!.id]);
        await store.holdTogether([a!.id, b!.id, c!.id], T0 + 500);
        const held = await store.pendingDeliveries(10);
        expect(held.map((d) => [d.id, d.notBefore])).toEqual([
          [a!.id, T0 + 500],
          [b!.id, T0 + 500],
        ]);
      });

      it('drops: given deliveries, a channel’s pending ones, and those of platforms no longer configured', async () => {
        await store.enqueue(liveEvent('ls-1'), [
          target('C1'),
          target('C2'),
          target('D1', 'discord'),
          target('T1', 'console'),
        ]);
        await store.enqueue(liveEvent('ls-2'), [target('C1'), target('C2')]);
        const [c1] = await store.pendingDeliveries(1);
        await store.dropDeliveries([c1!.id], 'refused: message too long');
        expect(
          await store.dropChannelDeliveries({ platform: 'slack', channelId: 'C2' }, 'channel archived'),
        ).toBe(2);
        expect(await store.dropChannelDeliveries({ platform: 'slack', channelId: 'C2' }, 'again')).toBe(0);
        expect(await store.dropOtherPlatforms(['slack', 'console'], 'not configured')).toBe(1);
        expect((await store.pendingDeliveries(10)).map(shape)).toEqual(['console:T1:ls-1', 'slack:C1:ls-2']);
        expect(await store.countPendingByPlatform()).toEqual(
          new Map([
            ['console', 1],
            ['slack', 1],
          ]),
        );
      });

      it("a channel's run of failures: since its first failure, a new run after a long gap, over once cleared", async () => {
        const c1 = { platform: 'slack' as const, channelId: 'C1' };
        const gap = 60_000;
        expect(await store.noteChannelFailing(c1, T0, gap)).toBe(T0);
        expect(await store.noteChannelFailing(c1, T0 + 50_000, gap)).toBe(T0);
        expect(await store.noteChannelFailing(c1, T0 + 100_000, gap)).toBe(T0); // 50 s after the previous one
        expect(
          await store.noteChannelFailing({ platform: 'discord', channelId: 'C1' }, T0 + 100_000, gap),
        ).toBe(T0 + 100_000);
        expect(await store.noteChannelFailing(c1, T0 + 200_000, gap)).toBe(T0 + 200_000); // 100 s without a try
        await store.clearChannelFailing(c1);
        expect(await store.noteChannelFailing(c1, T0 + 210_000, gap)).toBe(T0 + 210_000);
      });
    });

    describe('history', () => {
      it('prunes old done and dropped deliveries, events none waits on, and posts of ended streams', async () => {
        const old = T0 - 40 * 86_400_000;
        await store.enqueue(liveEvent('ls-done', old), [target('C1')]);
        await store.enqueue(liveEvent('ls-half', old), [target('C1'), target('C2')]);
        await store.enqueue(liveEvent('ls-new', T0), [target('C1')]);
        const [done, halfDone, halfPending, recent] = await store.pendingDeliveries(10);
        await store.markDelivered([done!.id, halfDone!.id, recent!.id]);
        await store.savePost({
          platform: 'slack',
          channelId: 'C1',
          livestreamId: 'ls-ended',
          messageId: 'm1',
          live: liveEvent('ls-ended', old),
          endedAt: old,
        });
        await store.savePost({
          platform: 'slack',
          channelId: 'C1',
          livestreamId: 'ls-live',
          messageId: 'm2',
          live: liveEvent('ls-live', old),
          endedAt: null,
        });
        // Two done deliveries, one event (ls-done's; ls-half still has a pending one), one ended post.
        expect(await store.pruneHistory(T0 - 86_400_000, 100)).toBe(4);
        expect((await store.pendingDeliveries(10)).map((d) => d.id)).toEqual([halfPending!.id]);
        expect(await store.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-ended')).toBeNull();
        expect(await store.findPost({ platform: 'slack', channelId: 'C1' }, 'ls-live')).not.toBeNull();
        expect(await store.pruneHistory(T0 - 86_400_000, 100)).toBe(0);
        // Once its last delivery is done, the old event goes too.
        await store.markDelivered([halfPending!.id]);
        expect(await store.pruneHistory(T0 - 86_400_000, 100)).toBe(2);
      });

      it('prunes at most `limit` rows of each kind per call', async () => {
        const old = T0 - 40 * 86_400_000;
        for (let i = 0; i < 5; i++) await store.enqueue(liveEvent(`ls-${i}`, old + i), [target('C1')]);
        await store.markDelivered((await store.pendingDeliveries(10)).map((d) => d.id));
        // 2 deliveries, then the 2 events they no longer keep.
        expect(await store.pruneHistory(T0, 2)).toBe(4);
        expect(await store.pruneHistory(T0, 2)).toBe(4);
        expect(await store.pruneHistory(T0, 2)).toBe(2);
        expect(await store.pruneHistory(T0, 2)).toBe(0);
      });
    });

    describe('inputs claimed once', () => {
      it('the first claim of a key wins; a repeat within the window does not; other keys are apart', async () => {
        expect(await store.claimInput('webhook:uuid-1', T0)).toBe(true);
        expect(await store.claimInput('webhook:uuid-1', T0 + 1_000)).toBe(false);
        expect(await store.claimInput('discord:uuid-1', T0 + 1_000)).toBe(true);
        expect(await store.claimInput('webhook:uuid-1', T0 + INPUT_DEDUPE_MS - 1)).toBe(false);
      });

      it('a key is forgotten once older than INPUT_DEDUPE_MS', async () => {
        expect(await store.claimInput('slack-trigger:t1', T0)).toBe(true);
        expect(await store.claimInput('slack-trigger:t2', T0 + INPUT_DEDUPE_MS + 1)).toBe(true);
        expect(await store.claimInput('slack-trigger:t1', T0 + INPUT_DEDUPE_MS + 2)).toBe(true);
        expect(await store.claimInput('slack-trigger:t1', T0 + INPUT_DEDUPE_MS + 3)).toBe(false);
      });
    });

    describe('the shared request budget', () => {
      it("adds a replica's counts per bucket and returns the others' sum since `since`", async () => {
        expect(
          await store.syncRequestCounts('r1', [{ bucket: T0, poller: 3, commands: 1 }], T0 - 300_000),
        ).toEqual({
          poller: 0,
          commands: 0,
        });
        await store.syncRequestCounts('r1', [{ bucket: T0, poller: 2, commands: 0 }], T0 - 300_000);
        await store.syncRequestCounts(
          'r2',
          [
            { bucket: T0 - 400_000, poller: 100, commands: 100 }, // before the window
            { bucket: T0 + 10_000, poller: 7, commands: 2 },
          ],
          T0 - 300_000,
        );
        // r2 sees r1's 5 + 1 (its own and the old bucket not counted).
        expect(await store.syncRequestCounts('r2', [], T0 - 300_000)).toEqual({ poller: 5, commands: 1 });
        expect(await store.syncRequestCounts('r3', [], T0 - 300_000)).toEqual({ poller: 12, commands: 3 });
        // Later, r1's bucket leaves the window.
        expect(await store.syncRequestCounts('r3', [], T0 + 5_000)).toEqual({ poller: 7, commands: 2 });
      });
    });

    describe('transactions', () => {
      it('all writes of the work land, and its result is returned', async () => {
        const result = await store.transaction(async (tx) => {
          await tx.upsertSubscription(subscription('C1'));
          await tx.enqueue(liveEvent('ls-1'), [target('C1')]);
          expect(await tx.countPending()).toBe(1); // the transaction sees its own writes
          return 'done';
        });
        expect(result).toBe('done');
        expect((await store.subscriptions()).length).toBe(1);
        expect(await store.countPending()).toBe(1);
      });

      it('a throw undoes every write of the work and reaches the caller', async () => {
        await store.setMeta('kept', 'before');
        const failure = store.transaction(async (tx) => {
          await tx.upsertSubscription(subscription('C1'));
          await tx.enqueue(liveEvent('ls-1'), [target('C1')]);
          await tx.setMeta('kept', 'during');
          throw new Error('no such livestream');
        });
        await expect(failure).rejects.toThrow('no such livestream');
        expect(await store.subscriptions()).toEqual([]);
        expect(await store.countPending()).toBe(0);
        expect(await store.getMeta('kept')).toBe('before');
        // The store still works after a rollback.
        await store.setMeta('kept', 'after');
        expect(await store.getMeta('kept')).toBe('after');
      });

      it('transactions on one scope run one at a time: a read-then-write decides on current data', async () => {
        const increment = () =>
          store.transaction(async (tx) => {
            const seen = Number((await tx.getMeta('counter')) ?? '0');
            // Give every other transaction the chance to run between this read and the write.
            for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
            await tx.setMeta('counter', String(seen + 1));
          }, 'slack:C1');
        await Promise.all(Array.from({ length: 8 }, increment));
        expect(await store.getMeta('counter')).toBe('8');
      });
    });

    describe('meta', () => {
      it('get, set, replace, delete', async () => {
        expect(await store.getMeta('platform_refused:slack')).toBeNull();
        await store.setMeta('platform_refused:slack', 'invalid_auth');
        await store.setMeta('platform_refused:slack', 'account_inactive');
        expect(await store.getMeta('platform_refused:slack')).toBe('account_inactive');
        await store.setMeta('platform_refused:slack', null);
        expect(await store.getMeta('platform_refused:slack')).toBeNull();
        await store.setMeta('never-set', null);
      });

      it('trySetMeta writes when nothing holds a lock, and says so', async () => {
        expect(await store.trySetMeta('probe', '1')).toBe(true);
        expect(await store.trySetMeta('probe', '2')).toBe(true);
        expect(await store.getMeta('probe')).toBe('2');
      });
    });
  });
}

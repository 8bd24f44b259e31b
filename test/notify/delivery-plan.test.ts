/**
 * The sender's plan on plain values: a channel's queue, the time and the posts it holds (a Map behind
 * `findPost`) in; an edit, a single post or a digest out. No store, sink or clock. The delivery tests
 * (notifications, slack-delivery, discord-delivery) cover the same rules through the real sender.
 */
import { describe, expect, it } from 'vitest';
import { editFor, plan, type PlanContext, singlePost } from '../../src/notify/delivery-plan.js';
import type { ChannelRef, Delivery, StreamEvent, StreamPost, SystemEvent } from '../../src/notify/types.js';

const CHANNEL: ChannelRef = { platform: 'slack', channelId: 'C1' };
const NOW = Date.parse('2026-11-22T12:00:00Z');
const COOLDOWN_MS = 120_000;
const iso = (ms: number) => new Date(ms).toISOString();

let nextId = 1;
function delivery(event: StreamEvent | SystemEvent, extra: Partial<Delivery> = {}): Delivery {
  return { ...CHANNEL, id: nextId++, event, mention: null, attempts: 0, notBefore: 0, ...extra };
}

function streamEvent(kind: StreamEvent['kind'], id: string, at = NOW): StreamEvent {
  return {
    kind,
    stream: {
      id,
      name: `Show ${id}`,
      status: kind === 'live' ? 'LIVE' : kind === 'errored' ? 'ERRORED' : 'IDLE',
      playbackUrl: `https://watch.example/${id}`,
    },
    previousStatus: kind === 'live' ? null : 'LIVE',
    at: iso(at),
  };
}

function heldPost(id: string, endedAt: number | null): StreamPost {
  return {
    ...CHANNEL,
    livestreamId: id,
    messageId: `M-${id}`,
    live: streamEvent('live', id, NOW - 600_000),
    endedAt,
  };
}

/** A channel holding these posts, as the store would find them. */
function context(posts: StreamPost[] = [], extra: Partial<PlanContext> = {}): PlanContext {
  const held = new Map(
    posts.map((post) => [`${post.platform}/${post.channelId}/${post.livestreamId}`, post]),
  );
  return {
    now: NOW,
    cooldownMs: COOLDOWN_MS,
    findPost: (channel, livestreamId) =>
      held.get(`${channel.platform}/${channel.channelId}/${livestreamId}`) ?? null,
    ...extra,
  };
}

describe('singlePost', () => {
  it('a LIVE post is recorded once sent, for its "ended" edit', () => {
    const live = delivery(streamEvent('live', 'a'), { mention: '@here' });
    const unit = singlePost(live);
    expect(unit.kind).toBe('post');
    expect(unit.deliveries).toEqual([live]);
    expect(unit.reply.title).toBe('Show a is live');
    expect(unit.reply.mention).toBe('@here');
    expect(unit.live).toEqual({ ...CHANNEL, livestreamId: 'a', live: live.event, endedAt: null });
  });

  it('an errored post and a system message are not recorded', () => {
    expect(singlePost(delivery(streamEvent('errored', 'a'))).live).toBeUndefined();
    const system: SystemEvent = {
      kind: 'api-delayed',
      at: iso(NOW),
      failingSince: iso(NOW - 1),
      reason: 'HTTP 500',
    };
    const unit = singlePost(delivery(system));
    expect(unit.reply.title).toBe('Livestream notifications are delayed');
    expect(unit.live).toBeUndefined();
  });
});

describe('editFor', () => {
  it('"ended" edits the LIVE post the channel holds, recorded as ended when the stream ended', () => {
    const endedAt = NOW - 30_000;
    const ended = delivery(streamEvent('ended', 'a', endedAt));
    const post = heldPost('a', null);
    const unit = editFor(ended, context([post]));
    expect(unit).not.toBeNull();
    expect(unit!.kind).toBe('edit');
    expect(unit!.target).toBe(post);
    expect(unit!.after).toEqual({ ...post, endedAt });
    expect(unit!.reply.title).toBe('Show a ended');
    // If the message is gone, the channel is told with a new post.
    expect(unit!.fallback).toEqual(singlePost(ended));
  });

  it('an event without a readable time ends the post now', () => {
    const ended = delivery({ ...streamEvent('ended', 'a'), at: 'not a time' });
    expect(editFor(ended, context([heldPost('a', null)]))!.after.endedAt).toBe(NOW);
  });

  it('"live" within the cooldown of the ended post edits it back to live, pinging nobody', () => {
    const post = heldPost('a', NOW - COOLDOWN_MS);
    const unit = editFor(delivery(streamEvent('live', 'a'), { mention: '@here' }), context([post]));
    expect(unit!.kind).toBe('edit');
    expect(unit!.after).toEqual({ ...post, endedAt: null });
    expect(unit!.reply.title).toBe('Show a is live');
    expect(unit!.reply.mention).toBeUndefined();
    expect(unit!.reply.text).toContain('back live');
  });

  it('"live" past the cooldown, a post still live, errored, no post held: no edit', () => {
    expect(
      editFor(delivery(streamEvent('live', 'a')), context([heldPost('a', NOW - COOLDOWN_MS - 1)])),
    ).toBeNull();
    expect(editFor(delivery(streamEvent('live', 'a')), context([heldPost('a', null)]))).toBeNull();
    expect(editFor(delivery(streamEvent('ended', 'a')), context([heldPost('a', NOW - 1_000)]))).toBeNull();
    expect(editFor(delivery(streamEvent('errored', 'a')), context([heldPost('a', null)]))).toBeNull();
    expect(editFor(delivery(streamEvent('ended', 'a')), context([]))).toBeNull();
  });

  it('looks the post up in the delivery’s own channel', () => {
    const elsewhere = { ...heldPost('a', null), channelId: 'C2' };
    expect(editFor(delivery(streamEvent('ended', 'a')), context([elsewhere]))).toBeNull();
  });
});

describe('plan', () => {
  it('one waiting delivery is a single post', () => {
    const unit = plan([delivery(streamEvent('live', 'a'))], context());
    expect(unit.kind).toBe('post');
    expect(unit.reply.title).toBe('Show a is live');
  });

  it('an edit at the head goes first, on its own', () => {
    const queue = [
      delivery(streamEvent('ended', 'a')),
      ...['b', 'c', 'd'].map((id) => delivery(streamEvent('live', id))),
    ];
    const unit = plan(queue, context([heldPost('a', null)]));
    expect(unit.kind).toBe('edit');
    expect(unit.deliveries).toEqual([queue[0]]);
  });

  it('three new posts or more become one digest, keeping a ping any of them asked for', () => {
    const queue = [
      delivery(streamEvent('live', 'a')),
      delivery(streamEvent('errored', 'b'), { mention: '@here' }),
      delivery(streamEvent('live', 'c')),
    ];
    const unit = plan(queue, context());
    expect(unit.kind).toBe('post');
    expect(unit.deliveries).toEqual(queue);
    expect(unit.reply.title).toBe('3 livestream updates');
    expect(unit.reply.mention).toBe('@here');
    expect(unit.kind === 'post' && unit.live).toBeFalsy();
  });

  it('below the threshold as the digest would show them (LIVE -> ERRORED is one line), the head goes alone', () => {
    const queue = [
      delivery(streamEvent('ended', 'a')),
      delivery(streamEvent('errored', 'a')),
      delivery(streamEvent('live', 'b')),
    ];
    expect(plan(queue, context()).deliveries).toEqual([queue[0]]);
    expect(plan(queue, context([], { digestThreshold: 2 })).deliveries).toEqual(queue);
  });

  it('a digest stops at its size, at a delivery that would be an edit, and at a system message', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((id) => delivery(streamEvent('live', id)));
    expect(plan(five, context([], { digestMaxItems: 4 })).deliveries).toEqual(five.slice(0, 4));

    const withEdit = [...five.slice(0, 3), delivery(streamEvent('ended', 'z')), five[3]!];
    expect(plan(withEdit, context([heldPost('z', null)])).deliveries).toEqual(five.slice(0, 3));

    const system: SystemEvent = {
      kind: 'api-recovered',
      at: iso(NOW),
      failingSince: iso(NOW - 1),
      reason: '',
    };
    const withSystem = [...five.slice(0, 3), delivery(system), five[3]!];
    expect(plan(withSystem, context()).deliveries).toEqual(five.slice(0, 3));
  });

  it('a retry sends again exactly what failed together: what arrived since waits', () => {
    const failed = ['a', 'b', 'c'].map((id) =>
      delivery(streamEvent('live', id), { attempts: 2, notBefore: NOW + 4_000 }),
    );
    const since = delivery(streamEvent('live', 'd'));
    expect(plan([...failed, since], context()).deliveries).toEqual(failed);
    // Held until another time, even with as many attempts: not the same message.
    const otherTime = delivery(streamEvent('live', 'e'), { attempts: 2, notBefore: NOW + 8_000 });
    expect(plan([...failed.slice(0, 2), otherTime], context()).deliveries).toEqual([failed[0]]);
  });
});

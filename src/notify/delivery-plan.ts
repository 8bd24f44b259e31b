/**
 * The sender's pure step: given a channel's waiting deliveries, what to send next — an edit of an
 * earlier post, a single post, or a digest of a burst. It sends nothing and writes nothing; the posts a
 * channel already holds come in through `findPost`, the time through `now`, so the rules are tested on
 * plain values (test/notify/delivery-plan.test.ts). The sender (delivery.ts) sends what it plans.
 */
import type { Reply } from '../reply.js';
import {
  digestMessage,
  endedMessage,
  foldForDigest,
  liveMessage,
  streamMessage,
  systemMessage,
} from './messages.js';
import { type ChannelRef, type Delivery, isStreamEvent, type StreamEvent, type StreamPost } from './types.js';

/** This many new posts waiting for one channel (as the digest would show them) become a digest. */
export const DEFAULT_DIGEST_THRESHOLD = 3;
/** A digest carries at most this many deliveries; the rest wait for the next message. */
export const DEFAULT_DIGEST_MAX_ITEMS = 20;

/** A new message, carrying these deliveries. */
export interface PostUnit {
  kind: 'post';
  deliveries: Delivery[];
  reply: Reply;
  /** A LIVE post: the post to record once it is sent (with its message id), for the later "ended" edit. */
  live?: Omit<StreamPost, 'messageId'>;
}

/** An edit of a message the channel holds (`target`), recorded as `after` once it is made. */
export interface EditUnit {
  kind: 'edit';
  deliveries: Delivery[];
  reply: Reply;
  target: StreamPost;
  after: StreamPost;
  /** What to send instead when the message to edit is gone. */
  fallback: PostUnit;
}

export type SendUnit = PostUnit | EditUnit;

export interface PlanContext {
  /** Wall-clock ms: an event without a readable time counts as happening now. */
  now: number;
  /** A LIVE post whose stream comes back within this of its end is edited, not posted again. */
  cooldownMs: number;
  /** The post a channel holds for a livestream (the last LIVE post), if any. */
  findPost(channel: ChannelRef, livestreamId: string): StreamPost | null;
  /** Default `DEFAULT_DIGEST_THRESHOLD`. */
  digestThreshold?: number | undefined;
  /** Default `DEFAULT_DIGEST_MAX_ITEMS`. */
  digestMaxItems?: number | undefined;
}

/** What to send next for a channel (`queue`: its waiting deliveries in order, at least one). */
export function plan(queue: readonly Delivery[], context: PlanContext): SendUnit {
  const head = queue[0]!;
  const edit = editFor(head, context);
  if (edit) return edit;
  const threshold = context.digestThreshold ?? DEFAULT_DIGEST_THRESHOLD;
  const maxItems = context.digestMaxItems ?? DEFAULT_DIGEST_MAX_ITEMS;
  const burst: Delivery[] = [];
  for (const delivery of queue) {
    if (
      burst.length >= maxItems ||
      // A retry sends again exactly what failed (the deliveries tried and held together, hence the same
      // idempotency key); what arrived since waits for the next message.
      delivery.attempts !== head.attempts ||
      delivery.notBefore !== head.notBefore ||
      !isStreamEvent(delivery.event) ||
      editFor(delivery, context)
    )
      break;
    burst.push(delivery);
  }
  // Counted as the digest would show them, so one stream's LIVE -> ERRORED is not a "digest".
  if (foldForDigest(burst.map((d) => d.event as StreamEvent)).length >= threshold) {
    return {
      kind: 'post',
      deliveries: burst,
      reply: digestMessage(
        burst.map((d) => d.event as StreamEvent),
        // A ping any of them asked for is kept.
        burst.find((d) => d.mention !== null)?.mention ?? null,
      ),
    };
  }
  return singlePost(head);
}

/** One delivery as its own message; a LIVE one is recorded, for its "ended" edit. */
export function singlePost(delivery: Delivery): PostUnit {
  const { event } = delivery;
  if (!isStreamEvent(event)) return { kind: 'post', deliveries: [delivery], reply: systemMessage(event) };
  const unit: PostUnit = {
    kind: 'post',
    deliveries: [delivery],
    reply: streamMessage(event, delivery.mention),
  };
  if (event.kind === 'live') {
    unit.live = {
      platform: delivery.platform,
      channelId: delivery.channelId,
      livestreamId: event.stream.id,
      live: event,
      endedAt: null,
    };
  }
  return unit;
}

/** `ended` edits the LIVE post; `live` within the cooldown of an ended post edits it back. */
export function editFor(delivery: Delivery, context: PlanContext): EditUnit | null {
  const { event } = delivery;
  if (!isStreamEvent(event) || event.kind === 'errored') return null;
  const post = context.findPost(
    { platform: delivery.platform, channelId: delivery.channelId },
    event.stream.id,
  );
  if (!post) return null;
  if (event.kind === 'ended' && post.endedAt === null) {
    return {
      kind: 'edit',
      deliveries: [delivery],
      reply: endedMessage(post.live, event, null),
      target: post,
      // When the stream ended, not when this edit went out: a platform outage must not stretch the cooldown.
      after: { ...post, endedAt: eventTime(event, context.now) },
      fallback: singlePost(delivery),
    };
  }
  // Back within the cooldown of its end: a flap. Both times are stored wall-clock times, so a negative
  // gap (the wall clock stepped back between them) is no flap: the stream is announced anew.
  const sinceEnded = post.endedAt === null ? null : eventTime(event, context.now) - post.endedAt;
  if (event.kind === 'live' && sinceEnded !== null && sinceEnded >= 0 && sinceEnded <= context.cooldownMs) {
    return {
      kind: 'edit',
      deliveries: [delivery],
      // An edit pings nobody: the channel was already told this stream is live.
      reply: liveMessage(post.live, null, event.at),
      target: post,
      after: { ...post, endedAt: null },
      fallback: singlePost(delivery),
    };
  }
  return null;
}

function eventTime(event: StreamEvent, fallback: number): number {
  const at = Date.parse(event.at);
  return Number.isFinite(at) ? at : fallback;
}

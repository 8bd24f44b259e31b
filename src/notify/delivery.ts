/**
 * The sender: drains the outbox channel by channel, in order. One platform call per channel at a
 * time, paced to the platform's per-channel limit; a burst becomes digests; ended streams and quick
 * flaps edit the LIVE post. A delivery is marked done only after the platform accepted it.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Reply } from '../reply.js';
import { type Platform, type Sink, SinkError } from '../sink.js';
import {
  digestMessage,
  endedMessage,
  foldForDigest,
  liveMessage,
  streamMessage,
  systemMessage,
} from './messages.js';
import type { NotifyStore } from './store.js';
import { type ChannelRef, type Delivery, isStreamEvent, type StreamEvent, type StreamPost } from './types.js';

/**
 * Per-channel spacing between posts: Slack allows about 1 message a second a channel, Discord 5 per 5 s.
 * Both get 10 % of margin, so clock jitter never lands a post on the limit.
 */
export const DEFAULT_PACING_MS: Record<Platform, number> = { slack: 1_100, discord: 1_100, console: 0 };

export interface DeliveryOptions {
  store: NotifyStore;
  sinks: ReadonlyMap<Platform, Sink>;
  clock: Clock;
  log: Logger;
  /** A LIVE post whose stream comes back within this is edited, not posted again. */
  cooldownMs: number;
  pacingMs?: Partial<Record<Platform, number>>;
  /** This many new posts waiting for one channel become a digest. */
  digestThreshold?: number;
  digestMaxItems?: number;
}

type Unit =
  | { kind: 'post'; deliveries: Delivery[]; reply: Reply; post?: (messageId: string) => StreamPost }
  | {
      kind: 'edit';
      deliveries: Delivery[];
      reply: Reply;
      target: StreamPost;
      after: StreamPost;
      fallback: Unit;
    };

const MAX_BACKOFF_MS = 10 * 60_000;
const EDIT_GONE_CODES = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', '10008']);

export class DeliveryWorker {
  private readonly channelReadyAt = new Map<string, number>();
  private readonly pacing: Record<Platform, number>;
  private wakeUp: AbortController = new AbortController();
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Channels with a platform call under way, so each channel sends one message at a time, in order. */
  private readonly inFlight = new Map<string, Promise<number>>();

  constructor(private readonly options: DeliveryOptions) {
    this.pacing = { ...DEFAULT_PACING_MS, ...options.pacingMs };
  }

  /** New deliveries are waiting: stop sleeping. */
  wake(): void {
    this.wakeUp.abort();
  }

  start(): void {
    if (this.loop) return;
    const { clock, log } = this.options;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        this.wakeUp = new AbortController();
        let wait: number;
        try {
          // One read of the outbox serves both the sends and the next wake-up. The sends are not awaited:
          // a channel whose send is slow (a long platform rate limit) must not hold up the others; each
          // finished send wakes the loop.
          const queues = this.queues();
          Promise.all(this.startSends(queues)).catch((error: unknown) => {
            log.error('delivery pass failed; retrying', { error });
          });
          wait = this.wakeFrom(queues);
        } catch (error) {
          log.error('delivery pass failed; retrying', { error });
          wait = 5_000;
        }
        const signal = AbortSignal.any([this.abort.signal, this.wakeUp.signal]);
        await clock.sleep(wait, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * Starts one platform call for every channel that is ready and not already sending; resolves when
   * those calls have finished, with how many deliveries they completed.
   */
  async drainOnce(): Promise<number> {
    const done = await Promise.all(this.startSends(this.queues()));
    return done.reduce((a, b) => a + b, 0);
  }

  /** Milliseconds until some idle channel can send again (a long idle wait when nothing is pending). */
  nextWakeMs(): number {
    return this.wakeFrom(this.queues());
  }

  private startSends(queues: Map<string, Delivery[]>): Promise<number>[] {
    const now = this.options.clock.now();
    const started: Promise<number>[] = [];
    for (const [key, queue] of queues) {
      if (this.inFlight.has(key)) continue;
      if ((this.channelReadyAt.get(key) ?? 0) > now || queue[0]!.notBefore > now) continue;
      let unit: Unit;
      try {
        unit = this.plan(queue, now);
      } catch (error) {
        // An event the messages cannot be built from must not block its channel forever.
        const head = queue[0]!;
        this.options.log.error('a notification could not be prepared; it is dropped', {
          error,
          deliveryId: head.id,
        });
        this.options.store.dropDeliveries([head.id], 'the notification could not be prepared');
        continue;
      }
      const send = this.sendUnit(key, unit)
        .catch((error: unknown) => {
          this.options.log.error('delivery to a channel failed unexpectedly; will retry', { error });
          this.channelReadyAt.set(key, this.options.clock.now() + 5_000);
          return 0;
        })
        .finally(() => {
          this.inFlight.delete(key);
          this.wake();
        });
      this.inFlight.set(key, send);
      started.push(send);
    }
    return started;
  }

  private wakeFrom(queues: Map<string, Delivery[]>): number {
    const now = this.options.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, queue] of queues) {
      if (this.inFlight.has(key)) continue; // its send wakes the loop when it ends
      const headReady = queue[0]?.notBefore ?? now;
      next = Math.min(next, Math.max(headReady, this.channelReadyAt.get(key) ?? now));
    }
    return next === Number.POSITIVE_INFINITY ? 60_000 : Math.max(0, next - now);
  }

  private queues(): Map<string, Delivery[]> {
    const queues = new Map<string, Delivery[]>();
    for (const delivery of this.options.store.pendingDeliveries(10_000, [...this.options.sinks.keys()])) {
      const key = channelKey(delivery);
      const queue = queues.get(key);
      if (queue) queue.push(delivery);
      else queues.set(key, [delivery]);
    }
    return queues;
  }

  /** What to send next for a channel: an edit, a single post, or a digest of the waiting new posts. */
  private plan(queue: Delivery[], now: number): Unit {
    const head = queue[0]!;
    const edit = this.editFor(head, now);
    if (edit) return edit;
    const threshold = this.options.digestThreshold ?? 3;
    const maxItems = this.options.digestMaxItems ?? 20;
    const burst: Delivery[] = [];
    for (const delivery of queue) {
      if (
        burst.length >= maxItems ||
        delivery.notBefore > now ||
        !isStreamEvent(delivery.event) ||
        this.editFor(delivery, now)
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
    return this.singlePost(head);
  }

  private singlePost(delivery: Delivery): Unit {
    const { event } = delivery;
    if (!isStreamEvent(event)) return { kind: 'post', deliveries: [delivery], reply: systemMessage(event) };
    const unit: Unit = {
      kind: 'post',
      deliveries: [delivery],
      reply: streamMessage(event, delivery.mention),
    };
    if (event.kind === 'live') {
      unit.post = (messageId) => ({
        ...channelOf(delivery),
        livestreamId: event.stream.id,
        messageId,
        live: event,
        endedAt: null,
      });
    }
    return unit;
  }

  /** `ended` edits the LIVE post; `live` within the cooldown of an ended post edits it back. */
  private editFor(delivery: Delivery, now: number): Unit | null {
    const { event } = delivery;
    if (!isStreamEvent(event) || event.kind === 'errored') return null;
    const post = this.options.store.findPost(channelOf(delivery), event.stream.id);
    if (!post) return null;
    if (event.kind === 'ended' && post.endedAt === null) {
      return {
        kind: 'edit',
        deliveries: [delivery],
        reply: endedMessage(post.live, event, null),
        target: post,
        // When the stream ended, not when this edit went out: a platform outage must not stretch the cooldown.
        after: { ...post, endedAt: eventTime(event, now) },
        fallback: this.singlePost(delivery),
      };
    }
    if (
      event.kind === 'live' &&
      post.endedAt !== null &&
      eventTime(event, now) - post.endedAt <= this.options.cooldownMs
    ) {
      return {
        kind: 'edit',
        deliveries: [delivery],
        // An edit pings nobody: the channel was already told this stream is live.
        reply: liveMessage(post.live, null, event.at),
        target: post,
        after: { ...post, endedAt: null },
        fallback: this.singlePost(delivery),
      };
    }
    return null;
  }

  private async sendUnit(key: string, unit: Unit): Promise<number> {
    const { store, sinks, clock } = this.options;
    const head = unit.deliveries[0]!;
    const sink = sinks.get(head.platform)!;
    const ids = unit.deliveries.map((d) => d.id);
    try {
      if (unit.kind === 'edit') {
        await sink.edit(head.channelId, unit.target.messageId, unit.reply);
        store.markDelivered(ids, unit.after);
      } else {
        const { messageId } = await sink.post(head.channelId, unit.reply);
        store.markDelivered(ids, unit.post?.(messageId));
      }
      this.channelReadyAt.set(key, clock.now() + this.pacing[head.platform]);
      return ids.length;
    } catch (error) {
      const failure =
        error instanceof SinkError
          ? error
          : new SinkError('Transient', error instanceof Error ? error.message : String(error));
      if (
        unit.kind === 'edit' &&
        failure.kind === 'Rejected' &&
        EDIT_GONE_CODES.has(failure.details.code ?? '')
      ) {
        // The LIVE post was deleted: tell the channel with a new message instead.
        return this.sendUnit(key, unit.fallback);
      }
      this.failed(key, unit.deliveries, failure);
      return 0;
    }
  }

  private failed(key: string, deliveries: Delivery[], failure: SinkError): void {
    const { store, clock, log } = this.options;
    const head = deliveries[0]!;
    const now = clock.now();
    const context = {
      platform: head.platform,
      channelId: head.channelId,
      code: failure.details.code,
      reason: failure.message,
    };
    switch (failure.kind) {
      case 'RateLimited': {
        const wait = failure.details.retryAfterMs ?? 1_000;
        this.channelReadyAt.set(key, now + wait);
        log.warn('platform rate limit: waiting before the next post to this channel', {
          ...context,
          waitMs: wait,
        });
        return;
      }
      case 'Rejected': {
        // This message cannot be sent; the channel is fine. Drop it, loudly, and go on with the next.
        store.dropDeliveries(
          deliveries.map((d) => d.id),
          failure.message,
        );
        log.error('platform refused a notification; it is dropped, the channel stays subscribed', context);
        return;
      }
      case 'Permanent': {
        const reason = failure.details.code ? `${failure.details.code}: ${failure.message}` : failure.message;
        store.pauseChannel(channelOf(head), reason);
        const dropped = store.dropChannelDeliveries(channelOf(head), reason);
        log.error('channel cannot receive notifications; its subscription is paused', {
          ...context,
          dropped,
        });
        return;
      }
      case 'Transient': {
        const attempts = head.attempts + 1;
        const delay = Math.min(2_000 * 2 ** (attempts - 1), MAX_BACKOFF_MS);
        for (const delivery of deliveries) store.retryLater(delivery.id, now + delay, failure.message);
        log.warn('delivery failed; will retry', { ...context, attempts, retryInMs: delay });
        return;
      }
    }
  }
}

function eventTime(event: StreamEvent, fallback: number): number {
  const at = Date.parse(event.at);
  return Number.isFinite(at) ? at : fallback;
}

function channelKey(channel: ChannelRef): string {
  return `${channel.platform}\u0000${channel.channelId}`;
}

function channelOf(delivery: Delivery): ChannelRef {
  return { platform: delivery.platform, channelId: delivery.channelId };
}

/**
 * The sender: drains the outbox channel by channel, in order. One platform call per channel at a
 * time, paced to the platform's per-channel limit; a burst becomes digests; ended streams and quick
 * flaps edit the LIVE post. A delivery is marked done only after the platform accepted it.
 *
 * What to send next for a channel is planned by the pure delivery-plan.ts; this module sends it.
 *
 * A broken channel costs the others nothing: the outbox is read channel by channel (a channel's
 * backlog is never read past its next message), a failing channel waits out a growing backoff and is
 * paused after `transientGiveUpMs` of failures, and a platform that refuses the bot's token is left
 * alone until a restart. Old history is pruned a bounded batch at a time.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { DeliveryMetrics } from '../metrics.js';
import { type Platform, type Sink, SinkError } from '../sink.js';
import { DEFAULT_DIGEST_MAX_ITEMS, plan, type PlanContext, type SendUnit } from './delivery-plan.js';
import { type NotifyStore, platformRefusedKey, subscriptionScope } from './store.js';
import { type ChannelRef, type Delivery, isStreamEvent, type StreamPost } from './types.js';

/** A failing channel's first wait; each failure in a row doubles it, up to `MAX_BACKOFF_MS`. */
export const FIRST_BACKOFF_MS = 2_000;
export const MAX_BACKOFF_MS = 10 * 60_000;
/** A channel whose posts fail this long without one success is paused, like a channel that is gone. */
export const DEFAULT_TRANSIENT_GIVE_UP_MS = 24 * 60 * 60_000;
/**
 * Failures further apart than this are not one run (the channel was not tried meanwhile: nothing was
 * pending, the bot was down, its platform was not configured): well above the longest backoff.
 */
const FAILURE_RUN_GAP_MS = 60 * 60_000;
/** Delivered and dropped notifications, and the posts of ended streams, are kept this long. */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60_000;
/** History rows pruned per pass at most (of each kind), so pruning never blocks the event loop for long. */
export const PRUNE_BATCH = 1_000;
/** Once pruning has caught up, it runs again after this. */
const PRUNE_EVERY_MS = 60 * 60_000;
/** While it has not caught up, the sender passes at least this often to prune the next batch. */
const PRUNE_CATCH_UP_MS = 1_000;
/** How long the sender sleeps when nothing is pending (new deliveries wake it earlier). */
const IDLE_WAIT_MS = 60_000;
/** The database's own part of every idempotency key (see `idempotencyKey`). */
const KEY_PREFIX_META = 'delivery_key_prefix';

/** The wait after `attempts` failures in a row: 2 s, 4 s, 8 s… up to 10 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** (attempts - 1), MAX_BACKOFF_MS);
}

export interface DeliveryOptions {
  store: NotifyStore;
  sinks: ReadonlyMap<Platform, Sink>;
  clock: Clock;
  log: Logger;
  /** A LIVE post whose stream comes back within this is edited, not posted again. */
  cooldownMs: number;
  /** Overrides of the sinks' own pacing (tests); each sink knows its platform's limit. */
  pacingMs?: Partial<Record<Platform, number>>;
  /** This many new posts waiting for one channel become a digest. */
  digestThreshold?: number;
  digestMaxItems?: number;
  /** Transient failures of a channel for this long, without a success, pause it (default 24 h). */
  transientGiveUpMs?: number;
  /** Finished history older than this is pruned (default 7 days). */
  retentionMs?: number;
  /** Sent, failed and dropped deliveries, and their latency (change -> post). Default: none. */
  metrics?: DeliveryMetrics;
  /**
   * Replicas: this sender sends only to channels it claims (see NotifyStore.pendingByChannel), so one
   * replica at a time sends to a channel, at that channel's pace. New deliveries another replica's poller
   * wrote do not wake this one: it looks every `idleWaitMs`.
   */
  claim?: DeliveryClaim;
}

export interface DeliveryClaim {
  /** This replica's name (REPLICA_ID). */
  holder: string;
  /**
   * How long a claim outlives the pass that last renewed it (every pass renews the channels with work,
   * a send under way included): longer than a stalled pass and than a channel's pacing; a replica that
   * dies hands its channels on this long after.
   */
  ttlMs: number;
  idleWaitMs: number;
  /** Channels with work this sender holds at most (see ChannelClaim.maxHeld): replicas share a burst. */
  maxHeld: number;
}

export class DeliveryWorker {
  /** Monotonic ms before which a channel sends nothing: pacing, a platform's Retry-After, a backoff. */
  private readonly channelReadyAt = new Map<string, number>();
  /** Backoffs this process set: the `notBefore` stored (wall clock) and when it is due (monotonic). */
  private readonly backoffs = new Map<string, { notBefore: number; dueAt: number }>();
  /**
   * Failing channels: when (monotonic) their run of failures began and when their latest failure was
   * (the store keeps both as wall time, for a restart).
   */
  private readonly failing = new Map<string, { since: number; last: number }>();
  /** Channels with no stored run of failures (ended by this process, or none found), since their last failure. */
  private readonly runEnded = new Set<string>();
  /** Channels whose sends the store failed to prepare or record, with how many times in a row. */
  private readonly storeFailures = new Map<string, number>();
  /** Platforms that refused the bot's token, with why: nothing more is sent there until a restart. */
  private readonly refused = new Map<Platform, string>();
  private readonly pacing: Record<Platform, number>;
  private readonly digestMaxItems: number;
  private readonly transientGiveUpMs: number;
  private readonly retentionMs: number;
  private nextPruneAt = Number.NEGATIVE_INFINITY;
  private keyPrefix: string | null = null;
  private wakeUp: AbortController = new AbortController();
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Channels with a platform call under way, so each channel sends one message at a time, in order. */
  private readonly inFlight = new Map<string, Promise<number>>();

  constructor(private readonly options: DeliveryOptions) {
    this.pacing = { slack: 0, discord: 0, console: 0 };
    for (const [platform, sink] of options.sinks) this.pacing[platform] = sink.pacingMs;
    Object.assign(this.pacing, options.pacingMs);
    this.digestMaxItems = options.digestMaxItems ?? DEFAULT_DIGEST_MAX_ITEMS;
    this.transientGiveUpMs = options.transientGiveUpMs ?? DEFAULT_TRANSIENT_GIVE_UP_MS;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
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
          await this.pruneIfDue();
          // One read of the outbox serves both the sends and the next wake-up. The sends are not awaited:
          // a channel whose send is slow (a long platform rate limit) must not hold up the others; each
          // finished send wakes the loop.
          const queues = await this.queues();
          Promise.all(this.startSends(queues)).catch((error: unknown) => {
            log.error('delivery pass failed; retrying', { error });
          });
          wait = this.wakeFrom(queues);
          if (this.nextPruneAt <= clock.monotonic()) wait = Math.min(wait, PRUNE_CATCH_UP_MS);
        } catch (error) {
          log.error('delivery pass failed; retrying', { error });
          wait = 5_000;
        }
        // stop() aborts the wake-up too. Not AbortSignal.any with the long-lived stop signal: on Node 20
        // each pass's combined signal stays referenced by it, and memory grows with every pass.
        await clock.sleep(wait, this.wakeUp.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp.abort();
    await this.loop;
    await Promise.allSettled(this.inFlight.values());
  }

  /**
   * Starts one platform call for every channel that is ready and not already sending; resolves when
   * those calls have finished, with how many deliveries they completed.
   */
  async drainOnce(): Promise<number> {
    await this.pruneIfDue();
    const done = await Promise.all(this.startSends(await this.queues()));
    return done.reduce((a, b) => a + b, 0);
  }

  /** Milliseconds until some idle channel can send again (a long idle wait when nothing is pending). */
  async nextWakeMs(): Promise<number> {
    return this.wakeFrom(await this.queues());
  }

  /** Starts a send for every channel that is ready and not already sending (the channel is in flight at once). */
  private startSends(queues: Map<string, Delivery[]>): Promise<number>[] {
    const { clock, log } = this.options;
    const started: Promise<number>[] = [];
    for (const [key, queue] of queues) {
      if (this.inFlight.has(key) || this.waitMs(key, queue[0]!) > 0) continue;
      const send = this.planAndSend(key, queue)
        .catch((error: unknown) => {
          log.error('delivery to a channel failed unexpectedly; will retry', { error });
          this.channelReadyAt.set(key, clock.monotonic() + 5_000);
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

  /** Plans the channel's next message (see delivery-plan.ts) and sends it; how many deliveries it completed. */
  private async planAndSend(key: string, queue: Delivery[]): Promise<number> {
    const { clock, log, store } = this.options;
    let findPost: PlanContext['findPost'];
    try {
      findPost = await this.postsFor(queue);
    } catch (error) {
      // The store failed (a dropped connection, a timeout): the notification is fine, and tried again.
      this.storeFailed(
        key,
        queue[0]!,
        error,
        'the store could not read what the channel was sent; tried again',
      );
      return 0;
    }
    let unit: SendUnit;
    try {
      unit = plan(queue, {
        now: clock.now(),
        cooldownMs: this.options.cooldownMs,
        findPost,
        digestMaxItems: this.digestMaxItems,
        digestThreshold: this.options.digestThreshold,
      });
    } catch (error) {
      // An event the messages cannot be built from must not block its channel forever.
      const head = queue[0]!;
      log.error('a notification could not be prepared; it is dropped', { error, deliveryId: head.id });
      await store.dropDeliveries([head.id], 'the notification could not be prepared');
      this.options.metrics?.deliveriesDropped(head.platform, 1);
      return 0;
    }
    return this.sendUnit(key, unit);
  }

  /**
   * The posts the channel holds for the streams its queue is about, read before planning: the plan is
   * pure and synchronous, and asks only about these (stream events other than `errored`).
   */
  private async postsFor(queue: Delivery[]): Promise<PlanContext['findPost']> {
    const channel = channelOf(queue[0]!);
    const ids = new Set<string>();
    for (const { event } of queue)
      if (isStreamEvent(event) && event.kind !== 'errored') ids.add(event.stream.id);
    const posts = new Map<string, StreamPost | null>();
    await Promise.all(
      [...ids].map(async (id) => posts.set(id, await this.options.store.findPost(channel, id))),
    );
    return (asked, livestreamId) => {
      const post = posts.get(livestreamId);
      if (post === undefined || channelKey(asked) !== channelKey(channel))
        throw new Error(`no post was read for ${livestreamId} in this channel before planning`);
      return post;
    };
  }

  private wakeFrom(queues: Map<string, Delivery[]>): number {
    let next = Number.POSITIVE_INFINITY;
    for (const [key, queue] of queues) {
      if (this.inFlight.has(key)) continue; // its send wakes the loop when it ends
      next = Math.min(next, this.waitMs(key, queue[0]!));
    }
    // Replicas look again soon: another replica's poller may have written deliveries for any channel.
    const claim = this.options.claim;
    if (claim) return Math.min(next, claim.idleWaitMs);
    return next === Number.POSITIVE_INFINITY ? IDLE_WAIT_MS : next;
  }

  /**
   * Each channel's next deliveries (as many as one digest takes), on the platforms that run here and
   * still accept the bot: one bounded read per channel, whatever any channel's backlog.
   */
  private async queues(): Promise<Map<string, Delivery[]>> {
    const platforms = [...this.options.sinks.keys()].filter((platform) => !this.refused.has(platform));
    const queues = new Map<string, Delivery[]>();
    if (platforms.length === 0) return queues;
    const { store, claim, clock } = this.options;
    const claimed = claim
      ? { holder: claim.holder, ttlMs: claim.ttlMs, maxHeld: claim.maxHeld, now: clock.now() }
      : undefined;
    for (const queue of await store.pendingByChannel(this.digestMaxItems, platforms, claimed))
      queues.set(channelKey(queue[0]!), queue);
    return queues;
  }

  /** Milliseconds until this channel may send `head`: the later of its pacing and the head's backoff. */
  private waitMs(key: string, head: Delivery): number {
    const now = this.options.clock.monotonic();
    const ready = Math.max(0, (this.channelReadyAt.get(key) ?? now) - now);
    return Math.max(ready, this.dueInMs(key, head.notBefore));
  }

  /**
   * Milliseconds until a delivery held until `notBefore` (stored as wall-clock time, so it outlives the
   * process) is due. A backoff this process set is timed on the monotonic clock. A stored one farther
   * ahead than any backoff can be means the wall clock stepped back since (NTP, a VM resume, `date -s`):
   * it is due now, not an hour later.
   */
  private dueInMs(key: string, notBefore: number): number {
    if (notBefore === 0) return 0;
    const own = this.backoffs.get(key);
    if (own && own.notBefore === notBefore) return Math.max(0, own.dueAt - this.options.clock.monotonic());
    const wait = notBefore - this.options.clock.now();
    return wait > MAX_BACKOFF_MS ? 0 : Math.max(0, wait);
  }

  private async sendUnit(key: string, unit: SendUnit): Promise<number> {
    const { store, sinks } = this.options;
    const head = unit.deliveries[0]!;
    const sink = sinks.get(head.platform)!;
    const ids = unit.deliveries.map((d) => d.id);
    let idempotencyKey = '';
    if (unit.kind !== 'edit') {
      try {
        idempotencyKey = await this.idempotencyKey(unit.deliveries);
        // Should the process die after the platform accepted this and before it is recorded, the restart
        // must send this same group (same key: Discord returns the message it made), not a bigger one.
        if (unit.deliveries.some((d) => d.notBefore !== head.notBefore || d.notBefore === 0))
          await store.holdTogether(ids, this.options.clock.now());
      } catch (error: unknown) {
        this.storeFailed(key, head, error, 'the store could not prepare a notification; it is tried again');
        return 0;
      }
    }
    // The platform's part: only its failures count against the channel.
    let record: () => Promise<void>;
    try {
      if (unit.kind === 'edit') {
        await sink.edit(head.channelId, unit.target.messageId, unit.reply);
        record = () => store.markDelivered(ids, unit.after);
      } else {
        const { messageId } = await sink.post(head.channelId, unit.reply, { idempotencyKey });
        record = () => store.markDelivered(ids, unit.live && { ...unit.live, messageId });
      }
    } catch (error) {
      const failure =
        error instanceof SinkError
          ? error
          : new SinkError('Transient', error instanceof Error ? error.message : String(error));
      if (unit.kind === 'edit' && failure.kind === 'MessageGone') {
        // The LIVE post was deleted: tell the channel with a new message instead.
        return this.sendUnit(key, unit.fallback);
      }
      await this.failed(key, unit.deliveries, failure);
      return 0;
    }
    // The platform accepted it. A store that cannot record that (disk full) is a store problem, not the
    // channel's: the deliveries stay pending and are sent again once it can (never lost, maybe repeated).
    try {
      await record();
    } catch (error: unknown) {
      this.storeFailed(
        key,
        head,
        error,
        'the platform accepted a notification but the store could not record it; it will be sent again',
      );
      return 0;
    }
    this.storeFailures.delete(key);
    await this.succeeded(key, unit.deliveries);
    this.options.metrics?.delivered(head.platform, this.latenciesMs(unit.deliveries));
    return ids.length;
  }

  /**
   * The store failed around a send: nothing is counted against the channel (no failure metric, no run
   * of failures toward the pause). The channel waits a growing backoff, so a store that stays broken
   * does not repeat the same post to it every few seconds.
   */
  private storeFailed(key: string, head: Delivery, error: unknown, message: string): void {
    const failures = (this.storeFailures.get(key) ?? 0) + 1;
    this.storeFailures.set(key, failures);
    const delay = backoffMs(failures);
    this.channelReadyAt.set(key, this.options.clock.monotonic() + delay);
    this.options.log.error(message, {
      error,
      platform: head.platform,
      channelId: head.channelId,
      retryInMs: delay,
    });
  }

  /**
   * The same for every try of the same notification, across retries and restarts: its first delivery's
   * id and how many deliveries it carries (a retry carries the same ones, see `plan`), behind a random
   * prefix this database keeps, so a reset DATA_DIR or another bot on the same token never reuses a key.
   * At most 6 + 1 + 13 + 1 + 2 characters: within Discord's 25 for a nonce.
   */
  private async idempotencyKey(deliveries: Delivery[]): Promise<string> {
    if (this.keyPrefix === null) {
      // Read and made in one scoped transaction: replicas starting together must agree on one prefix
      // (a group one of them sent must have the same key when another sends it again).
      this.keyPrefix = await this.options.store.transaction(async (tx) => {
        const stored = await tx.getMeta(KEY_PREFIX_META);
        if (stored !== null) return stored;
        const made = randomBytes(3).toString('hex');
        await tx.setMeta(KEY_PREFIX_META, made);
        return made;
      }, `meta:${KEY_PREFIX_META}`);
    }
    return `${this.keyPrefix}-${deliveries[0]!.id.toString(36)}-${deliveries.length.toString(36)}`;
  }

  /** For each delivery, from the change it announces (as the poller saw it) to now. */
  private latenciesMs(deliveries: Delivery[]): number[] {
    const now = this.options.clock.now();
    return deliveries.map((d) => {
      const at = Date.parse(d.event.at);
      return Number.isFinite(at) ? Math.max(0, now - at) : 0;
    });
  }

  private async succeeded(key: string, deliveries: Delivery[]): Promise<void> {
    const head = deliveries[0]!;
    this.channelReadyAt.set(key, this.options.clock.monotonic() + this.pacing[head.platform]);
    this.backoffs.delete(key);
    await this.endFailureRun(key, channelOf(head));
  }

  /** The channel answered: its run of failures, if any, is over (written once per run, not per post). */
  private async endFailureRun(key: string, channel: ChannelRef): Promise<void> {
    this.failing.delete(key);
    if (this.runEnded.has(key)) return;
    await this.options.store.clearChannelFailing(channel);
    this.runEnded.add(key);
  }

  private async failed(key: string, deliveries: Delivery[], failure: SinkError): Promise<void> {
    const { store, clock, log } = this.options;
    const head = deliveries[0]!;
    // The platform refused the token meanwhile (another channel's call found out first): nothing to count.
    if (this.refused.has(head.platform)) return;
    const metrics = this.options.metrics;
    metrics?.deliveryFailed(head.platform, failure.kind);
    const context = {
      platform: head.platform,
      channelId: head.channelId,
      code: failure.details.code,
      reason: failure.message,
    };
    switch (failure.kind) {
      case 'RateLimited': {
        const wait = failure.details.retryAfterMs ?? 1_000;
        this.channelReadyAt.set(key, clock.monotonic() + wait);
        log.warn('platform rate limit: waiting before the next post to this channel', {
          ...context,
          waitMs: wait,
        });
        return;
      }
      case 'MessageGone': // only an edit can find its message gone, and that is handled above
      case 'Rejected': {
        // This message cannot be sent; the channel is fine (the platform answered, so a run of failures
        // is over). Drop it, loudly, and go on with the next.
        await this.endFailureRun(key, channelOf(head));
        await store.dropDeliveries(
          deliveries.map((d) => d.id),
          failure.message,
        );
        metrics?.deliveriesDropped(head.platform, deliveries.length);
        log.error('platform refused a notification; it is dropped, the channel stays subscribed', context);
        return;
      }
      case 'Permanent': {
        const dropped = await this.pause(key, channelOf(head), reasonOf(failure));
        metrics?.deliveriesDropped(head.platform, dropped);
        log.error('channel cannot receive notifications; its subscription is paused', {
          ...context,
          dropped,
        });
        return;
      }
      case 'Unauthorized': {
        await this.refuse(head.platform, failure);
        return;
      }
      case 'Transient': {
        const failingFor = await this.failingFor(key, channelOf(head));
        if (failingFor >= this.transientGiveUpMs) {
          const reason = `${reasonOf(failure)} (failing for ${duration(this.transientGiveUpMs)} or more)`;
          const dropped = await this.pause(key, channelOf(head), reason);
          metrics?.deliveriesDropped(head.platform, dropped);
          log.error('channel has failed for too long; its subscription is paused', {
            ...context,
            failingForMs: failingFor,
            dropped,
          });
          return;
        }
        const attempts = head.attempts + 1;
        const delay = backoffMs(attempts);
        const notBefore = clock.now() + delay;
        await store.retryLater(
          deliveries.map((d) => d.id),
          notBefore,
          failure.message,
        );
        this.backoffs.set(key, { notBefore, dueAt: clock.monotonic() + delay });
        log.warn('delivery failed; will retry', { ...context, attempts, retryInMs: delay });
        return;
      }
    }
  }

  /**
   * Records this failure and says how long the channel's run of failures has lasted. The run is stored
   * as wall time (a restart must not reset it); within this process it is timed on the monotonic clock.
   */
  private async failingFor(key: string, channel: ChannelRef): Promise<number> {
    const { clock, store } = this.options;
    const now = clock.monotonic();
    const wallNow = clock.now();
    this.runEnded.delete(key);
    const storedSince = await store.noteChannelFailing(channel, wallNow, FAILURE_RUN_GAP_MS);
    let run = this.failing.get(key);
    if (!run || now - run.last > FAILURE_RUN_GAP_MS) {
      run = { since: now - Math.max(0, wallNow - storedSince), last: now };
      this.failing.set(key, run);
    }
    run.last = now;
    return now - run.since;
  }

  /** Pauses the channel's subscriptions with `reason` and drops what waits for it; returns how many. */
  private async pause(key: string, channel: ChannelRef, reason: string): Promise<number> {
    const { store } = this.options;
    // In the channel's scope, like subscribing: a subscribe that resumes it lands before or after, not between.
    const dropped = await store.transaction(async (tx) => {
      await tx.pauseChannel(channel, reason);
      await tx.clearChannelFailing(channel);
      return tx.dropChannelDeliveries(channel, reason);
    }, subscriptionScope(channel));
    this.failing.delete(key);
    this.runEnded.add(key);
    this.backoffs.delete(key);
    return dropped;
  }

  /**
   * The platform refused the bot's token: every channel there would fail alike. Its deliveries stop
   * (they stay pending, for when the token is fixed and the bot restarted), the reason is kept for
   * `subscriptions`, and it is logged once, as an error.
   */
  private async refuse(platform: Platform, failure: SinkError): Promise<void> {
    if (this.refused.has(platform)) return;
    const reason = reasonOf(failure);
    this.refused.set(platform, reason);
    const { store, log } = this.options;
    await store.setMeta(platformRefusedKey(platform), reason);
    log.error(
      'the platform refused the bot token: its notifications wait until the token is fixed and the bot restarted',
      {
        platform,
        code: failure.details.code,
        reason: failure.message,
      },
    );
  }

  /** Prunes one bounded batch of old history when it is due: hourly, or every pass while catching up. */
  private async pruneIfDue(): Promise<void> {
    const { clock, store, log } = this.options;
    const now = clock.monotonic();
    if (now < this.nextPruneAt) return;
    try {
      const removed = await store.pruneHistory(clock.now() - this.retentionMs, PRUNE_BATCH);
      this.nextPruneAt = removed >= PRUNE_BATCH ? now : now + PRUNE_EVERY_MS;
      if (removed > 0) log.debug('pruned old notification history', { removed });
    } catch (error) {
      this.nextPruneAt = now + PRUNE_EVERY_MS;
      log.error('pruning old notification history failed; will try again later', { error });
    }
    // Pacing that has passed is no longer needed: without this the map would grow with every channel.
    for (const [key, at] of this.channelReadyAt) {
      if (at <= now && !this.inFlight.has(key)) this.channelReadyAt.delete(key);
    }
  }
}

/** A failure as the reason shown to people (`subscriptions`): its code first, then what it means. */
function reasonOf(failure: SinkError): string {
  const { code } = failure.details;
  return code ? `${code}: ${failure.message}` : failure.message;
}

function duration(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round((ms / 3_600_000) * 10) / 10} h` : `${Math.round(ms / 60_000)} min`;
}

function channelKey(channel: ChannelRef): string {
  return `${channel.platform}\u0000${channel.channelId}`;
}

function channelOf(delivery: Delivery): ChannelRef {
  return { platform: delivery.platform, channelId: delivery.channelId };
}

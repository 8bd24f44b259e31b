/**
 * The notification state, as an interface: SQLite implements it today (sqlite-store.ts); a Redis one
 * for several replicas can come later. Keep SQL out of the poller and delivery logic.
 */
import type { LivestreamStatus } from '../realtimekit/types.js';
import type { Platform } from '../sink.js';
import type { Target } from './targets.js';
import type { ChannelRef, Delivery, NotifyEvent, StreamPost, Subscription } from './types.js';

export interface StoredStatus {
  status: LivestreamStatus;
  name: string | null;
  /** The session seen when it went LIVE, so the "ended" message can show its figures. */
  sessionId: string | null;
}

export interface CycleCommit {
  /** Statuses that changed or appeared. */
  changed: Map<string, StoredStatus>;
  /** Livestreams no longer LIVE or ERRORED (or gone): nothing more to watch. */
  removed: string[];
  /** Each event with the channels it goes to; written with the statuses in one transaction. */
  events: { event: NotifyEvent; targets: Target[] }[];
  /** True on the very first read of the LIVE and ERRORED lists: statuses are recorded and nothing is announced. */
  baseline: boolean;
}

/** The meta key under which the sender records why a platform refused the bot's token (see `subscriptions`). */
export function platformRefusedKey(platform: Platform): string {
  return `platform_refused:${platform}`;
}

/** How long a webhook delivery's rtk-uuid is remembered: RealtimeKit's retries come within minutes. */
export const WEBHOOK_DEDUPE_MS = 24 * 3_600_000;

export interface NotifyStore {
  /** Null before the first whole read was committed (no baseline yet). */
  loadStatuses(): Map<string, StoredStatus> | null;
  commitCycle(commit: CycleCommit): void;
  /** Enqueue an event outside a poll cycle (API alerts). */
  enqueue(event: NotifyEvent, targets: Target[]): void;

  subscriptions(filter?: Partial<ChannelRef>): Subscription[];
  /** Insert or replace; resumes a paused subscription. */
  upsertSubscription(subscription: Omit<Subscription, 'pausedReason'>): void;
  /** Removes the channel's subscriptions for these livestreams (null: the all-livestreams one); none given: all. */
  removeSubscriptions(channel: ChannelRef, livestreamIds?: (string | null)[]): number;
  pauseChannel(channel: ChannelRef, reason: string): void;

  /** Pending deliveries in order (by id), at most `limit`. */
  pendingDeliveries(limit: number, platforms?: readonly Platform[]): Delivery[];
  /**
   * The outbox channel by channel: for every channel with pending deliveries (on these platforms), its
   * first `perChannel` in order. The cost follows the number of channels, not of pending rows, so one
   * channel's backlog never hides another's news.
   */
  pendingByChannel(perChannel: number, platforms?: readonly Platform[]): Delivery[][];
  /** Gives up on pending deliveries to platforms that no longer run here (removed from the config). */
  dropOtherPlatforms(platforms: readonly Platform[], reason: string): number;
  /** Done only after the platform accepted it; `post` records the message for later edits, atomically. */
  markDelivered(ids: number[], post?: StreamPost): void;
  /** Tried and failed: counts an attempt on each and holds them until `notBefore` (wall-clock ms). */
  retryLater(ids: number[], notBefore: number, error: string): void;
  /**
   * Marks the deliveries one message is about to carry (their `notBefore` set to `at`, already due), so
   * that after a crash the restarted sender sends exactly this group again, under the same idempotency
   * key, and not a bigger digest with what arrived meanwhile.
   */
  holdTogether(ids: number[], at: number): void;
  /** Gives up on these deliveries (the platform refused the message itself). */
  dropDeliveries(ids: number[], reason: string): void;
  /** Gives up on every pending delivery of a channel (it was paused). */
  dropChannelDeliveries(channel: ChannelRef, reason: string): number;
  countPending(): number;
  /** Pending deliveries per platform; a platform with none is absent. */
  countPendingByPlatform(): Map<Platform, number>;

  /**
   * Records a failed post to this channel at `at` (wall-clock ms) and returns since when its run of
   * failures has lasted: the run began with its first failure, unless the previous one is more than
   * `maxGapMs` older (the channel was not tried for a while), in which case a new run begins at `at`.
   */
  noteChannelFailing(channel: ChannelRef, at: number, maxGapMs: number): number;
  /** The channel's posts go through again (or it was paused): its run of failures is over. */
  clearChannelFailing(channel: ChannelRef): void;
  /**
   * Forgets history from before `before` (wall-clock ms): done and dropped deliveries, events none
   * waits on any more, and the posts of streams that ended (a live post stays, for its "ended" edit).
   * At most `limit` rows of each kind per call, so it never blocks for long; returns how many went.
   */
  pruneHistory(before: number, limit: number): number;

  findPost(channel: ChannelRef, livestreamId: string): StreamPost | null;
  savePost(post: StreamPost): void;

  /**
   * Records a webhook delivery by its rtk-uuid at `now` (wall-clock ms): true the first time, false for a
   * repeat seen in the last WEBHOOK_DEDUPE_MS (older ones are forgotten as new ones come).
   */
  claimWebhookDelivery(uuid: string, now: number): boolean;

  /** Runs `work` as one transaction: all its writes land, or none (nested calls join the outer one). */
  transaction<T>(work: () => T): T;

  getMeta(key: string): string | null;
  setMeta(key: string, value: string | null): void;
  /**
   * Sets a meta row without waiting for a lock: false at once when another connection holds the write
   * lock (where other writes wait for it, up to seconds, holding the event loop). For health probes.
   * Any other failure throws.
   */
  trySetMeta(key: string, value: string): boolean;
  close(): void;
}

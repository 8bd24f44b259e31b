/**
 * The notification state, as an interface: SQLite (sqlite-store.ts, one process, the default) and
 * PostgreSQL (pg-store.ts, several replicas on one database) implement it and pass one contract suite
 * (test/notify/store-contract.ts). Keep SQL out of the poller and delivery logic.
 *
 * Every call is asynchronous (PostgreSQL answers over a socket). Calls that several replicas may make
 * at once say how they stay exact: the poller's commits are fenced by its lease, deliveries are sent by
 * whoever claims their channel, and inputs (webhooks, interactions) are claimed once by key.
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
  /** Meta rows written with the rest, under the same fence (null deletes): the API outage state. */
  meta?: Readonly<Record<string, string | null>>;
}

/** The meta key under which the sender records why a platform refused the bot's token (see `subscriptions`). */
export function platformRefusedKey(platform: Platform): string {
  return `platform_refused:${platform}`;
}

/**
 * The transaction scope of a channel's subscriptions (see `transaction`): subscribing, unsubscribing and
 * pausing it run one at a time.
 */
export function subscriptionScope(channel: ChannelRef): string {
  return `subscription:${channel.platform}:${channel.channelId}`;
}

/**
 * How long an input's key (a webhook's rtk-uuid, an interaction's id) is remembered: RealtimeKit's retries
 * come within minutes, a platform's redelivery within seconds.
 */
export const INPUT_DEDUPE_MS = 24 * 3_600_000;

/** The meta key `npm run state:to-postgres` leaves in the SQLite state it copied (the date), so no bot starts on it again. */
export const MOVED_TO_POSTGRES_META = 'moved_to_postgres';

/**
 * How long a lapsed lease's row is kept (click leases pile up): its epoch must outlive any holder that
 * could come back with it (the fence compares holder and epoch, and a holder name is never reused). A
 * released lease (expiry 0) is kept, so its epoch keeps growing.
 */
export const LAPSED_LEASE_KEPT_MS = 24 * 3_600_000;

/**
 * Proof of holding a lease at a moment: `epoch` grows by one each time the lease changes hands, so a
 * holder that lost it (stuck, cut off) and comes back cannot write as if it still held it.
 */
export interface LeaseFence {
  name: string;
  holder: string;
  epoch: number;
}

/** A sender's claim on the channels it sends to: no other replica sends there until `ttlMs` after it last claimed. */
export interface ChannelClaim {
  holder: string;
  /** Wall-clock ms. */
  now: number;
  ttlMs: number;
  /**
   * The holder takes free channels only while it holds fewer than this many with work waiting (its own
   * are always renewed), so replicas share a burst instead of the first to look taking every channel.
   * Default: no limit.
   */
  maxHeld?: number;
}

/** Requests one replica sent to the API in one bucket of wall time (see SharedBudget). */
export interface RequestCount {
  /** Wall-clock ms at the start of the bucket. */
  bucket: number;
  poller: number;
  commands: number;
}

export interface NotifyStore {
  /** Null before the first whole read was committed (no baseline yet). */
  loadStatuses(): Promise<Map<string, StoredStatus> | null>;
  /**
   * Writes a poll cycle's findings in one transaction. With a `fence` (the poller's lease), only while
   * that lease is still held at that epoch: false, and nothing written, when another replica took it.
   */
  commitCycle(commit: CycleCommit, fence?: LeaseFence): Promise<boolean>;
  /** Enqueue an event outside a poll cycle (API alerts). */
  enqueue(event: NotifyEvent, targets: Target[]): Promise<void>;

  subscriptions(filter?: Partial<ChannelRef>): Promise<Subscription[]>;
  /** Insert or replace; resumes a paused subscription. */
  upsertSubscription(subscription: Omit<Subscription, 'pausedReason'>): Promise<void>;
  /** Removes the channel's subscriptions for these livestreams (null: the all-livestreams one); none given: all. */
  removeSubscriptions(channel: ChannelRef, livestreamIds?: (string | null)[]): Promise<number>;
  pauseChannel(channel: ChannelRef, reason: string): Promise<void>;

  /** Pending deliveries in order (by id), at most `limit`. */
  pendingDeliveries(limit: number, platforms?: readonly Platform[]): Promise<Delivery[]>;
  /**
   * The outbox channel by channel: for every channel with pending deliveries (on these platforms), its
   * first `perChannel` in order. The cost follows the number of channels, not of pending rows, so one
   * channel's backlog never hides another's news.
   *
   * With a `claim`, only channels this holder may send to: those nobody claimed, whose claim lapsed, or
   * its own; each returned channel's claim is (re)taken until `now + ttlMs`. So exactly one replica sends
   * to a channel at a time (which keeps its pacing), and a replica that dies mid-send leaves the channel
   * to another once its claim lapses.
   */
  pendingByChannel(
    perChannel: number,
    platforms?: readonly Platform[],
    claim?: ChannelClaim,
  ): Promise<Delivery[][]>;
  /**
   * Lets go of every channel `holder` claimed, from `at` (wall-clock ms): a clean stop, after which the
   * other replicas send there as soon as the channel's pace allows (the caller's `at`), not later.
   */
  releaseChannels(holder: string, at: number): Promise<void>;
  /** Gives up on pending deliveries to platforms that no longer run here (removed from the config). */
  dropOtherPlatforms(platforms: readonly Platform[], reason: string): Promise<number>;
  /** Done only after the platform accepted it; `post` records the message for later edits, atomically. */
  markDelivered(ids: number[], post?: StreamPost): Promise<void>;
  /** Tried and failed: counts an attempt on each and holds them until `notBefore` (wall-clock ms). */
  retryLater(ids: number[], notBefore: number, error: string): Promise<void>;
  /**
   * Marks the deliveries one message is about to carry (their `notBefore` set to `at`, already due), so
   * that after a crash the restarted sender sends exactly this group again, under the same idempotency
   * key, and not a bigger digest with what arrived meanwhile.
   */
  holdTogether(ids: number[], at: number): Promise<void>;
  /** Gives up on these deliveries (the platform refused the message itself). */
  dropDeliveries(ids: number[], reason: string): Promise<void>;
  /** Gives up on every pending delivery of a channel (it was paused). */
  dropChannelDeliveries(channel: ChannelRef, reason: string): Promise<number>;
  countPending(): Promise<number>;
  /** Pending deliveries per platform; a platform with none is absent. */
  countPendingByPlatform(): Promise<Map<Platform, number>>;

  /**
   * Records a failed post to this channel at `at` (wall-clock ms) and returns since when its run of
   * failures has lasted: the run began with its first failure, unless the previous one is more than
   * `maxGapMs` older (the channel was not tried for a while), in which case a new run begins at `at`.
   */
  noteChannelFailing(channel: ChannelRef, at: number, maxGapMs: number): Promise<number>;
  /** The channel's posts go through again (or it was paused): its run of failures is over. */
  clearChannelFailing(channel: ChannelRef): Promise<void>;
  /**
   * Forgets history from before `before` (wall-clock ms): done and dropped deliveries, events none
   * waits on any more, and the posts of streams that ended (a live post stays, for its "ended" edit).
   * At most `limit` rows of each kind per call, so it never blocks for long; returns how many went.
   */
  pruneHistory(before: number, limit: number): Promise<number>;

  findPost(channel: ChannelRef, livestreamId: string): Promise<StreamPost | null>;
  savePost(post: StreamPost): Promise<void>;

  /**
   * Records an input that may reach any replica, by a key naming its kind and id ("webhook:<rtk-uuid>",
   * "discord:<interaction id>", "slack-trigger:<trigger_id>"), at `now` (wall-clock ms): true for the
   * first claim, false for a repeat within INPUT_DEDUPE_MS (older keys are forgotten as new ones come).
   */
  claimInput(key: string, now: number): Promise<boolean>;

  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs` (wall-clock ms): its fence when
   * held, null while another holder's lease runs. A lapsed lease goes to the first who asks, with the
   * next epoch.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<LeaseFence | null>;
  /** Lets go of the lease if `holder` holds it (a clean stop: another may take it at once). */
  releaseLease(name: string, holder: string): Promise<void>;

  /**
   * Queues a hint that this livestream may have changed (a webhook reached a replica that does not
   * poll), at `now` (wall-clock ms); a livestream already queued is queued once.
   */
  addHint(livestreamId: string, now: number): Promise<void>;
  /** Takes (and removes) up to `limit` queued hints, oldest first; two replicas never take the same one. */
  takeHints(limit: number): Promise<string[]>;

  /**
   * Adds one replica's request counts (per bucket) and returns all replicas' other counts since `since`
   * (wall-clock ms): how the API token's request budget is shared (see shared-budget.ts).
   */
  syncRequestCounts(
    replica: string,
    counts: RequestCount[],
    since: number,
  ): Promise<{ poller: number; commands: number }>;

  /**
   * Runs `work` as one transaction on `tx` (use it, not this store, inside): all its writes land, or
   * none. Transactions with the same `scope` (say, a channel) run one at a time, across replicas too,
   * so a read-then-write inside one decides on current data.
   */
  transaction<T>(work: (tx: NotifyStore) => Promise<T>, scope?: string): Promise<T>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string | null): Promise<void>;
  /**
   * Sets a meta row without waiting long for a lock, for health probes: false when another connection
   * holds it. SQLite answers at once (its busy wait would hold the event loop); PostgreSQL waits up to a
   * second (another replica's probe of the same row). Any other failure throws.
   */
  trySetMeta(key: string, value: string): Promise<boolean>;
  close(): Promise<void>;
}

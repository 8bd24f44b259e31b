/** Starts the passive half: poller + sender over one store, with the channels the config names. */
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { NotifyConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LivestreamChecker } from '../webhooks/receiver.js';
import { createRealtimeKitClient, type RealtimeKitClientOptions } from '../realtimekit/client.js';
import { type Platform, PLATFORMS, type Sink } from '../sink.js';
import { RequestBudget } from './budget.js';
import { type DeliveryOptions, DeliveryWorker } from './delivery.js';
import { PollerLeader } from './leader.js';
import { type CycleResult, Poller, type PollerOptions } from './poller.js';
import { SharedBudget } from './shared-budget.js';
import { type NotifyStore, platformRefusedKey } from './store.js';
import type { ChannelRef } from './types.js';

export interface NotificationsOptions {
  config: NotifyConfig;
  store: NotifyStore;
  sinks: Sink[];
  /** The poller builds its own client so it can count its requests against the budget. */
  api: Omit<RealtimeKitClientOptions, 'onRequest'>;
  /** Warn about intervals under 5 s only against the real API. */
  realApi: boolean;
  /** Always-on channels (SLACK_NOTIFY_CHANNEL, DISCORD_NOTIFY_CHANNEL, the demo terminal). */
  defaultChannels: ChannelRef[];
  log: Logger;
  clock?: Clock;
  /** How long a failing channel is retried before it is paused, and how long history is kept. */
  delivery?: Pick<DeliveryOptions, 'transientGiveUpMs' | 'retentionMs'>;
  /** The API token's one budget, shared with commands (startApp's); default: one for the poller alone. */
  budget?: RequestBudget;
  /** Health and metrics (METRICS_PORT): API answers, poll cycles, deliveries. Default: none. */
  metrics?: Metrics;
  /**
   * One of several replicas on a shared store (PostgreSQL): poll only while holding the lease, send
   * only to claimed channels, count the token's requests with the others. Absent: the bot runs alone.
   */
  replica?: { id: string; onTerm?: (leading: boolean) => void };
}

export interface Notifications {
  /** The poller, when this bot runs alone; with replicas, `leader` runs one while it holds the lease. */
  poller: Poller | null;
  leader: PollerLeader | null;
  /** Where webhook hints go: the poller, or the leader (which queues them for the polling replica). */
  checker: LivestreamChecker;
  delivery: DeliveryWorker;
  stop(): Promise<void>;
}

/**
 * How long a replica's claim on a channel outlives its last pass. Its sender passes at least every
 * REPLICA_IDLE_WAIT_MS and renews the claims of channels with work left, a send under way included; so
 * this only has to outlast a stalled pass, and is how long a dead replica's channels wait for another.
 */
export const CHANNEL_CLAIM_MS = 15_000;
/** How often a replica's sender looks for deliveries another replica's poller wrote (and renews its claims). */
export const REPLICA_IDLE_WAIT_MS = 1_000;
/**
 * Channels with work waiting a replica holds at most: a burst for many channels is shared among
 * replicas, and each sends to this many at once (one message at a time per channel, at its pace).
 */
export const CHANNELS_HELD = 50;
/** How often replicas add their request counts to the database and read the others'. */
export const BUDGET_SYNC_MS = 2_000;

/**
 * The poller lease's timing for a poll interval: renewed (and queued webhook hints taken) every tick,
 * at most a second; it lasts one interval (at least three ticks). A standby takes over at most one
 * interval and one tick after the holder's last renewal: within two poll intervals of it dying.
 */
export function leaseTiming(pollIntervalMs: number): { ttlMs: number; tickMs: number } {
  const tickMs = Math.max(50, Math.min(1_000, Math.round(pollIntervalMs / 3)));
  return { ttlMs: Math.max(pollIntervalMs, 3 * tickMs), tickMs };
}

export async function startNotifications(options: NotificationsOptions): Promise<Notifications> {
  const { config, store, log } = options;
  const clock = options.clock ?? systemClock;
  const budget = options.budget ?? new RequestBudget(config.requestBudget);
  const onRequest = () => budget.record(clock.monotonic());
  const { metrics } = options;
  const observe = metrics ? { onResponse: metrics.apiAnswer } : {};
  const client = createRealtimeKitClient({ ...options.api, onRequest, ...observe });
  const lookupClient = createRealtimeKitClient({
    ...options.api,
    onRequest,
    ...observe,
    retries: 0,
    timeoutMs: 3_000,
  });
  const platforms = [...new Set(options.sinks.map((sink) => sink.platform))];
  // This process's name in the lease and the channel claims: REPLICA_ID and a part of its own, so two
  // processes given the same REPLICA_ID (a copied config, a restart while the old one lingers) never
  // pass for one holder, which would let both poll under one epoch and both send to one channel.
  const holder = options.replica ? `${options.replica.id}#${randomBytes(4).toString('hex')}` : '';

  // A channel no longer named by SLACK_NOTIFY_CHANNEL / DISCORD_NOTIFY_CHANNEL stops being a default.
  const isDefault = (s: ChannelRef) =>
    options.defaultChannels.some((c) => c.platform === s.platform && c.channelId === s.channelId);
  for (const old of (await store.subscriptions()).filter((s) => s.source === 'config' && !isDefault(s))) {
    await store.removeSubscriptions(old, [old.livestreamId]);
    log.info('removed a default notification channel that the configuration no longer names', {
      platform: old.platform,
      channelId: old.channelId,
    });
  }
  // A token a platform refused before may have been fixed: this start tries again (and says so if not).
  for (const platform of PLATFORMS) await store.setMeta(platformRefusedKey(platform), null);
  // Deliveries to a platform that no longer runs here can never be sent; they must not pile up.
  const dropped = await store.dropOtherPlatforms(platforms, 'the platform is no longer configured');
  if (dropped > 0) log.warn('dropped notifications for platforms that are no longer configured', { dropped });
  for (const channel of options.defaultChannels) {
    const existing = (await store.subscriptions(channel)).find((s) => s.livestreamId === null);
    // Restarting retries a paused default channel; a chat-made subscription there is left as it is.
    if (!existing || existing.source === 'config') {
      await store.upsertSubscription({
        ...channel,
        livestreamId: null,
        onLive: true,
        onErrored: true,
        mention: null,
        source: 'config',
      });
    }
  }
  if (options.realApi && config.pollIntervalSeconds < 5) {
    log.warn('POLL_INTERVAL_SECONDS under 5 s against the real API uses the request budget fast', {
      seconds: config.pollIntervalSeconds,
    });
  }

  const sinks = new Map<Platform, Sink>(options.sinks.map((sink) => [sink.platform, sink]));
  const delivery = new DeliveryWorker({
    store,
    sinks,
    clock,
    log: log.child({ part: 'delivery' }),
    cooldownMs: config.cooldownSeconds * 1000,
    ...(config.deliveryGiveUpHours !== undefined
      ? { transientGiveUpMs: config.deliveryGiveUpHours * 3_600_000 }
      : {}),
    ...(config.retentionDays !== undefined ? { retentionMs: config.retentionDays * 86_400_000 } : {}),
    ...options.delivery,
    ...(metrics ? { metrics } : {}),
    ...(options.replica
      ? {
          claim: {
            holder,
            ttlMs: CHANNEL_CLAIM_MS,
            idleWaitMs: REPLICA_IDLE_WAIT_MS,
            maxHeld: CHANNELS_HELD,
          },
        }
      : {}),
  });
  const pollerOptions: PollerOptions = {
    client,
    lookupClient,
    platforms,
    store,
    clock,
    log: log.child({ part: 'poller' }),
    budget,
    intervalMs: config.pollIntervalSeconds * 1000,
    alertAfterMs: config.alertAfterSeconds * 1000,
    onEnqueued: () => delivery.wake(),
    ...(metrics
      ? {
          onTransitions: (count: number) => metrics.transitions(count),
          onCycle: (result: CycleResult, durationMs: number) =>
            metrics.pollCycle({ durationMs, ok: result.ok }),
        }
      : {}),
  };
  const pending = await store.countPending();
  const replica = options.replica;
  if (!replica) {
    const poller = new Poller(pollerOptions);
    delivery.start();
    poller.start();
    log.info('notifications running', {
      intervalSeconds: config.pollIntervalSeconds,
      budget: config.requestBudget,
      pending,
    });
    return {
      poller,
      leader: null,
      checker: poller,
      delivery,
      async stop() {
        await poller.stop();
        await delivery.stop();
      },
    };
  }

  const shared = new SharedBudget({
    budget,
    store,
    clock,
    log: log.child({ part: 'budget' }),
    replica: replica.id,
    syncEveryMs: BUDGET_SYNC_MS,
  });
  const leader = new PollerLeader({
    store,
    clock,
    log: log.child({ part: 'leader' }),
    holder,
    ...leaseTiming(config.pollIntervalSeconds * 1000),
    createPoller: (fence, lost) => new Poller({ ...pollerOptions, fence, onLeaseLost: lost }),
    ...(replica.onTerm ? { onTerm: replica.onTerm } : {}),
  });
  shared.start();
  delivery.start();
  leader.start();
  log.info('notifications running, as one of several replicas', {
    replica: replica.id,
    intervalSeconds: config.pollIntervalSeconds,
    budget: config.requestBudget,
    pending,
  });
  return {
    poller: null,
    leader,
    checker: leader,
    delivery,
    async stop() {
      // The lease first, so another replica polls at once; then the sends under way end.
      await leader.stop();
      await delivery.stop();
      await shared.stop();
      // The others may send there once the slowest platform's pace since this one's last post has passed.
      const pace = Math.max(0, ...options.sinks.map((s) => s.pacingMs));
      try {
        await store.releaseChannels(holder, clock.now() + pace);
      } catch (error) {
        // The rest of the stop goes on: the claims lapse by themselves.
        log.warn("could not let go of this replica's channels; the others take them once the claims lapse", {
          error,
        });
      }
    },
  };
}

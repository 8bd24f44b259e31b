/**
 * Push latency (issue 15): a status change in the emulator -> its signed webhook -> the bot's HTTP server
 * -> the receiver (signature, rtk-uuid) -> the poller's targeted check -> the outbox -> the message at the
 * fake Slack Web API and the fake Discord. 100 changes (100 streams going LIVE, one every 250 ms, spread
 * over 10 channels per platform so per-channel pacing never delays one), polling at its default 15 s
 * beside them, so a message faster than the interval came by the webhook. Goal: p50 < 300 ms and
 * p99 < 1 s on each platform.
 *
 * The emulator runs in its own process (its RSA signing off the bot's event loop); the bot's parts run
 * here, wired as startApp wires them: startNotifications (poller + sender), the real Slack sink
 * (WebClient) and Discord sink (@discordjs/rest), the shared HTTP server and startWebhooks with the key
 * fetched from the emulator's /.well-known/webhooks.json, and the webhook registered by registerWebhook.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { discordSinkRestOptions } from '../adapters/discord/rest.js';
import { createDiscordSink } from '../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../adapters/slack/sink.js';
import { systemClock } from '../src/clock.js';
import { DEFAULT_POLL_INTERVAL_SECONDS } from '../src/config.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { createHttpServer } from '../src/http/server.js';
import { silentLogger } from '../src/log.js';
import { startNotifications } from '../src/notify/service.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import type { Platform } from '../src/sink.js';
import { WEBHOOK_PATH } from '../src/webhooks/config.js';
import { registerWebhook } from '../src/webhooks/register.js';
import { startWebhooks } from '../src/webhooks/service.js';
import { messageObject, startFakeDiscord } from '../test/fakes/discord-server.js';
import { startFakeSlackWebApi } from '../test/fakes/slack-web-api.js';
import { startChild } from './child.js';
import { deadline, round, sleep, stopChild, summarize } from './stats.js';

const APP_ID = '1100000000000000001';
const CHANNELS = 10;
const SLACK_CHANNELS = Array.from({ length: CHANNELS }, (_, i) => `C0PUSH${i}`);
const DISCORD_CHANNELS = Array.from({ length: CHANNELS }, (_, i) => `12000000000000000${10 + i}`);
export const PUSH_GOAL = { p50Ms: 300, p99Ms: 1_000 } as const;

export interface PushRow {
  platform: 'slack' | 'discord';
  changes: number;
  /** Messages about the changed streams the platform received (one per change). */
  messages: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  withinGoal: boolean;
}

export interface PushResult {
  changes: number;
  spacingMs: number;
  pollIntervalMs: number;
  /** How the bot answered the emulator's deliveries (every one should be 200). */
  deliveryAnswers: Record<string, number>;
  rows: PushRow[];
}

export async function benchPush(options: { changes?: number; spacingMs?: number } = {}): Promise<PushResult> {
  const changes = options.changes ?? 100;
  const spacingMs = options.spacingMs ?? 250;
  const emulator = await startChild(join(import.meta.dirname, 'push-emulator-child.ts'));
  const slackApi = await startFakeSlackWebApi();
  const discord = await startFakeDiscord({ applicationId: APP_ID });
  const discordPosts: { at: number; body: string }[] = [];
  discord.answer('POST', /^\/channels\/\d+\/messages$/, (request) => {
    discordPosts.push({ at: Date.now(), body: JSON.stringify(request.body) });
    const channelId = /^\/channels\/(\d+)\//.exec(request.route)?.[1] ?? '';
    return { body: messageObject(channelId, request.body, APP_ID) };
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-push-'));
  const store = openSqliteStore(dir);
  const server = createHttpServer({ log: silentLogger });
  let notifications: Awaited<ReturnType<typeof startNotifications>> | null = null;
  let webhooks: Awaited<ReturnType<typeof startWebhooks>> | null = null;
  try {
    const { settings, ids } = await emulator.ask<{ settings: EmulatorSettings; ids: string[] }>({
      streams: changes,
    });
    // Stream i is followed in channel i % CHANNELS on each platform.
    for (const [i, livestreamId] of ids.entries()) {
      for (const [platform, channelId] of [
        ['slack', SLACK_CHANNELS[i % CHANNELS]!],
        ['discord', DISCORD_CHANNELS[i % CHANNELS]!],
      ] as const) {
        await store.upsertSubscription({
          platform,
          channelId,
          livestreamId,
          onLive: true,
          onErrored: true,
          mention: null,
          source: 'chat',
        });
      }
    }
    const slackClient = new webApi.WebClient('xoxb-bench-push', {
      ...SLACK_CLIENT_OPTIONS,
      slackApiUrl: `${slackApi.apiUrl}/`,
    });
    const rest = new REST(discordSinkRestOptions({ apiUrl: discord.restUrl })).setToken('bench-push-token');

    const port = await server.listen(0, '127.0.0.1');
    notifications = await startNotifications({
      config: {
        pollIntervalSeconds: DEFAULT_POLL_INTERVAL_SECONDS,
        requestBudget: 900,
        dataDir: dir,
        cooldownSeconds: 120,
        alertAfterSeconds: 300,
      },
      store,
      sinks: [createSlackSink({ client: slackClient, log: silentLogger }), createDiscordSink({ rest })],
      api: clientSettingsOf(settings),
      realApi: false,
      defaultChannels: [],
      log: silentLogger,
      clock: systemClock,
    });
    const url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
    webhooks = await startWebhooks({
      config: {
        publicUrl: `http://127.0.0.1:${port}`,
        url,
        port,
        publicKeyPem: null,
        keyUrl: settings.REALTIMEKIT_WEBHOOK_KEY_URL,
      },
      server,
      store,
      checker: notifications.checker,
      clock: systemClock,
      log: silentLogger,
    });
    await registerWebhook({ client: createRealtimeKitClient(clientSettingsOf(settings)), url });
    // The first cycle is the baseline: changes before it would not be announced.
    await deadline(notifications.poller!.runCycle(), 10_000, 'push bench: the baseline');

    const changedAt = new Map<string, number>();
    for (const id of ids) {
      const { at } = await emulator.ask<{ at: number }>({ set: { id, status: 'LIVE' } });
      changedAt.set(id, at);
      await sleep(spacingMs);
    }
    const received = (platform: Platform) =>
      platform === 'slack'
        ? slackApi.calls
            .filter((c) => c.method === 'chat.postMessage')
            .map((c) => ({ at: c.at, body: JSON.stringify(c.params) }))
        : discordPosts;
    const allArrived = async () => {
      while (received('slack').length < changes || received('discord').length < changes) await sleep(20);
    };
    await deadline(allArrived(), 30_000, 'push bench: a message for every change on both platforms');

    const row = (platform: 'slack' | 'discord'): PushRow => {
      const latencies: number[] = [];
      for (const [id, at] of changedAt) {
        const message = received(platform).find((m) => m.body.includes(id));
        if (message) latencies.push(message.at - at);
      }
      const summary = summarize(latencies);
      return {
        platform,
        changes,
        messages: latencies.length,
        p50Ms: summary.p50,
        p95Ms: summary.p95,
        p99Ms: summary.p99,
        maxMs: summary.max,
        withinGoal:
          latencies.length === changes && summary.p50 < PUSH_GOAL.p50Ms && summary.p99 < PUSH_GOAL.p99Ms,
      };
    };
    const { answers } = await emulator.ask<{ answers: (number | null)[] }>({ attempts: true });
    const deliveryAnswers: Record<string, number> = {};
    for (const answer of answers)
      deliveryAnswers[String(answer)] = (deliveryAnswers[String(answer)] ?? 0) + 1;
    return {
      changes,
      spacingMs,
      pollIntervalMs: round(DEFAULT_POLL_INTERVAL_SECONDS * 1000, 0),
      deliveryAnswers,
      rows: [row('slack'), row('discord')],
    };
  } finally {
    webhooks?.stop();
    await notifications?.stop();
    await server.close(0);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await discord.close();
    await slackApi.close();
    await stopChild(emulator);
  }
}

/**
 * Wiring: config -> RealtimeKit client (real API or the embedded emulator) -> core -> adapters.
 * Platform adapters start when configured; the terminal chat only when none is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsoleChat } from '../adapters/console/chat.js';
import { CONSOLE_CHANNEL, createConsoleSink } from '../adapters/console/sink.js';
import { type Clock, systemClock } from './clock.js';
import { CommandLimits } from './command-limits.js';
import {
  type Config,
  ConfigError,
  DEFAULT_LIMITS,
  defaultReplicaId,
  type DiscordConfig,
  type SlackConfig,
} from './config.js';
import { createCore } from './core.js';
import { startDemoScript } from './emulator/demo-script.js';
import { DEMO_HISTORY_DAYS } from './emulator/analytics.js';
import { clientSettingsOf, createEmulator, type Emulator } from './emulator/emulator.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { memoryInputGate, storeInputGate } from './inputs.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { RequestBudget } from './notify/budget.js';
import { startNotifications } from './notify/service.js';
import { openSqliteStore } from './notify/sqlite-store.js';
import type { NotifyStore } from './notify/store.js';
import type { ChannelRef } from './notify/types.js';
import { createRealtimeKitClient, type RealtimeKitClient } from './realtimekit/client.js';
import { throwIfAborted, unlessAborted } from './ops/abort.js';
import { API_CHECK_CLIENT_OPTIONS, checkApiToken } from './ops/api-check.js';
import { demoCore, demoRefusal, demoSink } from './ops/demo.js';
import { startOps } from './ops/ops.js';
import type { PlatformAdapter } from './platform-adapter.js';
import type { Sink } from './sink.js';
import { WEBHOOK_PATH } from './webhooks/config.js';
import { answerNotReady } from './webhooks/receiver.js';

export interface AppIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  interactive: boolean;
  /** Time, for the poller, the sender and command limits. Default: the system clock (tests move their own). */
  clock?: Clock;
  /** A stop signal during the start: startApp gives up at once (StartAborted) and undoes what started. */
  signal?: AbortSignal;
  /** DEMO=1: Slack or Discord may run on the demo emulator's made-up livestreams, every answer marked DEMO. */
  allowDemo?: boolean;
  /** METRICS_PORT: /healthz, /readyz and /metrics on this port (0: a free one); absent or null: off. */
  metricsPort?: number | null;
}

export interface RunningApp {
  /** Resolves when the app has nothing left to do (the terminal chat's input ended). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** What parts started later (webhooks) report to; does nothing when METRICS_PORT is off. */
  metrics: Metrics;
  /** The port health and metrics listen on, or null when off. */
  metricsPort: number | null;
}

const DEMO_STREAMS = 8;
/** The demo's first change comes this soon after the start (after the poller's first read)... */
const DEMO_FIRST_STEP_MS = 5_000;
/** ...then one livestream changes every this often: each change is seen on its own, never in a digest. */
const DEMO_STEP_MS = 20_000;

export async function startApp(config: Config, log: Logger, io: AppIo): Promise<RunningApp> {
  // What has started, to stop in reverse order: on stop(), or at once when a later step of the start
  // fails (the store's DATA_DIR lock is released, a demo's temporary folder removed).
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    return await startParts(config, log, io, stops, stopAll);
  } catch (error) {
    await stopAll().catch((cleanup: unknown) =>
      log.warn('could not undo a failed start', { error: cleanup }),
    );
    throw error;
  }
}

async function startParts(
  config: Config,
  log: Logger,
  io: AppIo,
  stops: (() => Promise<void>)[],
  stopAll: () => Promise<void>,
): Promise<RunningApp> {
  const clock = io.clock ?? systemClock;
  const refusal = demoRefusal(config, io.allowDemo ?? false);
  if (refusal) throw new ConfigError([refusal]);
  // Real people would see made-up livestreams: every answer and notification says DEMO.
  const demoOnChat = config.realtimekit.mode === 'demo' && (config.slack !== null || config.discord !== null);
  const ops = await startOps({
    port: io.metricsPort ?? null,
    clock,
    log,
    pollIntervalMs: config.notify.pollIntervalSeconds * 1000,
  });
  stops.push(() => ops.stop());
  const observe = ops.enabled ? { onResponse: ops.metrics.apiAnswer } : {};
  const limits = config.limits ?? DEFAULT_LIMITS;
  // One budget for the API token: the poller's requests and every command's are counted together.
  // (A Config written in code without limits gets the default token limit, or its poller budget if higher.)
  const budget = new RequestBudget(config.notify.requestBudget, config.limits?.tokenRequestLimit);
  ops.watchBudget(budget, clock);
  const onRequest = () => budget.record(clock.monotonic(), 'commands');
  let emulator: Emulator | null = null;
  let client: RealtimeKitClient;
  if (config.realtimekit.mode === 'api') {
    client = createRealtimeKitClient({ ...config.realtimekit, onRequest, ...observe });
  } else {
    emulator = createEmulator({ livestreams: DEMO_STREAMS, historyDays: DEMO_HISTORY_DAYS });
    await emulator.start();
    client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), onRequest, ...observe });
    const running = emulator;
    stops.push(() => running.stop());
    log.info('demo mode: using the embedded RealtimeKit emulator', {
      url: running.settings().CLOUDFLARE_API_BASE_URL,
    });
  }

  // The demo's emulator starts empty every time, so its state must too: a fresh temporary DATA_DIR.
  const dataDir = emulator
    ? await mkdtemp(join(tmpdir(), 'livestream-chatops-demo-'))
    : config.notify.dataDir;
  if (emulator) stops.push(() => rm(dataDir, { recursive: true, force: true }));
  // PostgreSQL makes this one of several replicas; the demo keeps to its own throwaway state.
  const databaseUrl = emulator ? null : (config.notify.databaseUrl ?? null);
  const replicaId = config.notify.replicaId ?? defaultReplicaId();
  let store: NotifyStore;
  if (databaseUrl !== null) {
    // Loaded only when configured, like the platforms.
    const { openPgStore } = await import('./notify/pg-store.js');
    store = await openPgStore(databaseUrl, { applicationName: `livestream-chatops/${replicaId}`, log });
    log.info('state in PostgreSQL: one of several replicas', { replica: replicaId });
  } else {
    if (emulator && config.notify.databaseUrl)
      log.info('the demo keeps its state in a temporary folder, not DATABASE_URL');
    store = openSqliteStore(dataDir);
  }
  stops.push(() => store.close());
  const inputs =
    databaseUrl !== null ? storeInputGate({ store, clock, replica: replicaId }) : memoryInputGate();
  ops.watchStore(store, databaseUrl !== null ? 'in PostgreSQL (DATABASE_URL)' : 'in DATA_DIR');
  if (config.realtimekit.mode === 'api') {
    // After DATA_DIR (a local problem is told first): a refused token, or one without the Realtime
    // permission, stops the start here in one sentence; an unreachable API is only a warning.
    const check = createRealtimeKitClient({
      ...config.realtimekit,
      onRequest,
      ...observe,
      ...API_CHECK_CLIENT_OPTIONS,
    });
    await unlessAborted(checkApiToken(check, config.realtimekit, log), io.signal);
  }
  const commandLimits = new CommandLimits({
    budget,
    commands: { count: limits.userCommandsPerMinute, perMs: 60_000 },
    creates: { count: limits.userCreatesPer10Minutes, perMs: 10 * 60_000 },
  });
  const plainCore = ops.timeCommands(createCore({ client, log, store, clock, limits: commandLimits }));
  const core = demoOnChat ? demoCore(plainCore) : plainCore;
  const adapters = platformAdapters(config, io, clock);
  const sinks: Sink[] = [];
  const defaultChannels: ChannelRef[] = adapters.flatMap(({ platform, notifyChannel }) =>
    notifyChannel ? [{ platform, channelId: notifyChannel }] : [],
  );
  // One HTTP server on PORT for Slack's HTTP mode, Discord interactions over HTTP and webhooks, listening
  // before any is mounted so a busy PORT stops the start early; webhooks answer 503 (retry later) until
  // notifications run.
  const webhooks = config.webhooks ?? null;
  const slackHttp = config.slack !== null && config.slack.appToken === null;
  const discordHttp = config.discord?.interactions ?? null;
  let http: HttpServer | null = null;
  if (slackHttp || webhooks || discordHttp) {
    const server = createHttpServer({ log });
    if (webhooks) server.route(WEBHOOK_PATH, answerNotReady);
    const port = await server.listen(webhooks?.port ?? discordHttp?.port ?? config.slack!.port);
    stops.push(() => server.close());
    log.info('HTTP server listening', { port });
    http = server;
  }
  let done: Promise<void> = new Promise<void>(() => {});
  for (const adapter of adapters) {
    // A hanging platform must not hold a stop signal up: the start gives up at once (see ops/abort.ts).
    const started = await unlessAborted(adapter.start({ core, log, http, inputs }), io.signal, (late) =>
      late.stop(),
    );
    if (started.connected) ops.watchPlatform(adapter.name, started.connected.bind(started));
    if (started.done) done = started.done;
    sinks.push(started.sink);
    stops.push(() => started.stop());
  }

  throwIfAborted(io.signal);
  const api = config.realtimekit.mode === 'api' ? config.realtimekit : clientSettingsOf(emulator!.settings());
  const notifications = await startNotifications({
    config: config.notify,
    store,
    sinks: demoOnChat ? sinks.map(demoSink) : sinks,
    api,
    realApi: config.realtimekit.mode === 'api',
    defaultChannels,
    log,
    budget,
    clock,
    ...(ops.enabled ? { metrics: ops.metrics } : {}),
    // With replicas, /readyz expects poll cycles only while this replica holds the lease.
    ...(databaseUrl !== null
      ? { replica: { id: replicaId, onTerm: (leading: boolean) => ops.watchPoller(leading) } }
      : {}),
  });
  // Stop polling and sending before the store closes.
  stops.push(() => notifications.stop());
  if (emulator && notifications.poller) {
    // Each change of the demo reaches the poller at once, as RealtimeKit webhooks would (it polls too).
    const stage = emulator;
    const poller = notifications.poller;
    const checks = new Set<Promise<void>>();
    const unhook = stage.onStatusChange((change) => {
      const checking = poller.check(change.livestreamId);
      checks.add(checking);
      void checking.finally(() => checks.delete(checking));
    });
    const script = startDemoScript({
      stage,
      clock,
      firstStepMs: DEMO_FIRST_STEP_MS,
      stepMs: DEMO_STEP_MS,
      // Joins the poller's first cycle, under way since it started.
      after: poller.runCycle(),
    });
    stops.push(async () => {
      await script.stop();
      unhook();
      // A check under way writes to the store: it ends before the store closes (check never rejects).
      await Promise.all(checks);
    });
  }
  if (databaseUrl === null) ops.watchPoller(true);
  if (webhooks && http) {
    // Loaded only when configured, like the platforms.
    const { startWebhooks } = await import('./webhooks/service.js');
    // The public key may be fetched first (up to 5 s): a stop signal does not wait for it.
    const starting = startWebhooks({
      config: webhooks,
      server: http,
      store,
      checker: notifications.checker,
      clock,
      log,
      metrics: ops.metrics,
    });
    const running = await unlessAborted(starting, io.signal, (late) => late.stop());
    // First thing on stop: no hint may reach a poller that is stopping.
    stops.push(async () => running.stop());
  }

  ops.markStarted();
  return { done, stop: stopAll, metrics: ops.metrics, metricsPort: ops.port };
}

/** The chat platforms that are configured, in the order they start; the terminal chat when none is. */
function platformAdapters(config: Config, io: AppIo, clock: Clock): PlatformAdapter[] {
  const chat = [config.slack && slackAdapter(config.slack), config.discord && discordAdapter(config.discord)];
  const configured = chat.filter((adapter): adapter is PlatformAdapter => adapter !== null);
  return configured.length > 0 ? configured : [terminalAdapter(config, io, clock)];
}

function slackAdapter(config: SlackConfig): PlatformAdapter {
  return {
    platform: 'slack',
    name: 'Slack',
    notifyChannel: config.notifyChannel,
    async start({ core, log, http, inputs }) {
      // Loaded only when configured: Bolt is a large import the terminal demo does not need.
      const { startSlackAdapter } = await import('../adapters/slack/app.js');
      return startSlackAdapter({ config, core, log, inputs, ...(http ? { server: http } : {}) });
    },
  };
}

function discordAdapter(config: DiscordConfig): PlatformAdapter {
  return {
    platform: 'discord',
    name: 'Discord',
    notifyChannel: config.notifyChannel,
    async start({ core, log, http, inputs }) {
      // Loaded only when configured, like Slack: discord.js is a large import the terminal demo does not need.
      const { startDiscordAdapter } = await import('../adapters/discord/app.js');
      return startDiscordAdapter({
        config,
        core,
        log,
        inputs,
        ...(http ? { server: http } : {}),
      });
    },
  };
}

/** The terminal chat: commands typed at the prompt, notifications printed between them. */
function terminalAdapter(config: Config, io: AppIo, clock: Clock): PlatformAdapter {
  return {
    platform: 'console',
    name: 'terminal',
    notifyChannel: CONSOLE_CHANNEL,
    async start({ core, log }) {
      const chat = startConsoleChat({
        log,
        input: io.stdin,
        output: io.stdout,
        interactive: io.interactive,
        handleText: (text) =>
          core.replyToText(text, { platform: 'console', channelId: CONSOLE_CHANNEL, userId: 'terminal' }),
        banner: banner(config, io.interactive),
        now: () => clock.now(),
      });
      // Nothing to stop: the chat ends with its input.
      return { sink: createConsoleSink(chat.print, chat.view), done: chat.done, stop: async () => {} };
    },
  };
}

function banner(config: Config, interactive: boolean): string {
  const lines =
    config.realtimekit.mode === 'demo'
      ? [
          `livestream-chatops DEMO: no Cloudflare credentials are set, so this talks to a local RealtimeKit emulator with made-up livestreams, one of which changes status every ${DEMO_STEP_MS / 1000} seconds.`,
          'Set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID (see .env.example) to use your real account.',
        ]
      : ['livestream-chatops terminal chat, connected to the RealtimeKit API.'];
  if (interactive)
    lines.push('Type a command such as "list live", "create My show" or "help". "quit" or Ctrl-D leaves.');
  return lines.join('\n');
}

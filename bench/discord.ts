/**
 * Part 2: Discord. 100 concurrent `/livestream list` interactions sent through the fake gateway to the
 * real adapter (startDiscordAdapter + real core + real RealtimeKit client + the emulator), side by side
 * with a bare discord.js Client (same options) whose handler only calls `interaction.reply('ok')`.
 * Figure: time from the INTERACTION_CREATE frame leaving the fake gateway to the interaction callback
 * (POST /interactions/{id}/{token}/callback) arriving at the fake REST; the ratio ours/bare.
 *
 * On Discord the callback is the answer itself: ours replies with the list when the core answers within
 * 1.5 s (else it defers, type 5), so this figure includes the RealtimeKit call, unlike Slack's ack. A
 * third client shows what that call costs by itself: bare discord.js that fetches the same page with
 * plain `fetch` (identical requests in flight shared) and replies with one line of text.
 * Processes as in slack.ts: the client under test alone in a child (this file, forked), the emulator
 * in another (emulator-child.ts), the fake Discords and the clock here.
 */
import { join } from 'node:path';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { type DiscordAdapter, startDiscordAdapter } from '../adapters/discord/app.js';
import { discordRestOptions } from '../adapters/discord/rest.js';
import type { DiscordConfig } from '../src/config.js';
import { DEFAULT_PER_PAGE } from '../src/commands/command.js';
import { createCore } from '../src/core.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { createLogger } from '../src/log.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { type ChatInputInteraction, chatInputInteraction } from '../test/fakes/discord-interactions.js';
import { type DiscordRequest, type FakeDiscord, startFakeDiscord } from '../test/fakes/discord-server.js';
import { type Child, startChild } from './child.js';
import {
  type ChildStats,
  compareRounds,
  pairedRounds,
  deadline,
  isMainModule,
  round,
  type Summary,
  startCpuProfile,
  stopChild,
  summarize,
  timedCore,
} from './stats.js';

/** In the child: how long each core call took (the RealtimeKit part), collected between rounds. */
const coreMs: number[] = [];

const APP_ID = '1100000000000000001';
const GUILD_ID = '1100000000000000002';
const CHANNEL_ID = '1100000000000000003';
const BOT_TOKEN = 'bench-discord-bot-token';
const ROUND_TIMEOUT_MS = 30_000;

/** Ours, the bare client that only replies, and the bare client that first makes the same API call. */
const TARGETS = ['adapter', 'bare', 'bareApi'] as const;
type DiscordTarget = (typeof TARGETS)[number];

type ChildMessage =
  { start: DiscordTarget; apiUrl: string; emulator: EmulatorSettings } | { stats: true } | { stop: true };

export interface DiscordBenchOptions {
  concurrency?: number;
  rounds?: number;
  livestreams?: number;
  /** The script forked for each server under test: this file, or its bundle (run.ts builds one). */
  childScript?: string;
}

export interface DiscordRound {
  callback: Summary;
  /** Callbacks that were a deferral (type 5) rather than the answer (type 4). */
  deferred: number;
  /** Ours only: the core call alone (RealtimeKit request to the emulator + reply model). */
  core: Summary | null;
  cpuMsPerInteraction: number;
}

export interface DiscordRow {
  target: string;
  callbackP50Ms: number;
  callbackP95Ms: number;
  callbackP99Ms: number;
  deferred: number;
  coreP50Ms: number | null;
  coreP99Ms: number | null;
  cpuMsPerInteraction: number;
}

export interface DiscordResult {
  concurrency: number;
  rounds: number;
  rows: DiscordRow[];
  callbackP99Ratio: number;
  callbackP50Ratio: number;
  /** Median over rounds of (ours p99 / bare p99) within the same round. */
  pairedCallbackP99Ratio: number;
  /** The same three figures against the bare client that makes the same API call first. */
  vsBareApi: { callbackP99Ratio: number; callbackP50Ratio: number; pairedCallbackP99Ratio: number };
  all: Record<DiscordTarget, DiscordRound[]>;
}

export async function benchDiscord(options: DiscordBenchOptions = {}): Promise<DiscordResult> {
  const concurrency = options.concurrency ?? 100;
  const rounds = options.rounds ?? 5;
  const emulator = await startChild(join(import.meta.dirname, 'emulator-child.ts'));
  const fakes: Partial<Record<DiscordTarget, FakeDiscord>> = {};
  const children: Partial<Record<DiscordTarget, Child>> = {};
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({
      seed: options.livestreams ?? 50,
    });
    for (const target of TARGETS) {
      // One fake per client: a dispatch goes to every connected gateway client.
      const fake = await startFakeDiscord({ applicationId: APP_ID });
      fakes[target] = fake;
      const child = await startChild(options.childScript ?? import.meta.filename);
      children[target] = child;
      const started = await deadline(
        child.ask<{ ready: true } | { error: string }>({
          start: target,
          apiUrl: fake.restUrl,
          emulator: settings,
        } satisfies ChildMessage),
        60_000,
        `starting the ${target} child`,
      );
      if ('error' in started) throw new Error(`Discord ${target} did not start: ${started.error}`);
    }
    const all = await pairedRounds(TARGETS, rounds, (target, label) =>
      runRound({ fake: fakes[target]!, child: children[target]!, concurrency, label }),
    );
    const { ours, bare, p99Ratio, p50Ratio, pairedP99Ratio } = compareRounds(
      all.adapter,
      all.bare,
      (x) => x.callback,
    );
    const withApi = compareRounds(all.adapter, all.bareApi, (x) => x.callback);
    const row = (target: string, x: DiscordRound): DiscordRow => ({
      target,
      callbackP50Ms: x.callback.p50,
      callbackP95Ms: x.callback.p95,
      callbackP99Ms: x.callback.p99,
      deferred: x.deferred,
      coreP50Ms: x.core?.p50 ?? null,
      coreP99Ms: x.core?.p99 ?? null,
      cpuMsPerInteraction: x.cpuMsPerInteraction,
    });
    return {
      concurrency,
      rounds,
      rows: [
        row("bare discord.js (reply('ok'))", bare),
        row('bare discord.js (fetch list, reply text)', withApi.bare),
        row('our adapter (list)', ours),
      ],
      callbackP99Ratio: p99Ratio,
      callbackP50Ratio: p50Ratio,
      pairedCallbackP99Ratio: pairedP99Ratio,
      vsBareApi: {
        callbackP99Ratio: withApi.p99Ratio,
        callbackP50Ratio: withApi.p50Ratio,
        pairedCallbackP99Ratio: withApi.pairedP99Ratio,
      },
      all,
    };
  } finally {
    for (const child of Object.values(children)) await stopChild(child);
    for (const fake of Object.values(fakes)) await fake.close();
    await stopChild(emulator);
  }
}

async function runRound(args: {
  fake: FakeDiscord;
  child: Child;
  concurrency: number;
  label: string;
}): Promise<DiscordRound> {
  const { fake, child, concurrency, label } = args;
  const interactions: ChatInputInteraction[] = Array.from({ length: concurrency }, () =>
    chatInputInteraction({
      applicationId: APP_ID,
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
      subcommand: 'list',
    }),
  );
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const callbacks = interactions.map((interaction) => {
    const route = `/interactions/${interaction.id}/${interaction.token}/callback`;
    return fake.waitForRequest((request) => {
      if (request.method !== 'POST' || request.route !== route) return false;
      // Taken here, as the fake records the request, not when the promise chain gets to it.
      if (!arrivedAt.has(interaction.id)) arrivedAt.set(interaction.id, performance.now());
      return true;
    }, ROUND_TIMEOUT_MS);
  });
  const before = await deadline(
    child.ask<ChildStats>({ stats: true } satisfies ChildMessage),
    10_000,
    'child stats',
  );
  for (const interaction of interactions) {
    sentAt.set(interaction.id, performance.now());
    fake.dispatch('INTERACTION_CREATE', interaction.payload);
  }
  const received = await deadline(Promise.all(callbacks), ROUND_TIMEOUT_MS, `Discord ${label}: callbacks`);
  const deferred = interactions.filter(
    (_, i) => (received[i]!.body as { type?: number } | undefined)?.type === 5,
  );
  // A deferred answer ends with an edit of @original: let it land before the next round starts.
  await deadline(
    Promise.all(
      deferred.map((interaction) =>
        fake.waitForRequest(
          (r: DiscordRequest) =>
            r.method === 'PATCH' && r.route === `/webhooks/${APP_ID}/${interaction.token}/messages/@original`,
          ROUND_TIMEOUT_MS,
        ),
      ),
    ),
    ROUND_TIMEOUT_MS,
    `Discord ${label}: edits of deferred replies`,
  );
  const after = await deadline(
    child.ask<ChildStats>({ stats: true } satisfies ChildMessage),
    10_000,
    'child stats',
  );
  const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  return {
    callback: summarize(interactions.map((i) => arrivedAt.get(i.id)! - sentAt.get(i.id)!)),
    deferred: deferred.length,
    core: after.coreMs.length ? summarize(after.coreMs) : null,
    cpuMsPerInteraction: round(cpuMs / concurrency, 2),
  };
}

// ---------------------------------------------------------------------------------------------------
// The child: one discord.js client under test, driven over IPC.

async function startTarget(message: Extract<ChildMessage, { start: DiscordTarget }>) {
  const started = await startClient(message);
  const stopProfile = await startCpuProfile(`discord-${message.start}`);
  return {
    stop: async () => {
      await stopProfile();
      await started.stop();
    },
  };
}

async function startClient(message: Extract<ChildMessage, { start: DiscordTarget }>) {
  const config: DiscordConfig = {
    botToken: BOT_TOKEN,
    applicationId: APP_ID,
    guildId: GUILD_ID,
    apiUrl: message.apiUrl,
    notifyChannel: null,
    managerRoles: [],
  };
  if (message.start === 'adapter') {
    // As in production: info level, every line formatted and redacted, then dropped.
    const log = createLogger({ level: 'info', secrets: [BOT_TOKEN], write: () => {} });
    const client = createRealtimeKitClient(clientSettingsOf(message.emulator));
    const adapter: DiscordAdapter = await startDiscordAdapter({
      config,
      core: timedCore(createCore({ client, log }), coreMs),
      log,
    });
    return { stop: () => adapter.stop() };
  }
  // The bare framework: the adapter's Client options, a handler that only replies (or first fetches).
  const answer = message.start === 'bareApi' ? bareListAnswer(message.emulator) : async () => 'ok';
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: discordRestOptions(config) });
  client.on(Events.Error, () => {});
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    answer()
      .then((text) => interaction.reply(text))
      .catch(() => {});
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(BOT_TOKEN);
  await ready;
  return { stop: () => client.destroy() };
}

/**
 * The page `/livestream list` asks for, through a bare `fetch`; identical requests in flight share one.
 * (Ours also hands an answer to identical commands issued before it arrived: see src/in-flight.ts.)
 * The answer is one line of text: no parsing, no embeds.
 */
function bareListAnswer(emulator: EmulatorSettings): () => Promise<string> {
  const url =
    `${emulator.CLOUDFLARE_API_BASE_URL}/accounts/${emulator.CLOUDFLARE_ACCOUNT_ID}/realtime/kit/` +
    `${emulator.REALTIMEKIT_APP_ID}/livestreams?per_page=${DEFAULT_PER_PAGE}&sort_order=DSC`;
  const headers = { authorization: `Bearer ${emulator.CLOUDFLARE_API_TOKEN}` };
  let inFlight: Promise<string> | null = null;
  return () =>
    (inFlight ??= fetch(url, { headers })
      .then((response) => response.json() as Promise<{ data?: unknown[] }>)
      .then((body) => `${body.data?.length ?? 0} livestreams`)
      .finally(() => {
        inFlight = null;
      }));
}

if (isMainModule(import.meta.url)) {
  let running: { stop(): Promise<unknown> } | null = null;
  process.on('message', (message: ChildMessage) => {
    if ('start' in message) {
      startTarget(message).then(
        (started) => {
          running = started;
          process.send?.({ ready: true });
        },
        (error: unknown) => process.send?.({ error: String(error) }),
      );
    } else if ('stats' in message) {
      process.send?.({ cpu: process.cpuUsage(), coreMs: coreMs.splice(0) } satisfies ChildStats);
    } else {
      void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
  process.send?.({ ready: true });
}

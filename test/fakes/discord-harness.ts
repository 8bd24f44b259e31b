/**
 * The whole Discord path wired for tests: the real discord.js client (through `startDiscordAdapter`)
 * against the fake Discord, and the real core and RealtimeKit client against the embedded emulator.
 * `run()` dispatches a `/livestream` interaction; `callback()`/`edit()` wait for what the bot sent.
 * `issue()` only creates one (its id carries the time), for `deliver()` to dispatch later.
 * With `http`, interactions come over HTTP instead (DISCORD_PUBLIC_KEY): the adapter's endpoint is a
 * route on the bot's HTTP server, and `deliver()` POSTs each interaction there, signed as Discord does.
 */
import { type DiscordAdapter, startDiscordAdapter } from '../../adapters/discord/app.js';
import { DISCORD_INTERACTIONS_PATH } from '../../adapters/discord/http-interactions.js';
import type { CommandLimits } from '../../src/command-limits.js';
import type { DiscordConfig } from '../../src/config.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import type { InputGate } from '../../src/inputs.js';
import { createLogger } from '../../src/log.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import {
  type ChatInputInteraction,
  chatInputInteraction,
  type ClickedMessage,
  componentInteraction,
  type OptionValue,
} from './discord-interactions.js';
import { type DiscordRequest, type FakeDiscord, startFakeDiscord } from './discord-server.js';
import { type DiscordSigner, type InteractionAnswer, postInteraction } from './discord-signer.js';

export const APP_ID = '1100000000000000001';
export const GUILD_ID = '1100000000000000002';
export const CHANNEL_ID = '1100000000000000003';
export const BOT_TOKEN = 'fake-bot-token-do-not-log';

export interface HarnessOptions {
  guildId?: string | null;
  managerRoles?: string[];
  operatorRoles?: string[];
  deferAfterMs?: number;
  /** The notification store: enables the subscription commands. */
  store?: NotifyStore;
  /** Per-person limits for the core (startApp always sets them); default none. */
  limits?: CommandLimits;
  /** Interactions over HTTP, signed with this key pair (its public key is DISCORD_PUBLIC_KEY). */
  http?: DiscordSigner;
  /** Repeated interactions and double clicks (several replicas share one); default in memory. */
  inputs?: InputGate;
}

export interface InteractionCallback {
  type: number;
  data?: {
    flags?: number;
    embeds?: Record<string, unknown>[];
    content?: string;
    allowed_mentions?: unknown;
    components?: {
      type: number;
      components: { label?: string; custom_id?: string; url?: string; style?: number }[];
    }[];
  };
}

export interface DiscordHarness {
  discord: FakeDiscord;
  emulator: Emulator;
  adapter: DiscordAdapter;
  /** Every context the adapter passed to the core. */
  contexts: RequestContext[];
  /** Every log line the adapter wrote (JSON), unredacted: tests check no token ever appears. */
  logs: string[];
  run(
    subcommand: string,
    options?: Record<string, OptionValue>,
    extra?: { roles?: string[]; permissions?: string; userId?: string },
  ): ChatInputInteraction;
  issue(
    subcommand: string,
    options?: Record<string, OptionValue>,
    extra?: { roles?: string[]; permissions?: string; userId?: string },
  ): ChatInputInteraction;
  deliver(interaction: ChatInputInteraction): void;
  /** Over HTTP: the endpoint's URL; null over the gateway. */
  interactionsUrl: string | null;
  /** Over HTTP: the endpoint's answer to the interaction `deliver()` posted (202 once it is answered). */
  answer(interaction: ChatInputInteraction): Promise<InteractionAnswer>;
  /**
   * Dispatches a click on a button whose custom_id is `customId`, on `message` (default: an ephemeral
   * reply), by a member (default: no Manage Channels, no roles).
   */
  click(
    customId: string,
    extra?: { message?: ClickedMessage; userId?: string; roles?: string[]; permissions?: string },
  ): ChatInputInteraction;
  /** The first follow-up message the bot sent for the interaction (POST /webhooks/{app}/{token}). */
  followUp(
    interaction: ChatInputInteraction,
  ): Promise<DiscordRequest & { body: InteractionCallback['data'] }>;
  callback(interaction: ChatInputInteraction): Promise<DiscordRequest & { body: InteractionCallback }>;
  edit(
    interaction: ChatInputInteraction,
  ): Promise<DiscordRequest & { body: { embeds?: Record<string, unknown>[] } }>;
  stop(): Promise<void>;
}

export async function startDiscordHarness(options: HarnessOptions = {}): Promise<DiscordHarness> {
  const emulator = createEmulator({ seed: 7 });
  await emulator.start();
  const settings = emulator.settings();
  const client = createRealtimeKitClient({
    ...clientSettingsOf(settings),
    // One attempt: an injected fault is the answer, not something a retry hides.
    retries: 0,
  });
  const logs: string[] = [];
  // No `secrets`: redaction must not be what keeps the token out of the logs.
  const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const core = createCore({
    client,
    log,
    store: options.store ?? null,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const contexts: RequestContext[] = [];
  const recordingCore: Core = {
    replyToText: (text, context) => core.replyToText(text, context),
    replyToCommand: (command, context) => {
      contexts.push(context);
      return core.replyToCommand(command, context);
    },
  };

  // Over HTTP the application's record names the endpoint and the key, as the Developer Portal would.
  let server: HttpServer | null = null;
  let interactionsUrl: string | null = null;
  if (options.http) {
    server = createHttpServer({ log });
    interactionsUrl = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}${DISCORD_INTERACTIONS_PATH}`;
  }
  const discord = await startFakeDiscord({
    applicationId: APP_ID,
    ...(options.http
      ? { application: { verifyKey: options.http.publicKeyHex, interactionsEndpointUrl: interactionsUrl } }
      : {}),
  });
  const config: DiscordConfig = {
    botToken: BOT_TOKEN,
    applicationId: APP_ID,
    guildId: options.guildId === undefined ? GUILD_ID : options.guildId,
    apiUrl: discord.restUrl,
    notifyChannel: null,
    managerRoles: options.managerRoles ?? [],
    operatorRoles: options.operatorRoles ?? [],
    ...(options.http ? { interactions: { publicKey: options.http.publicKeyHex, port: 0 } } : {}),
  };
  let adapter: DiscordAdapter;
  try {
    adapter = await startDiscordAdapter({
      config,
      core: recordingCore,
      log,
      rest: { retries: 0 },
      ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}),
      ...(options.inputs ? { inputs: options.inputs } : {}),
      ...(server ? { server } : {}),
    });
  } catch (error) {
    await server?.close();
    await discord.close();
    await emulator.stop();
    throw error;
  }

  const issue: DiscordHarness['issue'] = (subcommand, values = {}, extra = {}) =>
    chatInputInteraction({
      applicationId: APP_ID,
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
      subcommand,
      options: values,
      ...extra,
    });
  const answers = new Map<string, Promise<InteractionAnswer>>();
  const deliver: DiscordHarness['deliver'] = (interaction) => {
    const { http } = options;
    if (!http || interactionsUrl === null) {
      discord.dispatch('INTERACTION_CREATE', interaction.payload);
      return;
    }
    const body = JSON.stringify(interaction.payload);
    const sent = postInteraction({ url: interactionsUrl, body, signer: http });
    // Handled here too: a test that never asks for the answer must not fail on one cut by stop().
    sent.catch(() => {});
    answers.set(interaction.id, sent);
  };

  return {
    discord,
    emulator,
    adapter,
    contexts,
    logs,
    issue,
    deliver,
    interactionsUrl,
    answer(interaction) {
      const answer = answers.get(interaction.id);
      if (!answer) throw new Error(`interaction ${interaction.id} was not delivered over HTTP`);
      return answer;
    },
    click(customId, extra = {}) {
      const interaction = componentInteraction({
        applicationId: APP_ID,
        guildId: GUILD_ID,
        channelId: CHANNEL_ID,
        customId,
        ...extra,
      });
      deliver(interaction);
      return interaction;
    },
    followUp: (interaction) =>
      discord.waitForRequest(
        (r) => r.method === 'POST' && r.route === `/webhooks/${APP_ID}/${interaction.token}`,
      ) as Promise<DiscordRequest & { body: InteractionCallback['data'] }>,
    run(subcommand, values = {}, extra = {}) {
      const interaction = issue(subcommand, values, extra);
      deliver(interaction);
      return interaction;
    },
    callback: (interaction) =>
      discord.waitForRequest(
        (r) =>
          r.method === 'POST' && r.route === `/interactions/${interaction.id}/${interaction.token}/callback`,
      ) as Promise<DiscordRequest & { body: InteractionCallback }>,
    edit: (interaction) =>
      discord.waitForRequest(
        (r) =>
          r.method === 'PATCH' && r.route === `/webhooks/${APP_ID}/${interaction.token}/messages/@original`,
      ) as Promise<DiscordRequest & { body: { embeds?: Record<string, unknown>[] } }>,
    async stop() {
      await adapter.stop();
      await server?.close();
      await discord.close();
      await emulator.stop();
    },
  };
}

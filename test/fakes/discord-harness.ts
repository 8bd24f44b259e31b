/**
 * The whole Discord path wired for tests: the real discord.js client (through `startDiscordAdapter`)
 * against the fake Discord, and the real core and RealtimeKit client against the embedded emulator.
 * `run()` dispatches a `/livestream` interaction; `callback()`/`edit()` wait for what the bot sent.
 * `issue()` only creates one (its id carries the time), for `deliver()` to dispatch later.
 */
import { type DiscordAdapter, startDiscordAdapter } from '../../adapters/discord/app.js';
import type { CommandLimits } from '../../src/command-limits.js';
import type { DiscordConfig } from '../../src/config.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
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

  const discord = await startFakeDiscord({ applicationId: APP_ID });
  const config: DiscordConfig = {
    botToken: BOT_TOKEN,
    applicationId: APP_ID,
    guildId: options.guildId === undefined ? GUILD_ID : options.guildId,
    apiUrl: discord.restUrl,
    notifyChannel: null,
    managerRoles: options.managerRoles ?? [],
    operatorRoles: options.operatorRoles ?? [],
  };
  let adapter: DiscordAdapter;
  try {
    adapter = await startDiscordAdapter({
      config,
      core: recordingCore,
      log,
      rest: { retries: 0 },
      ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}),
    });
  } catch (error) {
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
  const deliver: DiscordHarness['deliver'] = (interaction) =>
    discord.dispatch('INTERACTION_CREATE', interaction.payload);

  return {
    discord,
    emulator,
    adapter,
    contexts,
    logs,
    issue,
    deliver,
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
      await discord.close();
      await emulator.stop();
    },
  };
}

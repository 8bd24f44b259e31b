/**
 * The Discord adapter: a discord.js client with the Guilds intent only (no privileged intents:
 * slash commands arrive as interactions whatever the intents), `/livestream` registered at start,
 * and a Sink for notifications. `startDiscordAdapter` resolves once the gateway is READY.
 */
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  HTTPError,
  REST,
  type RESTOptions,
} from 'discord.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import type { Logger } from '../../src/log.js';
import type { Sink } from '../../src/sink.js';
import { COMMAND_NAME } from './commands.js';
import { createButtonHandler } from './components.js';
import { handleInteraction } from './interactions.js';
import { discordInviteUrl } from './invite.js';
import { registerCommands } from './register.js';
import { describeRegistrationError, discordRestOptions, discordSinkRestOptions } from './rest.js';
import { createDiscordSink } from './sink.js';

export interface DiscordAdapterArgs {
  config: DiscordConfig;
  core: Core;
  log: Logger;
  /** Answer directly when the core is faster than this; defer otherwise (see interactions.ts). */
  deferAfterMs?: number;
  /** Register `/livestream` at start (bulk overwrite, idempotent); default true. */
  registerCommands?: boolean;
  /** How long to wait for the gateway's READY before giving up; default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Extra @discordjs/rest options (tests lower `retries` and timeouts), for the bot's client and the
   * notification sink's own (which never retries: `discordSinkRestOptions`).
   */
  rest?: Partial<RESTOptions>;
}

export interface DiscordAdapter {
  platform: 'discord';
  sink: Sink;
  /** The logged-in client, for features that need more than the sink. */
  client: Client<true>;
  /** Whether the gateway connection is up now (it reconnects by itself after a drop). */
  connected(): boolean;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;

export async function startDiscordAdapter({
  config,
  core,
  log: parentLog,
  deferAfterMs,
  registerCommands: register = true,
  readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS,
  rest,
}: DiscordAdapterArgs): Promise<DiscordAdapter> {
  const log = parentLog.child({ platform: 'discord' });
  // Registration and the gateway can each take a while against a slow or hanging Discord: say so.
  log.info('connecting to Discord…', { api: config.apiUrl ?? 'https://discord.com/api' });
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: discordRestOptions(config, rest) });

  // Without an 'error' listener an emitted error would crash the process.
  client.on(Events.Error, (error) => log.error('discord client error', { error }));
  client.on(Events.Warn, (message) => log.warn('discord client warning', { message }));
  client.on(Events.ShardDisconnect, (event, shardId) =>
    log.warn('discord gateway disconnected', { code: event.code, shardId }),
  );
  // The gateway's state for /readyz: client.ws.status stays "ready" while a shard reconnects.
  let gatewayUp = false;
  client.on(Events.ShardReady, () => (gatewayUp = true));
  client.on(Events.ShardResume, () => (gatewayUp = true));
  client.on(Events.ShardReconnecting, () => (gatewayUp = false));
  client.on(Events.ShardDisconnect, () => (gatewayUp = false));
  // Clicks on the bot's buttons (see components.ts).
  const handleButton = createButtonHandler({
    core,
    config,
    log,
    ...(deferAfterMs !== undefined ? { deferAfterMs } : {}),
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isButton()) {
      handleButton(interaction).catch((error: unknown) =>
        log.error('a Discord button click failed', { error }),
      );
      return;
    }
    if (!interaction.isChatInputCommand() || interaction.commandName !== COMMAND_NAME) return;
    handleInteraction({
      interaction,
      core,
      config,
      log,
      ...(deferAfterMs !== undefined ? { deferAfterMs } : {}),
    }).catch((error: unknown) => log.error('a Discord interaction failed', { error }));
  });

  if (register) {
    // The REST client needs the token before login to register first: commands then exist by the
    // time the gateway delivers the first interaction.
    client.rest.setToken(config.botToken);
    try {
      const registration = await registerCommands({
        rest: client.rest,
        applicationId: config.applicationId,
        guildId: config.guildId,
      });
      log.info('registered Discord commands', { ...registration });
    } catch (error) {
      // Not fatal: the commands registered by an earlier start keep working.
      log.error('could not register Discord commands', {
        reason: describeRegistrationError({
          error,
          applicationId: config.applicationId,
          guildId: config.guildId,
        }),
      });
    }
  }

  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = new Promise<Client<true>>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the Discord gateway was not ready after ${readyTimeoutMs / 1000} s`)),
        readyTimeoutMs,
      );
      client.once(Events.ClientReady, resolve);
    });
    // login() itself waits for the gateway, so the ready deadline must race it, not follow it.
    const loggedIn = client.login(config.botToken).catch((error: unknown) => {
      throw loginError(error);
    });
    const readyClient = await Promise.race([loggedIn.then(() => ready), ready]);
    if (readyClient.application.id !== config.applicationId) {
      log.warn(
        'DISCORD_APPLICATION_ID is not the bot token’s application: /livestream is registered elsewhere',
        {
          configured: config.applicationId,
          actual: readyClient.application.id,
        },
      );
    }
    log.info('discord connected', { user: readyClient.user.tag, guilds: readyClient.guilds.cache.size });
    if (readyClient.guilds.cache.size === 0) {
      log.warn('the bot is in no Discord server yet: open inviteUrl to add it to one', {
        inviteUrl: discordInviteUrl(config.applicationId),
      });
    }

    // Channel posts go through a REST client of their own that never retries (a retried POST can be a
    // second message); interaction replies keep the bot client's retries.
    const sinkRest = new REST(discordSinkRestOptions(config, rest)).setToken(config.botToken);
    return {
      platform: 'discord',
      sink: createDiscordSink({ rest: sinkRest }),
      client: readyClient,
      connected: () => gatewayUp,
      async stop() {
        // No new interactions, and no "disconnected" warning for a shutdown we asked for.
        client.removeAllListeners(Events.InteractionCreate);
        client.removeAllListeners(Events.ShardDisconnect);
        sinkRest.clearHashSweeper();
        sinkRest.clearHandlerSweeper();
        await client.destroy();
      },
    };
  } catch (error) {
    await client.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Why login failed, as a sentence: a refused token is not an unreachable Discord. */
function loginError(error: unknown): Error {
  if ((error as { code?: unknown } | null)?.code === 'TokenInvalid') {
    const said = error instanceof Error ? ` (${error.message})` : '';
    return new Error(
      `Discord refused DISCORD_BOT_TOKEN${said}: copy a fresh token from the Bot page of your Discord application (see docs/discord.md)`,
      { cause: error },
    );
  }
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error as Error;
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `could not reach Discord (${message}): check the network, a proxy or firewall, or DISCORD_API_URL; the token was not checked`,
    { cause: error },
  );
}

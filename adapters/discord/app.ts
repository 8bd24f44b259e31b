/**
 * The Discord adapter: `/livestream` registered at start, interactions answered, and a Sink for
 * notifications (REST only). Interactions come one of two ways, which Discord keeps exclusive:
 * - the gateway (the default): a discord.js client with the Guilds intent only (no privileged intents:
 *   slash commands arrive as interactions whatever the intents); `startDiscordAdapter` resolves once
 *   it is READY;
 * - HTTP (DISCORD_PUBLIC_KEY set): Discord posts them, signed, to the Interactions Endpoint URL
 *   (http-interactions.ts), so replicas behind a load balancer all serve commands. No gateway session
 *   is opened then: it would bring nothing (notifications and answers are REST) but a second door for
 *   the same interaction, and one session per replica. The bot then shows as offline in member lists.
 * Both ways end in the same dispatch (dispatch.ts).
 */
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  HTTPError,
  REST,
  type RESTGetCurrentApplicationResult,
  type RESTOptions,
  Routes,
} from 'discord.js';
import type { DiscordConfig, DiscordInteractionsConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import type { HttpServer } from '../../src/http/server.js';
import { type InputGate, memoryInputGate } from '../../src/inputs.js';
import type { Logger } from '../../src/log.js';
import type { Sink } from '../../src/sink.js';
import { createDispatcher, type Dispatch } from './dispatch.js';
import { createInteractionsRoute, DISCORD_INTERACTIONS_PATH, discordPublicKey } from './http-interactions.js';
import { discordInviteUrl } from './invite.js';
import { registerCommands } from './register.js';
import { describeRegistrationError, discordRestOptions, discordSinkRestOptions } from './rest.js';
import { createDiscordSink } from './sink.js';

export interface DiscordAdapterArgs {
  config: DiscordConfig;
  core: Core;
  log: Logger;
  /** Answer directly when the claim and the core take less than this; defer otherwise (deadline.ts). */
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
  /**
   * Repeated interactions (`discord:<id>`: one process answers each) and double clicks: default in
   * memory (one bot); the shared store for replicas.
   */
  inputs?: InputGate;
  /** Interactions over HTTP: the bot's HTTP server (listening on PORT) to mount the endpoint on. */
  server?: HttpServer;
  /** Milliseconds since the epoch (a signed request's age, the in-memory windows); default Date.now. */
  now?: () => number;
}

export interface DiscordAdapter {
  platform: 'discord';
  sink: Sink;
  /** The logged-in gateway client, for features that need more than the sink; null over HTTP. */
  client: Client<true> | null;
  /** Whether interactions can reach the bot now (the gateway reconnects by itself after a drop). */
  connected(): boolean;
  stop(): Promise<void>;
}

/** How interactions reach this adapter, once started. */
interface Inbound {
  client: Client<true> | null;
  connected(): boolean;
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;

export async function startDiscordAdapter(args: DiscordAdapterArgs): Promise<DiscordAdapter> {
  const { config } = args;
  const log = args.log.child({ platform: 'discord' });
  const dispatch = createDispatcher({
    core: args.core,
    config,
    log,
    ...(args.deferAfterMs !== undefined ? { deferAfterMs: args.deferAfterMs } : {}),
    // In memory, ids are kept for as long as an interaction's token is valid (REPEAT_WINDOW_MS).
    inputs: args.inputs ?? memoryInputGate(args.now),
  });
  // Registration and the gateway can each take a while against a slow or hanging Discord: say so.
  log.info('connecting to Discord…', {
    api: config.apiUrl ?? 'https://discord.com/api',
    interactions: config.interactions ? 'http' : 'gateway',
  });
  const inbound = config.interactions
    ? await startHttpInbound({ ...args, log, dispatch, interactions: config.interactions })
    : await startGatewayInbound({ ...args, log, dispatch });

  // Channel posts go through a REST client of their own that never retries (a retried POST can be a
  // second message); interaction answers keep the bot client's retries.
  const sinkRest = new REST(discordSinkRestOptions(config, args.rest)).setToken(config.botToken);
  return {
    platform: 'discord',
    sink: createDiscordSink({ rest: sinkRest }),
    client: inbound.client,
    connected: () => inbound.connected(),
    async stop() {
      await inbound.stop();
      sinkRest.clearHashSweeper();
      sinkRest.clearHandlerSweeper();
    },
  };
}

type InboundArgs = DiscordAdapterArgs & { log: Logger; dispatch: Dispatch };

/** Registers `/livestream` (unless told not to): a failure is logged, not fatal. */
async function registerAtStart({ config, log, registerCommands: register = true }: InboundArgs, rest: REST) {
  if (!register) return;
  try {
    const registration = await registerCommands({
      rest,
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

async function startGatewayInbound(args: InboundArgs): Promise<Inbound> {
  const { config, log, dispatch, readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS } = args;
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: discordRestOptions(config, args.rest),
  });

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
  // Commands and clicks, from the gateway's own payload: the same JSON the HTTP endpoint receives.
  client.ws.on(GatewayDispatchEvents.InteractionCreate, (payload: unknown) => {
    dispatch(payload, { rest: client.rest }).catch((error: unknown) =>
      log.error('a Discord interaction failed', { error }),
    );
  });

  // The REST client needs the token before login to register first: commands then exist by the
  // time the gateway delivers the first interaction.
  client.rest.setToken(config.botToken);
  await registerAtStart(args, client.rest);

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
    warnIfOtherApplication(readyClient.application.id, config, log);
    log.info('discord connected', { user: readyClient.user.tag, guilds: readyClient.guilds.cache.size });
    if (readyClient.guilds.cache.size === 0) warnNoServer(config, log);
    return {
      client: readyClient,
      connected: () => gatewayUp,
      async stop() {
        // No new interactions, and no "disconnected" warning for a shutdown we asked for.
        client.ws.removeAllListeners(GatewayDispatchEvents.InteractionCreate);
        client.removeAllListeners(Events.ShardDisconnect);
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

async function startHttpInbound(
  args: InboundArgs & { interactions: DiscordInteractionsConfig },
): Promise<Inbound> {
  const { config, log, dispatch, interactions, server } = args;
  if (!server) throw new Error('Discord interactions over HTTP need the bot’s HTTP server to mount on');
  const publicKey = discordPublicKey(interactions.publicKey);
  const rest = new REST(discordRestOptions(config, args.rest)).setToken(config.botToken);
  const clearRest = () => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  };
  let unmount: (() => void) | null = null;
  try {
    // No gateway login checks the token here: the application's own record does, and tells more.
    const application = await rest.get(Routes.currentApplication()).catch((error: unknown) => {
      throw loginError(error);
    });
    checkApplication(application as RESTGetCurrentApplicationResult, config, interactions, log);
    await registerAtStart(args, rest);
    unmount = server.route(
      DISCORD_INTERACTIONS_PATH,
      createInteractionsRoute({ publicKey, dispatch, rest, log, ...(args.now ? { now: args.now } : {}) }),
    );
    log.info('discord interactions over HTTP', { path: DISCORD_INTERACTIONS_PATH, port: server.port });
  } catch (error) {
    clearRest();
    throw error;
  }
  return {
    client: null,
    connected: () => unmount !== null,
    async stop() {
      unmount?.();
      unmount = null;
      clearRest();
    },
  };
}

/**
 * What the application's record says about the settings: the application id, the public key the
 * signatures are checked with, whether Discord posts interactions at all, and whether the bot is in a
 * server yet. Each is a warning: the start goes on.
 */
function checkApplication(
  application: RESTGetCurrentApplicationResult,
  config: DiscordConfig,
  interactions: DiscordInteractionsConfig,
  log: Logger,
): void {
  warnIfOtherApplication(application.id, config, log);
  if (application.verify_key.toLowerCase() !== interactions.publicKey.toLowerCase()) {
    log.warn(
      'DISCORD_PUBLIC_KEY is not this application’s Public Key: every interaction would be refused (401). Copy it from the General Information page',
    );
  }
  if (!application.interactions_endpoint_url) {
    log.warn(
      `the application has no Interactions Endpoint URL, so Discord sends commands over the gateway, which this bot does not open with DISCORD_PUBLIC_KEY set: set it to your public URL + ${DISCORD_INTERACTIONS_PATH} (see docs/discord.md)`,
    );
  }
  if (application.approximate_guild_count === 0) warnNoServer(config, log);
}

function warnIfOtherApplication(actualId: string, config: DiscordConfig, log: Logger): void {
  if (actualId === config.applicationId) return;
  log.warn('DISCORD_APPLICATION_ID is not the bot token’s application: /livestream is registered elsewhere', {
    configured: config.applicationId,
    actual: actualId,
  });
}

function warnNoServer(config: DiscordConfig, log: Logger): void {
  log.warn('the bot is in no Discord server yet: open inviteUrl to add it to one', {
    inviteUrl: discordInviteUrl(config.applicationId),
  });
}

/** Why login (or the first REST call over HTTP) failed, as a sentence: a refused token is not an unreachable Discord. */
function loginError(error: unknown): Error {
  const refused = error instanceof DiscordAPIError && error.status === 401;
  if (refused || (error as { code?: unknown } | null)?.code === 'TokenInvalid') {
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

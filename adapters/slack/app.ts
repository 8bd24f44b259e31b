/**
 * The Slack adapter: a Bolt app with one slash command, over Socket Mode when SLACK_APP_TOKEN is set
 * (no public URL needed) or over HTTP at /slack/events otherwise, plus the channel Sink. In HTTP mode
 * Bolt's receiver is a route on the bot's one HTTP server (src/http/server.ts), which webhooks share;
 * started alone, the adapter runs such a server of its own on PORT.
 */
import {
  App,
  type BlockAction,
  type ButtonAction,
  HTTPReceiver,
  type Receiver,
  SocketModeReceiver,
  type webApi,
} from '@slack/bolt';
import type { SlackConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { createHttpServer, type HttpServer, HttpListenError, sendText } from '../../src/http/server.js';
import type { Logger } from '../../src/log.js';
import type { Sink } from '../../src/sink.js';
import { type InputGate, memoryInputGate } from '../../src/inputs.js';
import { createActionListener } from './actions.js';
import { createBoltLogger } from './bolt-logger.js';
import { createCommandListener } from './command.js';
import { SLASH_COMMAND } from './manifest.js';
import { ACTION_PREFIX } from './render.js';
import { refuseFutureDatedRequests } from './request-window.js';
import { describeSlackStartError } from './start-errors.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from './sink.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackAdapterOptions {
  config: SlackConfig;
  core: Core;
  log: Logger;
  /** HTTP mode only: the interface to listen on; default every interface. Tests pass 127.0.0.1. */
  host?: string;
  /**
   * HTTP mode only: the bot's shared server, already listening, to mount /slack/events on (its owner
   * closes it). Without it the adapter listens on `config.port` itself.
   */
  server?: HttpServer;
  /** How long a Web API call may take (auth.test at start, posts): default SLACK_CLIENT_OPTIONS' 15 s. */
  clientTimeoutMs?: number;
  /** Repeated deliveries and double clicks: default in memory (one bot); the shared store for replicas. */
  inputs?: InputGate;
}

export interface SlackAdapter {
  platform: 'slack';
  mode: 'socket' | 'http';
  /** Posts to channels the bot is in (notifications). */
  sink: Sink;
  /** HTTP mode: the port actually listened on (PORT=0 picks a free one). */
  port?: number;
  /** Whether Slack can reach the bot now (/readyz): Socket Mode's WebSocket is up; HTTP mode listens. */
  connected(): boolean;
  stop(): Promise<void>;
}

/** stop() waits this long at most for Slack to answer the WebSocket close. */
const SOCKET_CLOSE_TIMEOUT_MS = 5_000;

export async function startSlackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const { config, core } = options;
  // One gate for commands and clicks: a trigger_id is claimed once, whichever listener sees it.
  const inputs = options.inputs ?? memoryInputGate();
  const log = options.log.child({ component: 'slack' });
  const logger = createBoltLogger({ log });
  const slackApiUrl = config.apiUrl ? `${config.apiUrl}/` : undefined;
  const timeoutMs = options.clientTimeoutMs ?? SLACK_CLIENT_OPTIONS.timeout;
  const clientOptions: webApi.WebClientOptions = {
    ...SLACK_CLIENT_OPTIONS,
    timeout: timeoutMs,
    ...(slackApiUrl ? { slackApiUrl } : {}),
  };
  const transport = createTransport({
    config,
    log,
    logger,
    slackApiUrl,
    ...(options.host ? { host: options.host } : {}),
    ...(options.server ? { server: options.server } : {}),
  });

  const app = new App({
    token: config.botToken,
    receiver: transport.receiver,
    logger,
    clientOptions,
    // auth.test runs in init() below, so a bad SLACK_BOT_TOKEN stops the start with a clear error.
    deferInitialization: true,
  });
  app.command(
    SLASH_COMMAND,
    createCommandListener({
      core,
      log,
      managers: config.managers,
      operators: config.operators ?? [],
      inputs,
    }),
  );
  // Button clicks: every button the renderer makes has an action_id with this prefix.
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^${ACTION_PREFIX}`) },
    createActionListener({
      core,
      log,
      managers: config.managers,
      operators: config.operators ?? [],
      inputs,
    }),
  );
  app.error(async (error) => {
    log.error('unhandled error in the Slack app', { error });
  });

  try {
    await app.init();
  } catch (error) {
    // Unreachable (no network, DNS, timeout) is not a refused token: see start-errors.ts.
    throw new Error(describeSlackStartError(error, { timeoutMs }), {
      cause: error,
    });
  }
  const connected = watchConnection(transport.receiver);
  let port: number | undefined;
  try {
    port = await transport.start(app);
  } catch (error) {
    // Socket Mode may still be retrying in the background: make sure it gives up.
    await transport.stop(app).catch(() => {});
    // HTTP mode: the server's HttpListenError already names PORT.
    if (error instanceof HttpListenError) throw error;
    throw startError(
      transport.mode === 'socket'
        ? 'could not open a Socket Mode connection: check SLACK_APP_TOKEN (xapp-…, with connections:write)'
        : 'could not serve Slack over HTTP',
      error,
    );
  }
  log.info('Slack adapter started', { mode: transport.mode, ...(port !== undefined ? { port } : {}) });

  return {
    platform: 'slack',
    mode: transport.mode,
    sink: createSlackSink({ client: app.client, log }),
    ...(port !== undefined ? { port } : {}),
    connected,
    stop: async () => {
      await transport.stop(app);
      log.info('Slack adapter stopped');
    },
  };
}

interface Transport {
  mode: 'socket' | 'http';
  receiver: Receiver;
  /** Resolves once connected (Socket Mode: Slack's hello) or listening (HTTP: with the port). */
  start(app: App): Promise<number | undefined>;
  stop(app: App): Promise<void>;
}

function createTransport(args: {
  config: SlackConfig;
  log: Logger;
  logger: ReturnType<typeof createBoltLogger>;
  slackApiUrl: string | undefined;
  host?: string;
  server?: HttpServer;
}): Transport {
  const { config, logger, slackApiUrl } = args;
  if (config.appToken) {
    const receiver = new SocketModeReceiver({
      appToken: config.appToken,
      logger,
      // Only the base URL: apps.connections.open keeps socket-mode's own patient retries, so a
      // reconnect after a network blip is not given up at the first failure.
      installerOptions: { clientOptions: slackApiUrl ? { slackApiUrl } : {} },
    });
    return {
      mode: 'socket',
      receiver,
      start: async (app) => {
        await app.start();
        return undefined;
      },
      // SocketModeReceiver.stop() does not wait for the close handshake; disconnect() does.
      stop: () => withTimeout(receiver.client.disconnect(), SOCKET_CLOSE_TIMEOUT_MS),
    };
  }
  if (!config.signingSecret)
    throw new Error('SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN)');
  const receiver = new HTTPReceiver({
    signingSecret: config.signingSecret,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    // The listener acks first and answers through respond(), so the HTTP answer need not wait for it.
    processBeforeResponse: false,
  });
  // Bolt checks only that a signed request is not too old; it must not be dated too far ahead either.
  refuseFutureDatedRequests(receiver, args.log);
  const shared = args.server;
  let own: HttpServer | null = null;
  let unmount: (() => void) | null = null;
  return {
    mode: 'http',
    receiver,
    // Bolt's own server (app.start()) is not used: its request listener is a route on ours.
    start: async () => {
      const server = shared ?? (own = createHttpServer({ log: args.log }));
      unmount = server.route(SLACK_EVENTS_PATH, (request, response) => {
        if (request.method !== 'POST') {
          request.resume();
          response.setHeader('allow', 'POST');
          sendText(response, 405, 'Method not allowed');
          return;
        }
        // Read at each request: refuseFutureDatedRequests replaced the receiver's listener.
        receiver.requestListener(request, response);
      });
      if (own) return own.listen(config.port, args.host);
      return shared?.port ?? undefined;
    },
    stop: async () => {
      unmount?.();
      unmount = null;
      await own?.close();
      own = null;
    },
  };
}

/** Socket Mode: follows the client's WebSocket (it reconnects by itself). HTTP mode: always up. */
function watchConnection(receiver: Receiver): () => boolean {
  if (!(receiver instanceof SocketModeReceiver)) return () => true;
  let up = false;
  receiver.client.on('connected', () => {
    up = true;
  });
  // 'close': the WebSocket dropped ('reconnecting' comes only after the client's delay before retrying).
  for (const state of ['close', 'reconnecting', 'disconnecting', 'disconnected'])
    receiver.client.on(state, () => {
      up = false;
    });
  return () => up;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startError(message: string, cause: unknown): Error {
  const detail =
    (cause as { data?: { error?: unknown } } | null)?.data?.error ??
    (cause instanceof Error ? cause.message : null);
  return new Error(detail ? `${message}: ${String(detail)}` : message, { cause });
}

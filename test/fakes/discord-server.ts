/**
 * A fake Discord for driving the real discord.js client offline: REST under `/api/v10` and a gateway
 * WebSocket at `/gateway`, on one 127.0.0.1 port. It answers what the bot uses (gateway discovery, the
 * application's record, command registration, interaction callbacks, webhook edits and follow-ups,
 * channel messages), records every
 * REST request, and resolves `waitForRequest` promises as requests arrive: tests never sleep.
 * Channel messages follow Discord's nonce rule: a create with `enforce_nonce` and a `nonce` the same
 * bot used in the last few minutes returns the message it created then, and creates nothing.
 * Where discord.js needs the fake to answer just so, the code says why ("Pitfall Dn").
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { SnowflakeUtil } from 'discord.js';

export interface DiscordRequest {
  method: string;
  /** Decoded and relative to `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  route: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /**
   * Parsed JSON, or the raw text when it is not JSON (undefined when empty). A multipart request's
   * `payload_json`, parsed, with its files in `files`.
   */
  body: unknown;
  /** The file parts of a multipart/form-data request (`files[0]`, …), in order. */
  files?: DiscordFilePart[];
}

export interface DiscordFilePart {
  /** The form field: `files[0]`. */
  field: string;
  filename: string;
  contentType: string | null;
  bytes: Uint8Array;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

export type Answerer = FakeAnswer | ((request: DiscordRequest) => FakeAnswer);

export interface FakeGuild {
  id: string;
  name?: string;
  channels?: { id: string; name?: string }[];
}

export interface FakeDiscordOptions {
  applicationId: string;
  /** How long a message nonce is remembered (Discord: "the past few minutes"); default 5 min. */
  nonceWindowMs?: number;
  botUserId?: string;
  /** Guilds announced in READY, each followed by its GUILD_CREATE (pitfall D3). Default none. */
  guilds?: FakeGuild[];
  /**
   * The application's record (`GET /applications/@me`): its Public Key (hex) and Interactions Endpoint
   * URL. Defaults: a key of zeros, no endpoint URL.
   */
  application?: { verifyKey?: string; interactionsEndpointUrl?: string | null };
}

export interface Identify {
  token: string;
  intents: number;
}

export interface FakeDiscord {
  /** For `rest: { api }` and DISCORD_API_URL: `http://127.0.0.1:PORT/api`. */
  readonly restUrl: string;
  readonly gatewayUrl: string;
  readonly requests: readonly DiscordRequest[];
  /** Every channel message created (a repeated nonce creates none), in order. */
  readonly messages: readonly CreatedMessage[];
  /** Every IDENTIFY the gateway received. */
  readonly identifies: readonly Identify[];
  /** Answers matching requests (`times` of them, default every one) before the built-in routes. */
  answer(method: string, route: string | RegExp, answerer: Answerer, times?: number): void;
  /**
   * The next `times` matching requests are answered `delayMs` late, whoever answers them: the platform
   * did the work (a message is created) but the client may have given up waiting.
   */
  delay(method: string, route: string | RegExp, delayMs: number, times?: number): void;
  /** Resolves with the first recorded request (past or future) that matches. */
  waitForRequest(match: (request: DiscordRequest) => boolean, timeoutMs?: number): Promise<DiscordRequest>;
  /** Sends a gateway dispatch (`op 0`) to every connected client. */
  dispatch(type: string, data: unknown): void;
  close(): Promise<void>;
}

export interface CreatedMessage {
  channelId: string;
  id: string;
  body: unknown;
  nonce: string | null;
}

const JSON_TYPE = 'application/json';

/**
 * A multipart/form-data body as @discordjs/rest sends it (undici's FormData): `payload_json` parsed,
 * file parts kept as bytes. Null when the request is not multipart.
 */
function readMultipart(
  contentType: string | undefined,
  raw: Buffer,
): { body: unknown; files: DiscordFilePart[] } | null {
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const files: DiscordFilePart[] = [];
  let body: unknown;
  let at = raw.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    const next = raw.indexOf(delimiter, start);
    if (next < 0) break;
    // Each part: CRLF, headers, a blank line, the data, CRLF before the next delimiter.
    const part = raw.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, split).toString('utf8');
    const data = part.subarray(split + 4);
    const field = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename !== undefined) {
      const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim() ?? null;
      files.push({ field, filename, contentType: type, bytes: new Uint8Array(data) });
    } else if (field === 'payload_json') body = JSON.parse(data.toString('utf8')) as unknown;
    at = next;
  }
  return { body, files };
}
const CHANNEL_MESSAGES = /^\/channels\/(\d+)\/messages$/;
/** https://discord.com/developers/docs/resources/message#create-message: nonce, "max 25 characters". */
const MAX_NONCE_LENGTH = 25;

/** A message create's nonce, as Discord reads it (a string or an integer), or null without one. */
function nonceOf(body: unknown): string | null {
  const nonce = (body as { nonce?: unknown } | null)?.nonce;
  return typeof nonce === 'string' || typeof nonce === 'number' ? String(nonce) : null;
}
/** A unique id that carries the current time, as Discord's do (interactions' createdTimestamp reads it). */
export function snowflake(): string {
  return String(SnowflakeUtil.generate());
}

/** A channel message as Discord returns it, built from what the bot sent. */
export function messageObject(
  channelId: string,
  body: unknown,
  applicationId: string,
  id: string = snowflake(),
): Record<string, unknown> {
  const sent = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return {
    id,
    channel_id: channelId,
    type: 0,
    content: typeof sent.content === 'string' ? sent.content : '',
    author: {
      id: applicationId,
      username: 'test-bot',
      discriminator: '0000',
      bot: true,
      avatar: null,
      global_name: null,
    },
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: Array.isArray(sent.embeds) ? sent.embeds : [],
    components: [],
    pinned: false,
    flags: typeof sent.flags === 'number' ? sent.flags : 0,
  };
}

export async function startFakeDiscord(options: FakeDiscordOptions): Promise<FakeDiscord> {
  const { applicationId } = options;
  const botUserId = options.botUserId ?? applicationId;
  const requests: DiscordRequest[] = [];
  const identifies: Identify[] = [];
  const scripted: { method: string; route: string | RegExp; answerer: Answerer; remaining: number }[] = [];
  const delays: { method: string; route: string | RegExp; delayMs: number; remaining: number }[] = [];
  const messages: CreatedMessage[] = [];
  /** `${authorization} ${channel} ${nonce}` -> the message that nonce created, and when. */
  const nonces = new Map<string, { message: unknown; at: number }>();
  const nonceWindowMs = options.nonceWindowMs ?? 5 * 60_000;
  const waiters = new Set<{ match: (r: DiscordRequest) => boolean; resolve: (r: DiscordRequest) => void }>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';
  let sequence = 0;

  const builtIn = (request: DiscordRequest): FakeAnswer => {
    const { method, route } = request;
    if (method === 'GET' && route === '/gateway/bot') {
      return {
        body: {
          url: `${origin.replace('http', 'ws')}/gateway`,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      };
    }
    if (method === 'GET' && route === '/applications/@me') {
      // What the bot reads of its application at an HTTP-mode start (https://discord.com/developers/docs/resources/application).
      return {
        body: {
          id: applicationId,
          name: 'test-app',
          icon: null,
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: options.application?.verifyKey ?? '0'.repeat(64),
          flags: 0,
          interactions_endpoint_url: options.application?.interactionsEndpointUrl ?? null,
          approximate_guild_count: (options.guilds ?? []).length,
        },
      };
    }
    if (method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(route)) {
      const guildId = /\/guilds\/(\d+)\//.exec(route)?.[1];
      const commands = Array.isArray(request.body) ? request.body : [];
      return {
        body: commands.map((command: Record<string, unknown>) => ({
          ...command,
          id: snowflake(),
          application_id: applicationId,
          version: snowflake(),
          ...(guildId ? { guild_id: guildId } : {}),
        })),
      };
    }
    if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(route)) return { status: 204 };
    const webhook = /^\/webhooks\/\d+\/[^/]+(\/messages\/@original)?$/.exec(route);
    if (webhook && (method === 'PATCH' || method === 'POST')) {
      return { body: messageObject('0', request.body, applicationId) };
    }
    // deleteReply(): the deferred or original response goes.
    if (webhook?.[1] && method === 'DELETE') return { status: 204 };
    const channel = /^\/channels\/(\d+)\/messages(\/\d+)?$/.exec(route);
    if (channel && (method === 'POST' || method === 'PATCH')) {
      return { body: messageObject(channel[1]!, request.body, applicationId) };
    }
    return { status: 404, body: { message: `404: Not Found (fake has no ${method} ${route})`, code: 0 } };
  };

  const matches = (request: DiscordRequest, s: { method: string; route: string | RegExp }) =>
    s.method === request.method &&
    (typeof s.route === 'string' ? s.route === request.route : s.route.test(request.route));

  const pick = (request: DiscordRequest): FakeAnswer => {
    const index = scripted.findIndex((s) => matches(request, s));
    if (index < 0) return builtIn(request);
    const entry = scripted[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) scripted.splice(index, 1);
    return typeof entry.answerer === 'function' ? entry.answerer(request) : entry.answerer;
  };

  /**
   * Discord's nonce rule for channel messages: an over-long nonce is refused; a repeated one (with
   * `enforce_nonce`, same bot, same channel, within the window) gets the first message back. Null: not
   * decided here (the scripts and built-in routes answer); a created message is recorded either way.
   */
  const answerMessageCreate = (request: DiscordRequest): FakeAnswer | null => {
    const channelId = request.method === 'POST' ? CHANNEL_MESSAGES.exec(request.route)?.[1] : undefined;
    if (!channelId) return null;
    const nonce = nonceOf(request.body);
    if (nonce !== null && nonce.length > MAX_NONCE_LENGTH) {
      return {
        status: 400,
        body: {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] },
          },
        },
      };
    }
    const enforced = nonce !== null && (request.body as { enforce_nonce?: unknown }).enforce_nonce === true;
    const key = `${String(request.headers.authorization)} ${channelId} ${nonce}`;
    const seen = enforced ? nonces.get(key) : undefined;
    if (seen && Date.now() - seen.at <= nonceWindowMs) return { body: seen.message };
    const answer = pick(request);
    const created = answer.body as { id?: unknown } | undefined;
    if ((answer.status ?? 200) < 300 && typeof created?.id === 'string') {
      messages.push({ channelId, id: created.id, body: request.body, nonce });
      if (enforced) nonces.set(key, { message: answer.body, at: Date.now() });
    }
    return answer;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      // Attachments come as multipart/form-data: the message as `payload_json`, each file a part.
      const multipart = readMultipart(req.headers['content-type'], Buffer.concat(chunks));
      try {
        body = multipart ? multipart.body : raw === '' ? undefined : JSON.parse(raw);
      } catch {
        body = raw;
      }
      const request: DiscordRequest = {
        method: req.method ?? 'GET',
        // Pitfall D2: `@original` arrives as `%40original`.
        route: decodeURIComponent(url.pathname).replace(/^\/api\/v10/, ''),
        query: url.searchParams,
        headers: req.headers,
        body,
        ...(multipart ? { files: multipart.files } : {}),
      };
      requests.push(request);
      for (const waiter of waiters) {
        if (waiter.match(request)) {
          waiters.delete(waiter);
          waiter.resolve(request);
        }
      }
      let answer = answerMessageCreate(request) ?? pick(request);
      const delayIndex = delays.findIndex((d) => matches(request, d));
      if (delayIndex >= 0) {
        const delayed = delays[delayIndex]!;
        answer = { ...answer, delayMs: Math.max(answer.delayMs ?? 0, delayed.delayMs) };
        delayed.remaining -= 1;
        if (delayed.remaining <= 0) delays.splice(delayIndex, 1);
      }
      const send = () => {
        const status = answer.status ?? 200;
        if (answer.body === undefined) {
          res.writeHead(status, answer.headers ?? {});
          res.end();
          return;
        }
        // Pitfall D1: @discordjs/rest parses JSON only with this content type.
        res.writeHead(status, { 'content-type': JSON_TYPE, ...answer.headers });
        res.end(JSON.stringify(answer.body));
      };
      if (answer.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, answer.delayMs);
        timers.add(timer);
      } else send();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const gateway = new WebSocketServer({ server, path: '/gateway' });
  const clients = new Set<WebSocket>();
  const sendFrame = (
    ws: WebSocket,
    frame: { op: number; d: unknown; s?: number | null; t?: string | null },
  ) => ws.send(JSON.stringify({ s: null, t: null, ...frame }));
  const dispatchTo = (ws: WebSocket, type: string, data: unknown) => {
    sequence += 1;
    sendFrame(ws, { op: 0, t: type, s: sequence, d: data });
  };
  gateway.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    sendFrame(ws, { op: 10, d: { heartbeat_interval: 41_250 } });
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> };
      if (frame.op === 1) sendFrame(ws, { op: 11, d: null });
      if (frame.op !== 2) return;
      identifies.push({ token: String(frame.d.token), intents: Number(frame.d.intents) });
      const guilds = options.guilds ?? [];
      dispatchTo(ws, 'READY', {
        v: 10,
        user: {
          id: botUserId,
          username: 'test-bot',
          discriminator: '0000',
          global_name: null,
          avatar: null,
          bot: true,
        },
        guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: 'fake-session-1',
        // Pitfall D9: a resume must come back here.
        resume_gateway_url: `${origin.replace('http', 'ws')}/gateway`,
        shard: [0, 1],
        application: { id: applicationId, flags: 0 },
      });
      for (const guild of guilds) {
        dispatchTo(ws, 'GUILD_CREATE', {
          id: guild.id,
          name: guild.name ?? 'Fake guild',
          owner_id: botUserId,
          unavailable: false,
          roles: [
            {
              id: guild.id,
              name: '@everyone',
              permissions: '0',
              position: 0,
              color: 0,
              hoist: false,
              managed: false,
              mentionable: false,
            },
          ],
          channels: (guild.channels ?? []).map((channel, position) => ({
            id: channel.id,
            type: 0,
            name: channel.name ?? 'general',
            position,
            permission_overwrites: [],
          })),
          members: [],
        });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    restUrl: `${origin}/api`,
    gatewayUrl: `${origin.replace('http', 'ws')}/gateway`,
    requests,
    messages,
    identifies,
    answer(method, route, answerer, times = Number.POSITIVE_INFINITY) {
      scripted.push({ method: method.toUpperCase(), route, answerer, remaining: times });
    },
    delay(method, route, delayMs, times = 1) {
      delays.push({ method: method.toUpperCase(), route, delayMs, remaining: times });
    },
    waitForRequest(match, timeoutMs = 10_000) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (request: DiscordRequest) => {
            clearTimeout(timer);
            resolve(request);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const got = requests.map((r) => `${r.method} ${r.route}`).join(', ') || 'none';
          reject(new Error(`fake Discord: no matching request within ${timeoutMs} ms (received: ${got})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    dispatch(type, data) {
      for (const ws of clients) dispatchTo(ws, type, data);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const ws of clients) ws.terminate();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}

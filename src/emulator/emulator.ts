/**
 * An embedded RealtimeKit API: a node:http server answering the five livestream endpoints the way
 * docs/emulator.md says the real one most likely does, with a simulated stream
 * lifecycle for the offline demo and controls (faults, request log, statuses) for tests.
 *
 * Choices where the API documents nothing:
 * - `per_page` defaults to 25 and is clamped to MAX_PER_PAGE (100); `page_no` is 1-based.
 * - `paging.start_offset`/`end_offset` are 1-based and inclusive (an empty page has end < start).
 * - A wrong account id is 403 code 10000 (the token is not valid for that account, as Cloudflare's
 *   gateway answers); a wrong app id is RealtimeKit's 404 "App not found".
 * - An unknown route (including a known path with the wrong method) is 400 code 7000, checked before
 *   the token, as Cloudflare's gateway does.
 * - `Ratelimit`/`Ratelimit-Policy` headers are sent (1,200 per 5 minutes) but never enforced: inject a
 *   429 fault to test rate limiting.
 */
import type { EmulatorSettings } from './settings.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { addDemoHistory, matchAnalyticsRoute } from './analytics.js';
import { DEMO_MEETINGS, demoLivestreams } from './demo.js';
import { type Fault, FaultQueue, isDestroyFault, isRawBodyFault, isStatusFault } from './faults.js';
import { createPrng, type Prng, randomSeed } from './prng.js';
import { type Answer, gatewayError, matchRoute, noRoute, rtkError } from './routes.js';
import {
  createWebhookService,
  type EmulatorWebhookOptions,
  type EmulatorWebhooks,
  WELL_KNOWN_KEY_PATH,
  type WebhookService,
} from './webhooks.js';
import {
  type LivestreamInput,
  LivestreamStore,
  type MeetingInput,
  type PastSessionInput,
  type StatusChange,
  type WireLivestream,
  type WireMeeting,
  type WireSession,
} from './store.js';

export type { DelayFault, DestroyFault, Fault, RawBodyFault, StatusFault } from './faults.js';
export { DEFAULT_PER_PAGE } from './routes.js';
export type {
  LivestreamInput,
  MeetingInput,
  PastSessionInput,
  StatusChange,
  WireLivestream,
  WireMeeting,
  WireSession,
} from './store.js';

export interface EmulatorOptions {
  /** The API token clients must send; default: generated from the seed. */
  token?: string;
  /** At most 32 characters; default: 32 hex characters from the seed. */
  accountId?: string;
  appId?: string;
  /** The clock for every timestamp; default the real one. Tests pass a controllable one. */
  now?: () => Date;
  /** Seeds ids, keys and the simulation, so a run replays exactly; default random. */
  seed?: number;
  /** How many friendly demo livestreams to start with; default 0. With any, the demo's meetings too. */
  livestreams?: number;
  /**
   * Days of past sessions to start with (a few regular livestreams that have streamed for weeks), so
   * the analytics (`stats`) have a picture; default 0. Drawn from the seed too.
   */
  historyDays?: number;
  /** Webhook delivery: retry waits and per-attempt timeout (tests shorten them). */
  webhooks?: EmulatorWebhookOptions;
}

export { clientSettingsOf, type EmulatorSettings } from './settings.js';

export interface RecordedRequest {
  method: string;
  /** Relative to the app, e.g. `livestreams` or `livestreams/sessions/…`; the full path outside it. */
  path: string;
  /** The query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  /** When it arrived, by the emulator's clock. */
  at: string;
}

export type RequestMatcher = ((request: RecordedRequest) => boolean) | { method?: string; path?: string };

export interface Emulator {
  readonly token: string;
  readonly accountId: string;
  readonly appId: string;
  /** `http://127.0.0.1:PORT` (throws before start). */
  readonly url: string;
  /** `…/client/v4`, the CLOUDFLARE_API_BASE_URL. */
  readonly baseUrl: string;
  /** `…/accounts/{account}/realtime/kit/{app}/`, for raw requests in tests. */
  readonly appUrl: string;
  /** Every request received, oldest first (the oldest are dropped past 20,000). */
  readonly requests: readonly RecordedRequest[];
  /** Rows read to answer list requests so far: a page costs its own rows, never the store's (tests). */
  readonly listRowsRead: number;

  /** Listens on `port` (0: any free port); resolves with the base URL once listening. */
  start(port?: number, host?: string): Promise<string>;
  /** Stops the simulation and closes the server and every open connection at once. */
  stop(): Promise<void>;
  settings(): EmulatorSettings;

  addLivestream(partial?: LivestreamInput): WireLivestream;
  /** `count` streams one second apart up to now, mixed statuses unless `template` sets them. */
  seed(count: number, template?: LivestreamInput): WireLivestream[];
  /**
   * Streams as seed() makes them, without building any for the caller: an app of 1,000,000 in well under
   * a second and about 25 MB (they are rows in typed arrays, built into objects only when read).
   */
  seedLarge(count: number, template?: LivestreamInput): void;
  /** Any status is accepted (OFFLINE, WEIRD…); LIVE opens a session, ERRORED sets err_message. */
  setStatus(id: string, status: string, errMessage?: string): WireLivestream;
  removeLivestream(id: string): boolean;
  getLivestream(id: string): WireLivestream | null;
  /** Every livestream, oldest first; or those with `status`, at most `limit` (read from the index). */
  livestreams(filter?: { status?: string; limit?: number }): WireLivestream[];
  getSession(id: string): WireSession | null;
  /** A closed session in the past (history for analytics); the livestream's status is unchanged. */
  addPastSession(livestreamId: string, input: PastSessionInput): WireSession;
  sessionsOf(livestreamId: string): WireSession[];

  /** A meeting to livestream; its id is a UUID (from the seed unless given). */
  addMeeting(input?: MeetingInput): WireMeeting;
  /** The meetings added, oldest first. */
  meetings(): WireMeeting[];
  /**
   * What `POST meetings/{id}/livestreams` does: a new livestream, INVOKED, LIVE on the next step().
   * Throws when the meeting is unknown or already livestreaming.
   */
  startMeetingLivestream(meetingId: string, input?: { name?: string }): WireLivestream;
  /** The meeting's active livestream (LIVE, or INVOKED while starting), or null. */
  activeLivestreamOf(meetingId: string): WireLivestream | null;

  /** Advances every livestream one step of the lifecycle; returns the status changes. */
  step(): StatusChange[];
  startSimulation(intervalMs?: number): void;
  stopSimulation(): void;

  injectFault(fault: Fault): void;
  clearFaults(): void;
  resetRequests(): void;
  /** Resolves with the first logged request (past or future) that matches. */
  waitForRequest(matcher?: RequestMatcher, timeoutMs?: number): Promise<RecordedRequest>;
  onRequest(listener: (request: RecordedRequest) => void): () => void;
  onStatusChange(listener: (change: StatusChange) => void): () => void;
  /** Registered webhooks, deliveries of status changes to them, and test hooks (see webhooks.ts). */
  readonly webhooks: EmulatorWebhooks;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MAX_LOGGED_REQUESTS = 20_000;
const RATE_LIMIT = { quota: 1200, windowSeconds: 300 };
const PATH_PATTERN = /^\/client\/v4\/accounts\/([^/]+)\/realtime\/kit\/([^/]+)\/(.+)$/;

export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const seed = options.seed ?? randomSeed();
  const ids = createPrng(seed);
  // A second stream for the simulation, so creating a stream does not change what step() does.
  const simulation = createPrng(seed ^ 0x5bd1e995);
  const now = options.now ?? (() => new Date());
  const token = options.token ?? `emu_${ids.hex(20)}`;
  const accountId = options.accountId ?? ids.hex(16);
  const appId = options.appId ?? ids.hex(16);
  const store = new LivestreamStore(ids, now);
  if (options.livestreams) {
    store.addMany(demoLivestreams(options.livestreams, now(), ids));
    for (const meeting of DEMO_MEETINGS) store.addMeeting(meeting);
  }
  // A generator of its own: the history leaves the ids and the simulation a seed gives as they were.
  if (options.historyDays) {
    addDemoHistory({ store, days: options.historyDays, now: now(), rng: createPrng(seed ^ 0x2f6b_1a3d) });
  }
  const webhooks = createWebhookService({
    now,
    newId: () => ids.uuid(),
    livestream: (id) => store.get(id),
    ...(options.webhooks ? { options: options.webhooks } : {}),
  });
  const http = new HttpFront({ token, accountId, appId, store, now, webhooks });
  return buildEmulator({ token, accountId, appId, store, http, ids, simulation, now, webhooks });
}

interface Parts {
  token: string;
  accountId: string;
  appId: string;
  store: LivestreamStore;
  http: HttpFront;
  ids: Prng;
  simulation: Prng;
  now: () => Date;
  webhooks: WebhookService;
}

function buildEmulator(parts: Parts): Emulator {
  const { store, http } = parts;
  // Webhooks hear every change first, as the real API sends them whoever else listens.
  const changeListeners = new Set<(change: StatusChange) => void>([parts.webhooks.statusChanged]);
  let timer: NodeJS.Timeout | null = null;
  const emit = (changes: StatusChange[]): StatusChange[] => {
    for (const change of changes) for (const listener of changeListeners) listener(change);
    return changes;
  };
  const stopSimulation = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };
  const step = (): StatusChange[] => emit(store.step(parts.simulation));
  // A request that changes a status (a stop) is heard like a step's changes.
  http.changed = (changes) => emit([...changes]);

  return {
    token: parts.token,
    accountId: parts.accountId,
    appId: parts.appId,
    get url() {
      return http.origin();
    },
    get baseUrl() {
      return `${http.origin()}/client/v4`;
    },
    get appUrl() {
      return `${http.origin()}/client/v4/accounts/${parts.accountId}/realtime/kit/${parts.appId}/`;
    },
    get requests() {
      return http.log;
    },
    get listRowsRead() {
      return store.listRowsRead;
    },
    start: (port = 0, host = '127.0.0.1') => http.start(port, host),
    stop: async () => {
      stopSimulation();
      await parts.webhooks.stop();
      await http.stop();
    },
    settings: () => ({
      CLOUDFLARE_API_BASE_URL: `${http.origin()}/client/v4`,
      CLOUDFLARE_API_TOKEN: parts.token,
      CLOUDFLARE_ACCOUNT_ID: parts.accountId,
      REALTIMEKIT_APP_ID: parts.appId,
      REALTIMEKIT_WEBHOOK_KEY_URL: `${http.origin()}${WELL_KNOWN_KEY_PATH}`,
    }),
    webhooks: parts.webhooks,
    addLivestream: (partial = {}) => store.add(partial),
    seed: (count, template = {}) => {
      const added = store.addBulk(seedCount(count), template);
      return store.rows(added.first, added.count);
    },
    seedLarge: (count, template = {}) => {
      store.addBulk(seedCount(count), template);
    },
    setStatus: (id, status, errMessage) => {
      const change = store.setStatus(id, status, errMessage);
      if (change) emit([change]);
      return store.get(id)!;
    },
    removeLivestream: (id) => store.remove(id),
    getLivestream: (id) => store.get(id),
    livestreams: (filter) => {
      if (filter === undefined) return store.all();
      const { items } = store.list({
        status: filter.status ?? null,
        startMs: null,
        endMs: null,
        excludeMeetings: false,
        ascending: true,
        offset: 0,
        limit: filter.limit ?? Number.POSITIVE_INFINITY,
      });
      return items.map((item) => ({ ...item }));
    },
    getSession: (id) => store.session(id),
    addPastSession: (id, input) => store.addPastSession(id, input),
    sessionsOf: (id) => store.sessionsOf(id),
    addMeeting: (input = {}) => store.addMeeting(input),
    meetings: () => store.meetings(),
    startMeetingLivestream: (meetingId, input = {}) => {
      const started = store.startForMeeting(meetingId, input.name ?? null);
      if (started === 'no-meeting') throw new Error(`no meeting ${meetingId}`);
      if (typeof started === 'string') throw new Error(`meeting ${meetingId} is already livestreaming`);
      return started;
    },
    activeLivestreamOf: (meetingId) => store.activeForMeeting(meetingId),
    step,
    startSimulation: (intervalMs = 3000) => {
      stopSimulation();
      timer = setInterval(step, intervalMs);
      // The demo's server keeps the process alive; the timer alone should not.
      timer.unref();
    },
    stopSimulation,
    injectFault: (fault) => http.faults.add(fault),
    clearFaults: () => http.faults.clear(),
    resetRequests: () => {
      http.log.length = 0;
    },
    waitForRequest: (matcher, timeoutMs) => http.waitForRequest(matcher, timeoutMs),
    onRequest: (listener) => http.onRequest(listener),
    onStatusChange: (listener) => {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
  };
}

function seedCount(count: number): number {
  if (!(Number.isInteger(count) && count >= 0))
    throw new Error(`seed count must be 0 or more (got ${count})`);
  return count;
}

interface HttpFrontOptions {
  token: string;
  accountId: string;
  appId: string;
  store: LivestreamStore;
  now: () => Date;
  webhooks: WebhookService;
}

/** The HTTP side: parsing, the request log, faults, auth and writing answers. */
class HttpFront {
  readonly faults = new FaultQueue();
  readonly log: RecordedRequest[] = [];
  /** Told of the status changes a request made (set by the emulator). */
  changed: (changes: readonly StatusChange[]) => void = () => {};
  private readonly listeners = new Set<(request: RecordedRequest) => void>();
  /** Cancels for delayed answers still waiting, so stop() never waits for them. */
  private readonly pendingDelays = new Set<() => void>();
  private server: Server | null = null;
  private address: string | null = null;
  private window = { start: 0, count: 0 };

  constructor(private readonly options: HttpFrontOptions) {}

  origin(): string {
    if (this.address === null) throw new Error('the emulator is not started');
    return this.address;
  }

  start(port: number, host: string): Promise<string> {
    if (this.server) return Promise.reject(new Error('the emulator is already started'));
    if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
      return Promise.reject(new Error(`port must be 0 to 65535 (got ${port})`));
    }
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.sendAnswer(res, internalError(error)));
    });
    server.on('clientError', answerClientError);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (error) => {
        this.server = null;
        reject(error);
      });
      server.listen(port, host, () => {
        const { port: actual } = server.address() as AddressInfo;
        this.address = `http://${urlHost(host)}:${actual}`;
        resolve(`${this.address}/client/v4`);
      });
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const cancel of [...this.pendingDelays]) cancel();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive and delayed connections would otherwise hold close() open.
      server.closeAllConnections();
    });
  }

  onRequest(listener: (request: RecordedRequest) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  waitForRequest(matcher: RequestMatcher = () => true, timeoutMs = 5000): Promise<RecordedRequest> {
    const test = toPredicate(matcher);
    const past = this.log.find(test);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const off = this.onRequest((request) => {
        if (!test(request)) return;
        clearTimeout(timer);
        off();
        resolve(request);
      });
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const { pathname, search } = splitUrl(req.url ?? '/');
    const query = new URLSearchParams(search);
    const body = await readBody(req);
    this.record({
      method,
      path: PATH_PATTERN.exec(pathname)?.[3] ?? pathname,
      query: Object.fromEntries(query),
      at: this.options.now().toISOString(),
    });
    const fault = this.faults.take(method, search ? `${pathname}?${search}` : pathname);
    if (fault && (await this.applyFault(fault, req, res))) return;
    if (body === null) return this.sendAnswer(res, rtkError(413, 'The request body is too large'));
    const answer = this.answer(method, pathname, query, body, req.headers.authorization);
    if (answer.changes) this.changed(answer.changes);
    this.sendAnswer(res, answer);
  }

  /** True when the fault answered (or dropped) the request; false to answer it normally. */
  private async applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault.delayMs) await this.delay(fault.delayMs, res);
    if (isDestroyFault(fault)) {
      req.socket.destroy();
      return true;
    }
    if (isRawBodyFault(fault)) {
      this.send(res, fault.status ?? 200, fault.rawBody, fault.headers);
      return true;
    }
    if (isStatusFault(fault)) {
      const answer =
        fault.body === undefined
          ? defaultFaultAnswer(fault.status)
          : { status: fault.status, body: fault.body };
      this.sendAnswer(res, { ...answer, headers: fault.headers ?? {} });
      return true;
    }
    return false;
  }

  private answer(
    method: string,
    pathname: string,
    query: URLSearchParams,
    body: string,
    authorization: string | undefined,
  ): Answer {
    // The webhook signing key is public, outside the API and its auth, as RealtimeKit publishes it.
    if (pathname === WELL_KNOWN_KEY_PATH && method === 'GET') return this.options.webhooks.wellKnown();
    const match = PATH_PATTERN.exec(pathname);
    const segments = match ? decodeSegments(match[3]!) : null;
    const handler = segments
      ? (matchRoute(method, segments) ??
        matchAnalyticsRoute(method, segments) ??
        this.options.webhooks.matchRoute(method, segments))
      : null;
    if (!match || !handler) return noRoute();
    const denied = this.authorize(authorization, decodeSegment(match[1]!), decodeSegment(match[2]!));
    if (denied) return denied;
    return handler({ query, body }, this.options.store);
  }

  private authorize(
    header: string | undefined,
    accountId: string | null,
    appId: string | null,
  ): Answer | null {
    const value = header?.trim() ?? '';
    if (value === '') return gatewayError(403, 10000, 'Authentication error');
    const bearer = /^Bearer\s+(\S+)$/i.exec(value);
    if (!bearer) return gatewayError(400, 9106, 'Invalid format for Authorization header');
    if (bearer[1] !== this.options.token) return gatewayError(403, 10000, 'Authentication error');
    if (accountId !== this.options.accountId) return gatewayError(403, 10000, 'Authentication error');
    if (appId !== this.options.appId) return rtkError(404, 'App not found');
    return null;
  }

  private record(request: RecordedRequest): void {
    this.log.push(request);
    if (this.log.length > MAX_LOGGED_REQUESTS) this.log.splice(0, this.log.length - MAX_LOGGED_REQUESTS / 2);
    for (const listener of this.listeners) listener(request);
  }

  /** Waits `ms`, or less if the client hangs up or the emulator stops. */
  private delay(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        res.off('close', done);
        this.pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      res.once('close', done);
      this.pendingDelays.add(done);
    });
  }

  private sendAnswer(res: ServerResponse, answer: Answer): void {
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    this.send(res, answer.status, body, answer.headers);
  }

  private send(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    // The client may have hung up, or stop() closed the connection while this answer was delayed.
    if (res.headersSent || res.destroyed || res.socket?.destroyed !== false) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...this.rateLimitHeaders(),
      ...lowerCaseKeys(headers),
    });
    res.end(body);
  }

  private rateLimitHeaders(): Record<string, string> {
    const nowSeconds = Math.floor(this.options.now().getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % RATE_LIMIT.windowSeconds);
    if (windowStart !== this.window.start) this.window = { start: windowStart, count: 0 };
    this.window.count += 1;
    const remaining = Math.max(0, RATE_LIMIT.quota - this.window.count);
    const reset = windowStart + RATE_LIMIT.windowSeconds - nowSeconds;
    return {
      ratelimit: `"default";r=${remaining};t=${reset}`,
      'ratelimit-policy': `"default";q=${RATE_LIMIT.quota};w=${RATE_LIMIT.windowSeconds}`,
    };
  }
}

/** Unparseable HTTP gets a JSON 400 too (Node's default is a bare one), so every answer is JSON. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(gatewayError(400, 400, 'Bad request').body);
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

function toPredicate(matcher: RequestMatcher): (request: RecordedRequest) => boolean {
  if (typeof matcher === 'function') return matcher;
  return (request) =>
    (matcher.method === undefined || matcher.method.toUpperCase() === request.method) &&
    (matcher.path === undefined || request.path.includes(matcher.path));
}

/** Split by hand: `new URL('//evil/x', base)` would read `evil` as a host. */
function splitUrl(url: string): { pathname: string; search: string } {
  const at = url.indexOf('?');
  return at < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, at), search: url.slice(at + 1) };
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Null for an empty or undecodable segment: such a path matches no route. */
function decodeSegments(rest: string): string[] | null {
  const segments = rest.split('/').map(decodeSegment);
  if (segments.some((s) => s === null || s === '')) return null;
  return segments as string[];
}

/** The body as text, or null when larger than MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Read to the end even when too large: leaving the loop early would destroy the socket, and
    // with it the 413 answer.
    for await (const chunk of req) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size <= MAX_BODY_BYTES) chunks.push(buffer);
    }
  } catch {
    // The client went away mid-body; whatever is answered will not be delivered anyway.
  }
  return size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8');
}

/** The body the real API sends with each status, for faults that give none. */
function defaultFaultAnswer(status: number): Answer {
  if (status === 401 || status === 403) return gatewayError(status, 10000, 'Authentication error');
  if (status === 429) return gatewayError(429, 971, 'Please wait and consider throttling your request speed');
  if (status >= 500) return gatewayError(status, 10002, 'An unknown error has occurred');
  return rtkError(status, `Injected fault: HTTP ${status}`);
}

function internalError(error: unknown): Answer {
  const message = error instanceof Error ? error.message : String(error);
  return rtkError(500, `Emulator error: ${message}`);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

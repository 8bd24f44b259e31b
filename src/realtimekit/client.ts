/**
 * The RealtimeKit REST client: five endpoints plus a paging iterator, built on one ky instance.
 * Every failure leaves here as a `RealtimeKitError`; every success as a normalised value.
 */
import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';
import { shareInFlight } from '../in-flight.js';
import { withoutInvisible } from '../plain-text.js';
import { kindForStatus, RealtimeKitError } from './errors.js';
import type {
  ActiveLivestreamSession,
  ListQuery,
  Livestream,
  LivestreamDay,
  LivestreamDetails,
  LivestreamPage,
  LivestreamSession,
  LivestreamTotals,
  StopResult,
  TimeRange,
} from './types.js';
import { MAX_PER_PAGE } from './types.js';
import { assertId, assertListQuery, assertName, assertPage, assertUuid } from './validate.js';
import {
  errorDetails,
  isObject,
  parseActiveSessionBody,
  parseLivestreamBody,
  parseLivestreamDaysBody,
  parseLivestreamDetailsBody,
  parseLivestreamPage,
  parseLivestreamTotalsBody,
  parseSessionBody,
  parseStopBody,
  parseWebhookBody,
  parseWebhookList,
  type Webhook,
} from './wire.js';

export interface RealtimeKitClientOptions {
  /** e.g. `https://api.cloudflare.com/client/v4` */
  baseUrl: string;
  accountId: string;
  appId: string;
  apiToken: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries for 429, 5xx and timeouts (GET only: a create is never repeated). */
  retries?: number;
  /** Backoff before retry n (1-based), unless the server's Retry-After says otherwise. */
  retryDelayMs?: (attempt: number) => number;
  /** A Retry-After longer than this is not waited out: the call fails as `RateLimited` at once. */
  maxRetryAfterMs?: number;
  /**
   * The largest answer read, in bytes: a bigger one fails as `Malformed` instead of filling memory
   * (a page of 100 livestreams is about 60 KB).
   */
  maxBodyBytes?: number;
  /** Called for every HTTP request sent, retries included (request budgets, metrics). */
  onRequest?: (request: { method: string; path: string }) => void;
  /** Called when each of those requests ends: answered (with its status) or not (metrics, health). */
  onResponse?: (answer: ApiAnswer) => void;
}

/** How one HTTP request ended: refused is 401/403 (the token), before any retry. */
export type ApiOutcome =
  'ok' | 'refused' | 'rate_limited' | 'client_error' | 'server_error' | 'timeout' | 'network';

export interface ApiAnswer {
  method: string;
  /** Relative to the app's prefix, without the query: `livestreams/<id>/active-livestream-session`. */
  path: string;
  /** Null when no answer arrived. */
  status: number | null;
  outcome: ApiOutcome;
  /** Until the headers arrived, or the request failed. */
  durationMs: number;
}

export const DEFAULT_CLIENT_OPTIONS = {
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: (attempt: number) => Math.min(500 * 2 ** (attempt - 1), 5_000),
  maxRetryAfterMs: 10_000,
  maxBodyBytes: 8 * 1024 * 1024,
} as const satisfies Partial<RealtimeKitClientOptions>;

/**
 * Per call: `signal` abandons the call when it aborts (a stop). The call then rejects with the signal's
 * reason, not a RealtimeKitError (nothing failed: its caller gave up), and is not reported to
 * `onResponse`. A call with a signal never shares another's request (see `call`).
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Where a walk of a list stands: the next page to read (1-based). */
export interface PageCursor {
  pageNo: number;
}

export interface RealtimeKitClient {
  listLivestreams(query?: ListQuery): Promise<LivestreamPage>;
  /**
   * Every livestream matching the query, a page at a time, following paging. An id already in `seen`
   * (repeated across pages, or across calls sharing `seen`) is left out; each one yielded is added.
   * `cursor` says which page to start at and, once a page is read, which one comes next: a walk that
   * is stopped (its caller ran out of request budget) resumes there.
   */
  allLivestreamPages(
    query?: Omit<ListQuery, 'pageNo'>,
    seen?: Set<string>,
    cursor?: PageCursor,
    options?: CallOptions,
  ): AsyncGenerator<Livestream[], void, undefined>;
  createLivestream(input?: { name?: string }): Promise<Livestream>;
  getActiveLivestreamSession(livestreamId: string, options?: CallOptions): Promise<ActiveLivestreamSession>;
  getLivestreamSession(sessionId: string, options?: CallOptions): Promise<LivestreamSession>;
  getMeetingActiveLivestream(meetingId: string): Promise<Livestream>;
  /** Starts livestreaming a meeting (`POST /meetings/{id}/livestreams`); never retried. */
  startMeetingLivestream(meetingId: string, input?: { name?: string }): Promise<Livestream>;
  /** Stops the meeting's active livestream; NotFound when it has none. Never retried. */
  stopMeetingLivestream(meetingId: string): Promise<StopResult>;
  /** One livestream, whatever its status, with a page of its sessions (`GET /livestreams/{id}`). */
  getLivestreamDetails(
    livestreamId: string,
    page?: { pageNo?: number; perPage?: number },
  ): Promise<LivestreamDetails>;
  /** The app's livestream totals over the range (`GET /analytics/livestreams/overall`). */
  getLivestreamTotals(range: TimeRange): Promise<LivestreamTotals>;
  /** The same, day by day, oldest first; days without activity may be absent (`…/daywise`). */
  getLivestreamDays(range: TimeRange): Promise<LivestreamDay[]>;
  /** The app's registered webhooks. */
  listWebhooks(): Promise<Webhook[]>;
  createWebhook(input: WebhookInput): Promise<Webhook>;
  /** Changes the given fields of a registered webhook (`PATCH /webhooks/{id}`). */
  updateWebhook(webhookId: string, changes: Partial<WebhookInput>): Promise<Webhook>;
}

export interface WebhookInput {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

/** Guards against an API that keeps answering full pages forever. */
const MAX_PAGES = 10_000;

export function createRealtimeKitClient(options: RealtimeKitClientOptions): RealtimeKitClient {
  const settings = { ...DEFAULT_CLIENT_OPTIONS, ...options };
  const prefixUrl = `${settings.baseUrl.replace(/\/+$/, '')}/accounts/${encodeURIComponent(settings.accountId)}/realtime/kit/${encodeURIComponent(settings.appId)}/`;
  const prefixPathLength = new URL(prefixUrl).pathname.length;
  const http: KyInstance = ky.create({
    prefixUrl,
    headers: { authorization: `Bearer ${settings.apiToken}`, accept: 'application/json' },
    timeout: settings.timeoutMs,
    retry: {
      limit: settings.retries,
      methods: ['get'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: settings.maxRetryAfterMs,
      retryOnTimeout: true,
      delay: settings.retryDelayMs,
      // ky waits out at most maxRetryAfter and then retries anyway; a longer Retry-After must fail at once.
      shouldRetry: ({ error }) => {
        if (error instanceof HTTPError && [429, 503].includes(error.response.status)) {
          const waitMs = retryAfterMs(error.response);
          if (waitMs !== null && waitMs > settings.maxRetryAfterMs) return false;
        }
        return undefined;
      },
    },
    hooks: {
      beforeRequest: [
        (request) => {
          settings.onRequest?.({
            method: request.method,
            path: new URL(request.url).pathname.slice(prefixPathLength),
          });
        },
      ],
    },
  });

  /**
   * Identical GETs in flight at once share one request (a burst of people typing `list` at the same
   * moment): the answer is the same, and it spares Cloudflare's per-token request budget.
   * A POST (create) is never shared.
   */
  const shared = shareInFlight<unknown>();

  function call(
    method: 'get' | 'post' | 'patch',
    path: string,
    init: { searchParams?: URLSearchParams; json?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    // The query goes into the URL here: ky's `searchParams` option builds every request twice.
    const query = init.searchParams?.toString();
    const url = query ? `${path}?${query}` : path;
    // A call that may be abandoned goes alone: its abort must not fail the others sharing the request.
    if (method !== 'get' || init.signal) return send(method, url, init.json, init.signal);
    return shared(url, () => send(method, url, undefined, undefined));
  }

  async function send(
    method: 'get' | 'post' | 'patch',
    url: string,
    json: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    try {
      return await answerOf(method, url, json, signal);
    } catch (error) {
      // Abandoned (at any step: waiting, retrying, reading the body): the caller's reason, not a failure.
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }

  async function answerOf(
    method: 'get' | 'post' | 'patch',
    url: string,
    json: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    let response: Response;
    try {
      response = await http(url, {
        method,
        ...(json === undefined ? {} : { json }),
        ...(signal ? { signal } : {}),
        // Only when someone listens: every attempt's answer (or failure) seen where fetch is called.
        ...(settings.onResponse
          ? { fetch: observedFetch(settings.onResponse, prefixPathLength, signal) }
          : {}),
      });
    } catch (error) {
      throw await toRealtimeKitError(error, settings);
    }
    const body = await readJson(response, settings);
    if (isObject(body) && body.success === false) {
      const details = errorDetails(body);
      throw new RealtimeKitError({
        kind: 'Invalid',
        status: response.status,
        apiMessage: details.message,
        apiCode: details.code,
        message: `RealtimeKit refused the request: ${details.message ?? 'no reason given'}`,
      });
    }
    return body;
  }

  async function listLivestreams(query: ListQuery = {}, options: CallOptions = {}): Promise<LivestreamPage> {
    assertListQuery(query);
    return parseLivestreamPage(
      await call('get', 'livestreams', { searchParams: toSearchParams(query), signal: options.signal }),
    );
  }

  // Pages, not single livestreams: an async generator costs a promise and a microtask per yield, which
  // at 10,000 livestreams was a tenth of the whole read's CPU.
  async function* allLivestreamPages(
    query: Omit<ListQuery, 'pageNo'> = {},
    seen = new Set<string>(),
    cursor: PageCursor = { pageNo: 1 },
    options: CallOptions = {},
  ): AsyncGenerator<Livestream[], void, undefined> {
    const perPage = query.perPage ?? MAX_PER_PAGE;
    const first = Math.max(1, Math.floor(cursor.pageNo));
    let received = (first - 1) * perPage;
    for (let pageNo = first; pageNo <= MAX_PAGES; pageNo++) {
      const page = await listLivestreams({ ...query, perPage, pageNo }, options);
      cursor.pageNo = pageNo + 1;
      const fresh: Livestream[] = [];
      for (const livestream of page.livestreams) {
        if (seen.has(livestream.id)) continue;
        seen.add(livestream.id);
        fresh.push(livestream);
      }
      received += page.received;
      if (fresh.length > 0) yield fresh;
      // The list may change between two requests (offset paging then skips or repeats an item), an item
      // may lack an id, total_count may be wrong: read on while any sign says more exist. A short page
      // ends the walk only once total_count (when given) is reached; a full page never does, whatever
      // total_count says. Repeats are left out by id.
      const { totalCount } = page.paging;
      const short = page.received < perPage;
      const done =
        page.received === 0 ||
        fresh.length === 0 || // a page of nothing new: the server ignores page_no
        (short && (totalCount === null || received >= totalCount));
      if (done) return;
    }
  }

  async function createLivestream(input: { name?: string } = {}): Promise<Livestream> {
    const json: { name?: string } = {};
    // Names are data: bidi controls and zero-width characters never reach the API (see plain-text.ts).
    const name = withoutInvisible(input.name ?? '').trim();
    if (name !== '') {
      assertName(name);
      json.name = name;
    }
    return parseLivestreamBody(await call('post', 'livestreams', { json }));
  }

  async function getActiveLivestreamSession(
    livestreamId: string,
    options: CallOptions = {},
  ): Promise<ActiveLivestreamSession> {
    assertId(livestreamId, 'the livestream id');
    return parseActiveSessionBody(
      await call('get', `livestreams/${encodeURIComponent(livestreamId)}/active-livestream-session`, {
        signal: options.signal,
      }),
    );
  }

  async function getLivestreamSession(
    sessionId: string,
    options: CallOptions = {},
  ): Promise<LivestreamSession> {
    assertId(sessionId, 'the session id');
    return parseSessionBody(
      await call('get', `livestreams/sessions/${encodeURIComponent(sessionId)}`, { signal: options.signal }),
    );
  }

  async function getMeetingActiveLivestream(meetingId: string): Promise<Livestream> {
    assertUuid(meetingId, 'the meeting id');
    return parseLivestreamBody(
      await call('get', `meetings/${encodeURIComponent(meetingId)}/active-livestream`),
    );
  }

  async function startMeetingLivestream(
    meetingId: string,
    input: { name?: string } = {},
  ): Promise<Livestream> {
    assertUuid(meetingId, 'the meeting id');
    const json: { name?: string } = {};
    const name = withoutInvisible(input.name ?? '').trim();
    if (name !== '') {
      assertName(name);
      json.name = name;
    }
    const started = parseLivestreamBody(
      await call('post', `meetings/${encodeURIComponent(meetingId)}/livestreams`, { json }),
    );
    // The 201 answer carries only id, ingest_server, playback_url, status and stream_key.
    return { ...started, meetingId: started.meetingId ?? meetingId, name: started.name ?? json.name ?? null };
  }

  async function stopMeetingLivestream(meetingId: string): Promise<StopResult> {
    assertUuid(meetingId, 'the meeting id');
    return parseStopBody(
      await call('post', `meetings/${encodeURIComponent(meetingId)}/active-livestream/stop`),
    );
  }

  async function getLivestreamDetails(
    livestreamId: string,
    page: { pageNo?: number; perPage?: number } = {},
  ): Promise<LivestreamDetails> {
    assertId(livestreamId, 'the livestream id');
    assertPage(page);
    const searchParams = new URLSearchParams();
    if (page.pageNo !== undefined) searchParams.set('page_no', String(page.pageNo));
    if (page.perPage !== undefined) searchParams.set('per_page', String(page.perPage));
    return parseLivestreamDetailsBody(
      await call('get', `livestreams/${encodeURIComponent(livestreamId)}`, { searchParams }),
      livestreamId,
    );
  }

  async function getLivestreamTotals(range: TimeRange): Promise<LivestreamTotals> {
    return parseLivestreamTotalsBody(
      await call('get', 'analytics/livestreams/overall', { searchParams: analyticsParams(range) }),
    );
  }

  async function getLivestreamDays(range: TimeRange): Promise<LivestreamDay[]> {
    return parseLivestreamDaysBody(
      await call('get', 'analytics/livestreams/daywise', { searchParams: analyticsParams(range) }),
    );
  }

  async function listWebhooks(): Promise<Webhook[]> {
    return parseWebhookList(await call('get', 'webhooks'));
  }

  async function createWebhook(input: WebhookInput): Promise<Webhook> {
    return parseWebhookBody(await call('post', 'webhooks', { json: input }));
  }

  async function updateWebhook(webhookId: string, changes: Partial<WebhookInput>): Promise<Webhook> {
    assertId(webhookId, 'the webhook id');
    return parseWebhookBody(
      await call('patch', `webhooks/${encodeURIComponent(webhookId)}`, { json: changes }),
    );
  }

  return {
    listLivestreams,
    allLivestreamPages,
    createLivestream,
    getActiveLivestreamSession,
    getLivestreamSession,
    getMeetingActiveLivestream,
    startMeetingLivestream,
    stopMeetingLivestream,
    getLivestreamDetails,
    getLivestreamTotals,
    getLivestreamDays,
    listWebhooks,
    createWebhook,
    updateWebhook,
  };
}

/**
 * fetch, reporting how each request ended. ky calls it with a Request; its timeout aborts it. A request
 * its caller abandoned (`abandoned` aborted) is not reported: the API did not fail it.
 */
function observedFetch(
  report: (answer: ApiAnswer) => void,
  prefixPathLength: number,
  abandoned: AbortSignal | undefined,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const started = performance.now();
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
    const path = new URL(input instanceof Request ? input.url : input).pathname.slice(prefixPathLength);
    try {
      const response = await fetch(input, init);
      const { status } = response;
      report({ method, path, status, outcome: outcomeOf(status), durationMs: performance.now() - started });
      return response;
    } catch (error) {
      if (abandoned?.aborted) throw error;
      const timedOut =
        error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
      report({
        method,
        path,
        status: null,
        outcome: timedOut ? 'timeout' : 'network',
        durationMs: performance.now() - started,
      });
      throw error;
    }
  };
}

function outcomeOf(status: number): ApiOutcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'refused';
  if (status === 429) return 'rate_limited';
  return status >= 500 ? 'server_error' : 'client_error';
}

function toSearchParams(query: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.startTime) params.set('start_time', new Date(query.startTime).toISOString());
  if (query.endTime) params.set('end_time', new Date(query.endTime).toISOString());
  if (query.pageNo !== undefined) params.set('page_no', String(query.pageNo));
  if (query.perPage !== undefined) params.set('per_page', String(query.perPage));
  if (query.sortOrder) params.set('sort_order', query.sortOrder);
  if (query.excludeMeetings) params.set('exclude_meetings', 'true');
  return params;
}

/**
 * The analytics range as the API takes it: Unix seconds (the SDK since May 2026; older docs showed ISO
 * strings, which the emulator accepts too). Widened to whole seconds, so the range covers what was asked.
 */
function analyticsParams(range: TimeRange): URLSearchParams {
  const { startMs, endMs } = range;
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || startMs < 0 || startMs > endMs) {
    throw new RealtimeKitError({ kind: 'Invalid', message: 'the analytics range must start before it ends' });
  }
  return new URLSearchParams({
    start_time: String(Math.floor(startMs / 1000)),
    end_time: String(Math.ceil(endMs / 1000)),
  });
}

/** How much of an answer is read, and for how long. */
interface BodyLimits {
  timeoutMs: number;
  maxBodyBytes: number;
}

/**
 * The body as text, within `timeoutMs`: ky's timeout ends when the headers arrive, so a body that stalls
 * after them would otherwise hang the caller for ever. At most `maxBodyBytes`, whatever Content-Length
 * says: a runaway answer fails before it fills memory.
 */
async function readText(response: Response, { timeoutMs, maxBodyBytes }: BodyLimits): Promise<string> {
  if (!response.body) return '';
  const tooLarge = () => {
    void response.body?.cancel().catch(() => {});
    return new RealtimeKitError({
      kind: 'Malformed',
      status: response.status,
      message: `Malformed response: the answer is larger than ${Math.round(maxBodyBytes / 1024 / 1024)} MB`,
    });
  };
  if (Number(response.headers.get('content-length') ?? 0) > maxBodyBytes) throw tooLarge();
  const reader = response.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => {});
  }, timeoutMs);
  // Chunks are joined once and decoded once: decoding each chunk into a growing string costs more CPU
  // than the JSON parsing itself on large pages.
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) break;
      if (done) return Buffer.concat(chunks).toString('utf8');
      bytes += value.byteLength;
      if (bytes > maxBodyBytes) {
        chunks.length = 0;
        void reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (!timedOut) throw error;
  } finally {
    clearTimeout(timer);
  }
  throw new RealtimeKitError({
    kind: 'Timeout',
    status: response.status,
    message: 'RealtimeKit did not finish its answer in time',
  });
}

async function readJson(response: Response, limits: BodyLimits): Promise<unknown> {
  let raw: string;
  try {
    raw = await readText(response, limits);
  } catch (error) {
    if (error instanceof RealtimeKitError) throw error;
    throw new RealtimeKitError({
      kind: 'Malformed',
      status: response.status,
      message: 'Malformed response: the body was cut off',
    });
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new RealtimeKitError({
      kind: 'Malformed',
      status: response.status,
      message: `Malformed response: not JSON (HTTP ${response.status}, ${raw.length} bytes)`,
    });
  }
}

/** Retry-After (seconds or an HTTP date) in milliseconds, or null when absent or unreadable. */
function retryAfterMs(response: Response): number | null {
  const header = response.headers.get('retry-after')?.trim();
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function retryAfterSeconds(response: Response): number | null {
  const ms = retryAfterMs(response);
  return ms === null ? null : Math.ceil(ms / 1000);
}

async function toRealtimeKitError(error: unknown, limits: BodyLimits): Promise<RealtimeKitError> {
  if (error instanceof RealtimeKitError) return error;
  if (error instanceof HTTPError) {
    const { response } = error;
    let body: unknown = null;
    try {
      body = JSON.parse(await readText(response, limits)) as unknown;
    } catch {
      // A non-JSON, cut-off or stalled error page: the status alone says enough.
    }
    const details = errorDetails(body);
    const kind = kindForStatus(response.status, details.code);
    return new RealtimeKitError({
      kind,
      status: response.status,
      apiMessage: details.message,
      apiCode: details.code,
      retryAfterSeconds: retryAfterSeconds(response),
      message: `RealtimeKit answered HTTP ${response.status}${details.message ? `: ${details.message}` : ''}`,
    });
  }
  if (error instanceof TimeoutError) {
    return new RealtimeKitError({ kind: 'Timeout', message: 'RealtimeKit did not answer in time' });
  }
  // fetch failures (refused, reset, DNS) are TypeErrors; keep only their code, never the request.
  const cause = error instanceof Error && isObject(error.cause) ? error.cause : null;
  const code = cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
  return new RealtimeKitError({ kind: 'Network', message: `Could not reach RealtimeKit${code}` });
}

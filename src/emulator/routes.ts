/**
 * The five RealtimeKit endpoints as pure functions from a parsed request to an answer, plus the two
 * error envelopes of docs/emulator.md: Cloudflare's gateway (`errors[]`) and RealtimeKit's own (`error{}`).
 */
import { MAX_PER_PAGE } from '../realtimekit/types.js';
import { isUuid } from '../realtimekit/validate.js';
import type { LivestreamStore, StatusChange } from './store.js';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Status changes the request made (a stop): the emulator tells its listeners, webhooks first. */
  changes?: readonly StatusChange[];
}

export interface RouteRequest {
  query: URLSearchParams;
  /** The raw request body (only read for POST). */
  body: string;
}

/** Used when `per_page` is absent: RealtimeKit documents no default; 25 is a common one. */
export const DEFAULT_PER_PAGE = 25;
const LIST_STATUSES = ['LIVE', 'IDLE', 'ERRORED', 'INVOKED'];

export function gatewayError(status: number, code: number, message: string): Answer {
  return { status, body: { success: false, errors: [{ code, message }], messages: [], result: null } };
}

export function rtkError(status: number, message: string): Answer {
  return { status, body: { success: false, error: { code: status, message } } };
}

export const noRoute = (): Answer => gatewayError(400, 7000, 'No route for that URI');

export type Handler = (request: RouteRequest, store: LivestreamStore) => Answer;

/** The handler for a method and path, or null (the gateway's "No route for that URI"). */
export function matchRoute(method: string, segments: readonly string[]): Handler | null {
  const [first, second, third] = segments;
  if (first === 'livestreams') {
    if (segments.length === 1 && method === 'GET') return (r, store) => listLivestreams(r.query, store);
    if (segments.length === 1 && method === 'POST') return (r, store) => createLivestream(r.body, store);
    // `sessions/{id}` first: otherwise "sessions" would be taken for a livestream id.
    if (segments.length === 3 && second === 'sessions' && method === 'GET') {
      return (_, store) => getSession(third!, store);
    }
    if (segments.length === 3 && third === 'active-livestream-session' && method === 'GET') {
      return (_, store) => getActiveSession(second!, store);
    }
    if (segments.length === 2 && method === 'GET') {
      return (r, store) => getLivestreamDetails(second!, r.query, store);
    }
  }
  if (first === 'meetings' && segments.length === 3 && third === 'active-livestream' && method === 'GET') {
    return (_, store) => getMeetingActiveLivestream(second!, store);
  }
  if (first === 'meetings' && segments.length === 3 && third === 'livestreams' && method === 'POST') {
    return (r, store) => startMeetingLivestream(second!, r.body, store);
  }
  const stop = segments.length === 4 && third === 'active-livestream' && segments[3] === 'stop';
  if (first === 'meetings' && stop && method === 'POST') {
    return (_, store) => stopMeetingLivestream(second!, store);
  }
  return null;
}

function listLivestreams(params: URLSearchParams, store: LivestreamStore): Answer {
  const query = parseListQuery(params);
  if (typeof query === 'string') return rtkError(400, query);
  const offset = (query.pageNo - 1) * query.perPage;
  const { items, total } = store.list({ ...query, offset, limit: query.perPage });
  return {
    status: 200,
    body: {
      success: true,
      data: items,
      // 1-based and inclusive, like the page's one example (1, 1, 1): an empty page has end < start.
      paging: { total_count: total, start_offset: offset + 1, end_offset: offset + items.length },
    },
  };
}

export interface ParsedListQuery {
  status: string | null;
  startMs: number | null;
  endMs: number | null;
  pageNo: number;
  perPage: number;
  ascending: boolean;
  excludeMeetings: boolean;
}

/** The list query, or the message of a 400. An empty value counts as absent. */
export function parseListQuery(params: URLSearchParams): ParsedListQuery | string {
  const get = (name: string): string | null => {
    const value = params.get(name)?.trim();
    return value === undefined || value === '' ? null : value;
  };
  const status = get('status');
  if (status !== null && !LIST_STATUSES.includes(status)) {
    return `status must be one of ${LIST_STATUSES.join(', ')}`;
  }
  const startMs = parseTime(get('start_time'));
  if (Number.isNaN(startMs)) return 'start_time must be an ISO 8601 date-time';
  const endMs = parseTime(get('end_time'));
  if (Number.isNaN(endMs)) return 'end_time must be an ISO 8601 date-time';
  if (startMs !== null && endMs !== null && startMs > endMs) return 'start_time must not be after end_time';
  const pageNo = parseWhole(get('page_no'), 1);
  if (pageNo === null || pageNo < 1) return 'page_no must be a whole number of 1 or more';
  const perPage = parseWhole(get('per_page'), DEFAULT_PER_PAGE);
  if (perPage === null || perPage < 1) return 'per_page must be a whole number of 1 or more';
  const sortOrder = get('sort_order') ?? 'DSC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DSC') return 'sort_order must be ASC or DSC';
  const excludeMeetings = parseFlag(get('exclude_meetings'));
  if (excludeMeetings === null) return 'exclude_meetings must be true or false';
  return {
    status,
    startMs,
    endMs,
    pageNo,
    // Larger pages are clamped rather than refused: the client's MAX_PER_PAGE is the server's cap.
    perPage: Math.min(perPage, MAX_PER_PAGE),
    ascending: sortOrder === 'ASC',
    excludeMeetings,
  };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds; null when absent, NaN when not an ISO date-time or the day does not exist. */
export function parseTime(value: string | null): number | null {
  if (value === null) return null;
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return Number.NaN;
  // Date.parse would roll 2024-02-31 over to March 2 instead of refusing it.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return Number.NaN;
  return Date.parse(value);
}

/** Digits only: `1.5`, `-1`, `1e3` and `0x10` are refused rather than guessed at. */
function parseWhole(value: string | null, fallback: number): number | null {
  if (value === null) return fallback;
  if (!/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}

function parseFlag(value: string | null): boolean | null {
  if (value === null) return false;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  return null;
}

function createLivestream(rawBody: string, store: LivestreamStore): Answer {
  const name = parseCreateBody(rawBody);
  if (typeof name === 'object' && name !== null) return rtkError(400, name.error);
  const created = store.add({ name, status: 'INVOKED' });
  // The create answer has no created_at/updated_at (the page's example), though both are stored.
  const { created_at: _created, updated_at: _updated, ...data } = created;
  return { status: 201, body: { success: true, data } };
}

/** The name to use (null for none), or an error. An empty body is `{}`. */
function parseCreateBody(rawBody: string): string | null | { error: string } {
  if (rawBody.trim() === '') return null;
  let body: unknown;
  try {
    body = JSON.parse(rawBody) as unknown;
  } catch {
    return { error: 'The request body is not valid JSON' };
  }
  if (body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) return { error: 'The request body must be an object' };
  const name: unknown = (body as Record<string, unknown>).name;
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') return { error: 'name must be a string' };
  return name.trim() === '' ? null : name;
}

function getActiveSession(livestreamId: string, store: LivestreamStore): Answer {
  if (store.get(livestreamId) === null) return rtkError(404, 'Livestream not found');
  const active = store.activeSession(livestreamId);
  if (!active) return rtkError(404, 'No active livestream session found');
  return { status: 200, body: { success: true, data: active } };
}

function getSession(sessionId: string, store: LivestreamStore): Answer {
  const session = store.session(sessionId);
  if (!session) return rtkError(404, 'Livestream session not found');
  return { status: 200, body: { success: true, data: session } };
}

function getMeetingActiveLivestream(meetingId: string, store: LivestreamStore): Answer {
  if (!isUuid(meetingId)) return rtkError(400, 'meeting_id must be a UUID');
  const livestream = store.activeForMeeting(meetingId);
  if (!livestream) return rtkError(404, NO_ACTIVE_LIVESTREAM);
  return { status: 200, body: { success: true, data: livestream } };
}

const NO_ACTIVE_LIVESTREAM = 'No active livestream found for this meeting';

/**
 * Start livestreaming a meeting. The 201 answer has the five fields the reference shows (no name, no
 * meeting_id, no timestamps); the livestream is INVOKED and goes LIVE on the simulation's next step.
 * Where the reference says nothing: an unknown meeting is 404, a meeting already livestreaming is 409.
 */
function startMeetingLivestream(meetingId: string, rawBody: string, store: LivestreamStore): Answer {
  if (!isUuid(meetingId)) return rtkError(400, 'meeting_id must be a UUID');
  const body = parseStartBody(rawBody);
  if ('error' in body) return rtkError(400, body.error);
  const started = store.startForMeeting(meetingId, body.name);
  if (started === 'no-meeting') return rtkError(404, 'Meeting not found');
  if (started === 'already-active') return rtkError(409, 'This meeting is already being livestreamed');
  if (typeof started === 'string') return rtkError(500, `Emulator error: ${started}`);
  const { id, ingest_server, playback_url, status, stream_key } = started;
  return {
    status: 201,
    body: { success: true, data: { id, ingest_server, playback_url, status, stream_key } },
  };
}

/** `{name?: string | null, video_config?: {height?, width?}}`; an empty body is `{}`. */
function parseStartBody(rawBody: string): { name: string | null } | { error: string } {
  const name = parseCreateBody(rawBody);
  if (typeof name === 'object' && name !== null) return name;
  // parseCreateBody accepted the JSON as an object (or nothing): check video_config too.
  const body = rawBody.trim() === '' ? {} : (JSON.parse(rawBody) as Record<string, unknown> | null);
  const config = body?.video_config;
  if (config !== undefined && config !== null) {
    if (typeof config !== 'object' || Array.isArray(config))
      return { error: 'video_config must be an object' };
    for (const side of ['height', 'width'] as const) {
      const value = (config as Record<string, unknown>)[side];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0))
        return { error: `video_config.${side} must be a whole number of pixels` };
    }
  }
  return { name };
}

function stopMeetingLivestream(meetingId: string, store: LivestreamStore): Answer {
  if (!isUuid(meetingId)) return rtkError(400, 'meeting_id must be a UUID');
  const stopped = store.stopForMeeting(meetingId);
  if (typeof stopped === 'string') return rtkError(404, NO_ACTIVE_LIVESTREAM);
  return {
    status: 200,
    body: { success: true, data: { message: 'Stopped live stream successfully' } },
    ...(stopped.change ? { changes: [stopped.change] } : {}),
  };
}

/**
 * One livestream with a page of its sessions, newest first, in Dyte's example shape:
 * `data: {livestream, sessions: [...]}` with `paging` beside `data` (the bot parses the other shapes too).
 */
function getLivestreamDetails(livestreamId: string, params: URLSearchParams, store: LivestreamStore): Answer {
  const livestream = store.get(livestreamId);
  if (!livestream) return rtkError(404, 'Livestream not found');
  const get = (name: string): string | null => params.get(name)?.trim() || null;
  const pageNo = parseWhole(get('page_no'), 1);
  if (pageNo === null || pageNo < 1) return rtkError(400, 'page_no must be a whole number of 1 or more');
  const perPage = parseWhole(get('per_page'), DEFAULT_PER_PAGE);
  if (perPage === null || perPage < 1) return rtkError(400, 'per_page must be a whole number of 1 or more');
  const limit = Math.min(perPage, MAX_PER_PAGE);
  const sessions = store.sessionsOf(livestreamId).reverse();
  const offset = (pageNo - 1) * limit;
  const page = sessions.slice(offset, offset + limit);
  return {
    status: 200,
    body: {
      success: true,
      data: { livestream, sessions: page },
      paging: { total_count: sessions.length, start_offset: offset + 1, end_offset: offset + page.length },
    },
  };
}

/**
 * Parsing of RealtimeKit bodies, tolerant of every shape and type drift in docs/emulator.md: numbers sent as
 * strings, booleans sent as strings, nulls everywhere, lists as an array, as an object holding an array,
 * or as one object. Unknown input never throws except where nothing usable is left (`Malformed`).
 */
import { cleanName } from '../plain-text.js';
import { RealtimeKitError } from './errors.js';
import {
  type ActiveLivestreamSession,
  KNOWN_STATUSES,
  type Livestream,
  type LivestreamPage,
  type LivestreamSession,
  type LivestreamDay,
  type LivestreamDetails,
  type LivestreamStatus,
  type LivestreamTotals,
  type Paging,
  type StopResult,
} from './types.js';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(what: string): RealtimeKitError {
  return new RealtimeKitError({ kind: 'Malformed', message: `Malformed response: ${what}` });
}

export function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * A livestream name: data to show, never markup or layout. Bidi controls and zero-width characters are
 * dropped (they can reverse or hide what a channel reads), line breaks and other controls become spaces.
 */
export function name(value: unknown): string | null {
  const raw = text(value);
  return raw === null ? null : cleanName(raw);
}

export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1 || value === '1') return true;
  if (value === 'false' || value === 0 || value === '0') return false;
  return null;
}

/** The shape the API sends (`2026-11-22T10:00:00.000Z`): every string matching it is a valid date. */
const ISO_DATE_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

/** An ISO timestamp, or null for placeholders such as `"started_time"`. */
export function time(value: unknown): string | null {
  const raw = text(value);
  if (raw === null) return null;
  // The pattern first: twice as fast as Date.parse, which a read of 10,000 livestreams calls 20,000 times.
  if (ISO_DATE_TIME.test(raw) || !Number.isNaN(Date.parse(raw))) return raw;
  return null;
}

export function status(value: unknown): { status: LivestreamStatus; rawStatus: string | null } {
  const raw = text(value);
  if (raw === null) return { status: 'UNKNOWN', rawStatus: null };
  const upper = raw.toUpperCase();
  if ((KNOWN_STATUSES as readonly string[]).includes(upper) || upper === 'OFFLINE') {
    return { status: upper as LivestreamStatus, rawStatus: raw };
  }
  return { status: 'UNKNOWN', rawStatus: raw };
}

export function parseLivestream(value: unknown): Livestream | null {
  if (!isObject(value)) return null;
  const id = text(value.id);
  if (id === null) return null;
  return {
    id,
    name: name(value.name),
    ...status(value.status),
    meetingId: text(value.meeting_id),
    ingestServer: text(value.ingest_server),
    streamKey: text(value.stream_key),
    playbackUrl: text(value.playback_url),
    disabled: bool(value.disabled),
    createdAt: time(value.created_at),
    updatedAt: time(value.updated_at),
  };
}

export function parseSession(value: unknown): LivestreamSession | null {
  if (!isObject(value)) return null;
  const id = text(value.id);
  if (id === null) return null;
  return {
    id,
    livestreamId: text(value.livestream_id),
    errMessage: text(value.err_message),
    ingestSeconds: num(value.ingest_seconds),
    viewerSeconds: num(value.viewer_seconds),
    invokedTime: time(value.invoked_time),
    startedTime: time(value.started_time),
    stoppedTime: time(value.stopped_time),
    createdAt: time(value.created_at),
    updatedAt: time(value.updated_at),
  };
}

/** The `data` of a success envelope. A body with `success: false` never reaches here (see client). */
export function envelopeData(body: unknown): unknown {
  if (!isObject(body)) throw malformed('expected a JSON object');
  if (!('data' in body) && 'result' in body) return body.result;
  if (!('data' in body)) throw malformed('no "data" in the body');
  return body.data;
}

function parsePaging(value: unknown): Paging | null {
  if (!isObject(value)) return null;
  return {
    totalCount: num(value.total_count),
    startOffset: num(value.start_offset),
    endOffset: num(value.end_offset),
  };
}

const EMPTY_PAGING: Paging = { totalCount: null, startOffset: null, endOffset: null };

export function parseLivestreamPage(body: unknown): LivestreamPage {
  const data = envelopeData(body);
  const paging =
    (isObject(body) ? parsePaging(body.paging) : null) ??
    (isObject(data) ? parsePaging(data.paging) : null) ??
    EMPTY_PAGING;
  let rawItems: unknown[] | null;
  if (Array.isArray(data)) rawItems = data;
  else if (isObject(data)) {
    // `data.livestreams` first; then an object with an id is one livestream (even if it holds an array,
    // such as its sessions); then any array inside.
    if (Array.isArray(data.livestreams)) rawItems = data.livestreams;
    else if (text(data.id) !== null) rawItems = [data];
    else rawItems = Object.values(data).find(Array.isArray) ?? null;
  } else if (data === null || data === undefined) rawItems = null;
  else throw malformed('"data" is neither a list nor an object');
  // No list at all (`data: null`, `data: {}`) is an empty page only when paging says there is nothing;
  // otherwise it is a broken answer, and reading it as "nothing is live" would announce false endings.
  if (rawItems === null) {
    if (paging.totalCount === 0) return { livestreams: [], paging, received: 0 };
    throw malformed('no list of livestreams in "data"');
  }

  const livestreams: Livestream[] = [];
  for (const raw of rawItems) {
    const livestream = parseLivestream(raw);
    if (livestream) livestreams.push(livestream);
  }
  if (rawItems.length > 0 && livestreams.length === 0) throw malformed('no livestream in the list has an id');
  return { livestreams, paging, received: rawItems.length };
}

export function parseLivestreamBody(body: unknown): Livestream {
  const data = envelopeData(body);
  // Some answers wrap the one livestream: `{data: {livestream: {...}}}` or `{data: [{...}]}`.
  const candidate = Array.isArray(data)
    ? data[0]
    : isObject(data) && isObject(data.livestream)
      ? data.livestream
      : data;
  const livestream = parseLivestream(candidate);
  if (!livestream) throw malformed('expected a livestream with an id');
  return livestream;
}

export function parseSessionBody(body: unknown): LivestreamSession {
  const data = envelopeData(body);
  const candidate = isObject(data) && isObject(data.session) ? data.session : data;
  const session = parseSession(candidate);
  if (!session) throw malformed('expected a livestream session with an id');
  return session;
}

export function parseActiveSessionBody(body: unknown): ActiveLivestreamSession {
  const data = envelopeData(body);
  if (!isObject(data)) throw malformed('expected an object with a livestream and a session');
  const livestream = parseLivestream(data.livestream);
  const session = parseSession(data.session);
  if (!livestream && !session) throw malformed('neither a livestream nor a session in "data"');
  return { livestream, session };
}

/**
 * One livestream with its sessions, from any of the shapes the sources show: the SDK's typed
 * `data: {livestream, session, paging}` (one session object), Dyte's `data: {livestream, sessions: [...]}`
 * with `paging` beside `data`, or a flat `data` that is the livestream itself (`status: "OFFLINE"` in one
 * guide), with or without sessions. A livestream without an id takes `requestedId`, when given.
 */
export function parseLivestreamDetailsBody(body: unknown, requestedId?: string): LivestreamDetails {
  const data = envelopeData(body);
  if (!isObject(data)) throw malformed('expected an object with a livestream');
  const nested = isObject(data.livestream) ? data.livestream : null;
  // A flat `data` must be a livestream by its own id; a nested one may lack it (we know which we asked).
  const livestream = nested
    ? (parseLivestream(nested) ??
      (requestedId === undefined ? null : parseLivestream({ ...nested, id: requestedId })))
    : parseLivestream(data);
  if (!livestream) throw malformed('no livestream in "data"');
  const rawSessions = Array.isArray(data.sessions)
    ? data.sessions
    : isObject(data.sessions)
      ? [data.sessions]
      : isObject(data.session)
        ? [data.session]
        : Array.isArray(data.session)
          ? data.session
          : [];
  const sessions: LivestreamSession[] = [];
  for (const raw of rawSessions) {
    const session = parseSession(raw);
    if (session) sessions.push(session);
  }
  const paging =
    (isObject(body) ? parsePaging(body.paging) : null) ?? parsePaging(data.paging) ?? EMPTY_PAGING;
  return { livestream, sessions, paging };
}

/** A stop's answer: `data.message`, `data` as the message itself, or a top-level `message`. */
export function parseStopBody(body: unknown): StopResult {
  const data = envelopeData(body);
  const message =
    (isObject(data) ? text(data.message) : text(data)) ?? (isObject(body) ? text(body.message) : null);
  return { message };
}

/** The API's own message from any of the error shapes in docs/emulator.md. */
export function errorDetails(body: unknown): { message: string | null; code: number | string | null } {
  if (!isObject(body)) return { message: null, code: null };
  const errors = body.errors;
  if (Array.isArray(errors) && isObject(errors[0])) {
    return { message: text(errors[0].message), code: codeOf(errors[0].code) };
  }
  if (isObject(body.error)) return { message: text(body.error.message), code: codeOf(body.error.code) };
  if (typeof body.error === 'string') return { message: text(body.error), code: null };
  return { message: text(body.message), code: null };
}

function codeOf(value: unknown): number | string | null {
  if (typeof value === 'number' || typeof value === 'string') return value;
  return null;
}

/** A registered webhook (`GET/POST /webhooks`, `PATCH /webhooks/{id}`). */
export interface Webhook {
  id: string;
  name: string | null;
  url: string;
  /** Event names, as sent (`livestreaming.statusUpdate`, …). */
  events: string[];
  /** Unknown (absent or unreadable) counts as enabled: the API's default on create. */
  enabled: boolean;
  createdAt: string | null;
  updatedAt: string | null;
}

export function parseWebhook(value: unknown): Webhook | null {
  if (!isObject(value)) return null;
  const id = text(value.id);
  const url = text(value.url);
  if (id === null || url === null) return null;
  const events = Array.isArray(value.events)
    ? value.events.filter((e): e is string => typeof e === 'string' && e !== '')
    : [];
  return {
    id,
    name: name(value.name),
    url,
    events,
    enabled: bool(value.enabled) ?? true,
    createdAt: time(value.created_at),
    updatedAt: time(value.updated_at),
  };
}

/** Every webhook in a list answer: `data` as an array, as an object holding one, or as one webhook. */
export function parseWebhookList(body: unknown): Webhook[] {
  const data = envelopeData(body);
  let items: unknown[];
  if (Array.isArray(data)) items = data;
  else if (isObject(data)) {
    if (Array.isArray(data.webhooks)) items = data.webhooks;
    else if (text(data.id) !== null) items = [data];
    else items = Object.values(data).find(Array.isArray) ?? [];
  } else if (data === null || data === undefined) items = [];
  else throw malformed('"data" is neither a list nor an object');
  const webhooks: Webhook[] = [];
  for (const item of items) {
    const webhook = parseWebhook(item);
    if (webhook) webhooks.push(webhook);
  }
  if (items.length > 0 && webhooks.length === 0)
    throw malformed('no webhook in the list has an id and a url');
  return webhooks;
}

export function parseWebhookBody(body: unknown): Webhook {
  const data = envelopeData(body);
  const candidate = isObject(data) && isObject(data.webhook) ? data.webhook : data;
  const webhook = parseWebhook(candidate);
  if (!webhook) throw malformed('expected a webhook with an id and a url');
  return webhook;
}

/**
 * A figure of an analytics answer: absent or null is 0 (an empty range may leave it out), a number or a
 * numeric string is read, anything else fails: a made-up zero would draw a chart that lies.
 */
function figure(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  const read = num(value);
  if (read === null || read < 0) throw malformed(`analytics: ${what} is not a number`);
  return read;
}

function totalsOf(value: Json): LivestreamTotals {
  return {
    count: figure(value.count, 'count'),
    ingestSeconds: figure(value.total_ingest_seconds, 'total_ingest_seconds'),
    viewerSeconds: figure(value.total_viewer_seconds, 'total_viewer_seconds'),
  };
}

/** `data: {count, total_ingest_seconds, total_viewer_seconds}`; `data: null` or `{}`: nothing streamed. */
export function parseLivestreamTotalsBody(body: unknown): LivestreamTotals {
  const data = envelopeData(body);
  if (data === null || data === undefined) return { count: 0, ingestSeconds: 0, viewerSeconds: 0 };
  if (!isObject(data)) throw malformed('analytics: expected the totals as an object');
  return totalsOf(data);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of an analytics `date` (`2026-11-01`, or a date-time), or null when it has none. */
function utcDay(value: unknown): string | null {
  const raw = text(value)?.trim() ?? null;
  if (raw === null) return null;
  if (DAY.test(raw)) return Number.isNaN(Date.parse(raw)) ? null : raw;
  return time(raw) === null ? null : new Date(Date.parse(raw)).toISOString().slice(0, 10);
}

/**
 * `data: [{date, count, total_ingest_seconds, total_viewer_seconds}]` (or that list inside an object),
 * oldest day first, one entry per day (a day sent twice is summed). A day without a usable date has no
 * place on a chart and is left out; the overall totals still count it.
 */
export function parseLivestreamDaysBody(body: unknown): LivestreamDay[] {
  const data = envelopeData(body);
  let items: unknown[];
  if (Array.isArray(data)) items = data;
  else if (isObject(data)) items = Object.values(data).find(Array.isArray) ?? [];
  else if (data === null || data === undefined) items = [];
  else throw malformed('analytics: "data" is neither a list nor an object');
  const byDate = new Map<string, LivestreamDay>();
  for (const item of items) {
    if (!isObject(item)) continue;
    const date = utcDay(item.date);
    if (date === null) continue;
    const totals = totalsOf(item);
    const seen = byDate.get(date);
    byDate.set(
      date,
      seen
        ? {
            date,
            count: seen.count + totals.count,
            ingestSeconds: seen.ingestSeconds + totals.ingestSeconds,
            viewerSeconds: seen.viewerSeconds + totals.viewerSeconds,
          }
        : { date, ...totals },
    );
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * The emulator's livestream analytics (`GET analytics/livestreams/overall` and `…/daywise`), answered
 * from its own sessions, so the figures always agree with the livestreams' history: each session counts
 * on the UTC day it began (its ingest and viewer seconds as they stand), when that moment is inside the
 * range. `overall.count` is the livestreams that streamed, a day's `count` its sessions (as the SDK's
 * field docs say). The range may come as ISO strings (older docs) or Unix seconds (the SDK since May
 * 2026); both are accepted, either end may be left out.
 *
 * Also the demo's history: weeks of closed sessions for the demo livestreams, so `stats` has a picture.
 */
import type { Prng } from './prng.js';
import { type Answer, type Handler, parseTime, rtkError } from './routes.js';
import type { LivestreamStore, WireSession } from './store.js';

/** The analytics handler for a method and path, or null. */
export function matchAnalyticsRoute(method: string, segments: readonly string[]): Handler | null {
  const [first, second, third] = segments;
  if (method !== 'GET' || segments.length !== 3 || first !== 'analytics' || second !== 'livestreams')
    return null;
  if (third === 'overall') return (request, store) => answer(request.query, store, overall);
  if (third === 'daywise') return (request, store) => answer(request.query, store, daywise);
  return null;
}

interface Range {
  startMs: number;
  endMs: number;
}

function answer(
  query: URLSearchParams,
  store: LivestreamStore,
  summarise: (sessions: readonly Readonly<WireSession>[]) => unknown,
): Answer {
  const range = parseRange(query);
  if (typeof range === 'string') return rtkError(400, range);
  const sessions: Readonly<WireSession>[] = [];
  for (const session of store.allSessions()) {
    const began = beganMs(session);
    if (began >= range.startMs && began <= range.endMs) sessions.push(session);
  }
  return { status: 200, body: { success: true, data: summarise(sessions) } };
}

/** When a session began: it went live, or (never live) was started, or was made. */
function beganMs(session: Readonly<WireSession>): number {
  return Date.parse(session.started_time ?? session.invoked_time ?? session.created_at);
}

function overall(sessions: readonly Readonly<WireSession>[]): unknown {
  return {
    count: new Set(sessions.map((session) => session.livestream_id)).size,
    ...seconds(sessions),
  };
}

function daywise(sessions: readonly Readonly<WireSession>[]): unknown {
  const byDay = new Map<string, Readonly<WireSession>[]>();
  for (const session of sessions) {
    const day = new Date(beganMs(session)).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), session]);
  }
  return [...byDay.keys()].sort().map((date) => {
    const day = byDay.get(date)!;
    return { date, count: day.length, ...seconds(day) };
  });
}

function seconds(sessions: readonly Readonly<WireSession>[]): {
  total_ingest_seconds: number;
  total_viewer_seconds: number;
} {
  let ingest = 0;
  let viewer = 0;
  for (const session of sessions) {
    ingest += session.ingest_seconds;
    viewer += session.viewer_seconds;
  }
  // Sums of values kept to the millisecond: no 0.30000000000000004 in an answer.
  return { total_ingest_seconds: round3(ingest), total_viewer_seconds: round3(viewer) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Unix seconds: digits, optionally a fraction. Exponents and signs are refused rather than guessed at. */
const UNIX_SECONDS = /^\d{1,12}(\.\d{1,9})?$/;

/** Milliseconds; null when absent; NaN when neither Unix seconds nor an ISO date-time. */
function parseInstant(value: string | null): number | null {
  if (value === null) return null;
  if (UNIX_SECONDS.test(value)) return Number(value) * 1000;
  return parseTime(value);
}

/** The range, or the message of a 400. An empty value counts as absent. */
function parseRange(query: URLSearchParams): Range | string {
  const read = (name: 'start_time' | 'end_time'): number | string | null => {
    const raw = query.get(name)?.trim() || null;
    const ms = parseInstant(raw);
    return ms !== null && Number.isNaN(ms)
      ? `${name} must be a Unix time in seconds or an ISO 8601 date-time`
      : ms;
  };
  const start = read('start_time');
  if (typeof start === 'string') return start;
  const end = read('end_time');
  if (typeof end === 'string') return end;
  if (start !== null && end !== null && start > end) return 'start_time must not be after end_time';
  return { startMs: start ?? Number.NEGATIVE_INFINITY, endMs: end ?? Number.POSITIVE_INFINITY };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The demo's past: enough for `stats 90` to show a start, and weeks of activity before it. */
export const DEMO_HISTORY_DAYS = 60;

/** The demo app's regulars: livestreams that have streamed for weeks, now IDLE. */
const REGULARS = ['Weekly Standup', 'Design Office Hours', 'Release Stream', 'Community Q&A'] as const;

/**
 * The demo app's past: a few IDLE livestreams made `days + 1` days before `now`, each with closed
 * sessions over the `days` before today (today is the simulation's): on about half the weekdays and a
 * quarter of the weekend days, 20 minutes to 2 hours to a few dozen viewers. Drawn from `rng`, so a
 * seed replays it. The demo's other livestreams are recent and keep their own sessions.
 */
export function addDemoHistory(args: { store: LivestreamStore; days: number; now: Date; rng: Prng }): void {
  const { store, days, rng } = args;
  const today = Date.UTC(args.now.getUTCFullYear(), args.now.getUTCMonth(), args.now.getUTCDate());
  const made = new Date(today - (days + 1) * DAY_MS).toISOString();
  const regulars = store.addMany(
    REGULARS.map((name) => ({ name, status: 'IDLE', created_at: made, updated_at: made })),
  );
  for (let back = days; back >= 1; back--) {
    const dayStart = today - back * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    const busy = weekday === 0 || weekday === 6 ? 0.25 : 0.55;
    for (const livestream of regulars) {
      if (rng.next() >= busy) continue;
      const startMs = dayStart + (8 + rng.int(12)) * HOUR_MS + rng.int(60) * 60_000;
      const liveSeconds = (20 + rng.int(100)) * 60;
      const viewers = 2 + rng.next() * 40;
      store.addPastSession(
        livestream.id,
        {
          startedAt: new Date(startMs).toISOString(),
          stoppedAt: new Date(startMs + liveSeconds * 1000).toISOString(),
          ingestSeconds: liveSeconds,
          viewerSeconds: liveSeconds * viewers,
        },
        rng,
      );
    }
  }
}

/**
 * The emulator's state: livestreams kept sorted by created_at (so a list request slices instead of
 * sorting 50,000 rows), their sessions, and the status lifecycle that opens and closes sessions.
 * Values are stored in the wire shape (snake_case) so answers serialise them as they are.
 */
import type { Prng } from './prng.js';

export interface WireLivestream {
  id: string;
  name: string | null;
  /** Usually one of LIVE, IDLE, ERRORED, INVOKED; tests may set anything (OFFLINE, WEIRD). */
  status: string;
  disabled: boolean;
  ingest_server: string;
  stream_key: string;
  playback_url: string;
  meeting_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface WireSession {
  id: string;
  livestream_id: string;
  err_message: string | null;
  ingest_seconds: number;
  viewer_seconds: number;
  invoked_time: string | null;
  started_time: string | null;
  stopped_time: string | null;
  created_at: string;
  updated_at: string;
}

export type LivestreamInput = Partial<WireLivestream>;

export interface StatusChange {
  livestreamId: string;
  from: string;
  to: string;
  /** The session that is active after the change, if any. */
  sessionId: string | null;
  errMessage: string | null;
}

export interface ListFilter {
  status: string | null;
  startMs: number | null;
  endMs: number | null;
  excludeMeetings: boolean;
  ascending: boolean;
  offset: number;
  limit: number;
}

/** A stream has an open session while it is LIVE or ERRORED; any other status closes it. */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['LIVE', 'ERRORED']);
export const INGEST_SERVER = 'rtmps://live.cloudflare.com:443/live/';
export const DEFAULT_ERR_MESSAGE = 'RTMP ingest timed out: no video received for 30 s';
const ERR_MESSAGES = [
  DEFAULT_ERR_MESSAGE,
  'Ingest disconnected: encoder stopped sending data',
  'Unsupported codec: H.265 is not accepted, send H.264',
  'Bitrate too high: 25 Mbps exceeds the 20 Mbps limit',
] as const;
/** Simulated seconds per step() for the session counters, whatever the clock says. */
export const STEP_SECONDS = 5;

interface StoredLivestream {
  wire: WireLivestream;
  createdMs: number;
  /** Insertion order: breaks created_at ties so every order is total and stable. */
  seq: number;
  /** When it last became INVOKED: a session's invoked_time. */
  invokedAt: string;
  activeSessionId: string | null;
}

function compareStored(a: StoredLivestream, b: StoredLivestream): number {
  return a.createdMs - b.createdMs || a.seq - b.seq;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export class LivestreamStore {
  /** Ascending by (created_at, seq). */
  private sorted: StoredLivestream[] = [];
  private readonly byId = new Map<string, StoredLivestream>();
  private readonly byMeeting = new Map<string, Set<StoredLivestream>>();
  private readonly sessions = new Map<string, WireSession>();
  private nextSeq = 0;

  constructor(
    private readonly ids: Prng,
    private readonly now: () => Date,
  ) {}

  get size(): number {
    return this.sorted.length;
  }

  add(input: LivestreamInput): WireLivestream {
    return this.addMany([input])[0]!;
  }

  /** Adds many at once with a single merge, so seeding 50,000 streams stays well under a second. */
  addMany(inputs: readonly LivestreamInput[]): WireLivestream[] {
    const fresh = inputs.map((input) => this.build(input));
    const seen = new Set<string>();
    for (const stored of fresh) {
      if (this.byId.has(stored.wire.id) || seen.has(stored.wire.id)) {
        throw new Error(`livestream ${stored.wire.id} already exists`);
      }
      seen.add(stored.wire.id);
    }
    for (const stored of fresh) this.index(stored);
    this.merge(fresh);
    // Streams seeded LIVE or ERRORED need the session a real one would have.
    for (const stored of fresh) {
      if (ACTIVE_STATUSES.has(stored.wire.status)) {
        const session = this.openSession(stored, stored.wire.created_at);
        if (stored.wire.status === 'ERRORED') {
          session.started_time = null;
          session.err_message = DEFAULT_ERR_MESSAGE;
        }
      }
    }
    return fresh.map((stored) => ({ ...stored.wire }));
  }

  remove(id: string): boolean {
    const stored = this.byId.get(id);
    if (!stored) return false;
    this.byId.delete(id);
    this.unindexMeeting(stored);
    const at = this.lowerBound(stored);
    if (this.sorted[at] === stored) this.sorted.splice(at, 1);
    else this.sorted = this.sorted.filter((s) => s !== stored);
    return true;
  }

  get(id: string): WireLivestream | null {
    const stored = this.byId.get(id);
    return stored ? { ...stored.wire } : null;
  }

  /** Every livestream, oldest first (copies). */
  all(): WireLivestream[] {
    return this.sorted.map((stored) => ({ ...stored.wire }));
  }

  session(id: string): WireSession | null {
    const session = this.sessions.get(id);
    return session ? { ...session } : null;
  }

  /** Every session of one livestream, oldest first (copies). */
  sessionsOf(livestreamId: string): WireSession[] {
    return [...this.sessions.values()].filter((s) => s.livestream_id === livestreamId).map((s) => ({ ...s }));
  }

  /** The stream and its open session, or null when it has none (or does not exist). */
  activeSession(livestreamId: string): { livestream: WireLivestream; session: WireSession } | null {
    const stored = this.byId.get(livestreamId);
    if (!stored || stored.activeSessionId === null) return null;
    const session = this.sessions.get(stored.activeSessionId);
    return session ? { livestream: { ...stored.wire }, session: { ...session } } : null;
  }

  /** The newest LIVE livestream of a meeting. */
  liveForMeeting(meetingId: string): WireLivestream | null {
    let best: StoredLivestream | null = null;
    for (const stored of this.byMeeting.get(meetingId) ?? []) {
      if (stored.wire.status !== 'LIVE') continue;
      if (best === null || compareStored(stored, best) > 0) best = stored;
    }
    return best ? { ...best.wire } : null;
  }

  /** One page of the filtered list plus the number of matches. The live objects: serialise, do not keep. */
  list(filter: ListFilter): { items: WireLivestream[]; total: number } {
    const from = filter.startMs === null ? 0 : this.firstAtOrAfter(filter.startMs);
    const to = filter.endMs === null ? this.sorted.length : this.firstAfter(filter.endMs);
    if (to <= from) return { items: [], total: 0 };
    if (filter.status === null && !filter.excludeMeetings) return this.sliceRange(from, to, filter);
    return this.scanRange(from, to, filter);
  }

  /**
   * Moves a livestream to `status`, opening or closing sessions like the real service: going LIVE
   * opens a session, ERRORED records err_message on it, anything else closes it with stopped_time.
   */
  setStatus(id: string, status: string, errMessage?: string): StatusChange | null {
    const stored = this.byId.get(id);
    if (!stored) throw new Error(`no livestream ${id}`);
    return this.transition(stored, status, errMessage ?? null);
  }

  /** Advances every livestream one step of the simulated lifecycle. */
  step(rng: Prng): StatusChange[] {
    const changes: StatusChange[] = [];
    // Iterate a snapshot: transitions never reorder, but callers may add streams from listeners.
    for (const stored of [...this.sorted]) {
      const roll = rng.next();
      const viewers = rng.next() * 12;
      if (stored.wire.disabled) continue;
      this.accrue(stored, viewers);
      const next = nextStatus(stored.wire.status, roll);
      if (next === null) continue;
      const message = next === 'ERRORED' ? errMessageFor(stored.wire.status, rng) : null;
      const change = this.transition(stored, next, message);
      if (change) changes.push(change);
    }
    return changes;
  }

  private build(input: LivestreamInput): StoredLivestream {
    const createdAt = input.created_at ?? this.now().toISOString();
    const createdMs = Date.parse(createdAt);
    if (Number.isNaN(createdMs)) throw new Error(`created_at "${createdAt}" is not a date`);
    const wire: WireLivestream = {
      id: input.id ?? this.ids.uuid(),
      name: input.name ?? null,
      status: input.status ?? 'INVOKED',
      disabled: input.disabled ?? false,
      ingest_server: input.ingest_server ?? INGEST_SERVER,
      stream_key: input.stream_key ?? this.ids.hex(32),
      playback_url:
        input.playback_url ??
        `https://customer-emulator.cloudflarestream.com/${this.ids.hex(16)}/manifest/video.m3u8`,
      meeting_id: input.meeting_id ?? null,
      created_at: createdAt,
      updated_at: input.updated_at ?? createdAt,
    };
    return { wire, createdMs, seq: this.nextSeq++, invokedAt: createdAt, activeSessionId: null };
  }

  private index(stored: StoredLivestream): void {
    this.byId.set(stored.wire.id, stored);
    const meetingId = stored.wire.meeting_id;
    if (meetingId === null) return;
    let set = this.byMeeting.get(meetingId);
    if (!set) {
      set = new Set();
      this.byMeeting.set(meetingId, set);
    }
    set.add(stored);
  }

  private unindexMeeting(stored: StoredLivestream): void {
    const meetingId = stored.wire.meeting_id;
    if (meetingId === null) return;
    const set = this.byMeeting.get(meetingId);
    set?.delete(stored);
    if (set?.size === 0) this.byMeeting.delete(meetingId);
  }

  private merge(fresh: StoredLivestream[]): void {
    fresh.sort(compareStored);
    const last = this.sorted[this.sorted.length - 1];
    const first = fresh[0];
    // The common case (new streams created "now") is an append; anything else re-sorts once.
    if (first === undefined) return;
    if (last === undefined || compareStored(last, first) < 0) {
      for (const stored of fresh) this.sorted.push(stored);
      return;
    }
    this.sorted = this.sorted.concat(fresh).sort(compareStored);
  }

  private lowerBound(target: StoredLivestream): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareStored(this.sorted[mid]!, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first stream created at or after `ms`. */
  private firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.createdMs < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first stream created after `ms` (so `end_time` is inclusive). */
  private firstAfter(ms: number): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]!.createdMs <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** No per-row filter: the page is an index range, whatever the size of the store. */
  private sliceRange(
    from: number,
    to: number,
    filter: ListFilter,
  ): { items: WireLivestream[]; total: number } {
    const total = to - from;
    const items: WireLivestream[] = [];
    for (let i = filter.offset; i < total && items.length < filter.limit; i++) {
      const index = filter.ascending ? from + i : to - 1 - i;
      items.push(this.sorted[index]!.wire);
    }
    return { items, total };
  }

  /** With a status or meeting filter every row in range is checked once, for total_count. */
  private scanRange(
    from: number,
    to: number,
    filter: ListFilter,
  ): { items: WireLivestream[]; total: number } {
    const items: WireLivestream[] = [];
    let total = 0;
    for (let i = 0; i < to - from; i++) {
      const { wire } = this.sorted[filter.ascending ? from + i : to - 1 - i]!;
      if (filter.status !== null && wire.status !== filter.status) continue;
      if (filter.excludeMeetings && wire.meeting_id !== null) continue;
      if (total >= filter.offset && items.length < filter.limit) items.push(wire);
      total++;
    }
    return { items, total };
  }

  private transition(stored: StoredLivestream, to: string, errMessage: string | null): StatusChange | null {
    const from = stored.wire.status;
    const nowIso = this.now().toISOString();
    const active =
      stored.activeSessionId === null ? null : (this.sessions.get(stored.activeSessionId) ?? null);
    if (from === to) {
      // Only a new error message on an ERRORED stream is worth recording.
      if (to === 'ERRORED' && active && errMessage !== null) {
        active.err_message = errMessage;
        active.updated_at = nowIso;
      }
      return null;
    }
    const invokedTime = from === 'INVOKED' ? stored.invokedAt : nowIso;
    if (to === 'LIVE') {
      // An errored session is over; going LIVE again starts a fresh one.
      if (active) this.closeSession(stored, active, nowIso);
      this.openSession(stored, nowIso, invokedTime);
    } else if (to === 'ERRORED') {
      const session = active ?? this.openSession(stored, null, invokedTime);
      session.err_message = errMessage ?? DEFAULT_ERR_MESSAGE;
      session.updated_at = nowIso;
    } else if (active) {
      this.closeSession(stored, active, nowIso);
    }
    if (to === 'INVOKED') stored.invokedAt = nowIso;
    stored.wire.status = to;
    stored.wire.updated_at = nowIso;
    const session = stored.activeSessionId === null ? null : this.sessions.get(stored.activeSessionId);
    return {
      livestreamId: stored.wire.id,
      from,
      to,
      sessionId: session?.id ?? null,
      errMessage: session?.err_message ?? null,
    };
  }

  private openSession(
    stored: StoredLivestream,
    startedTime: string | null,
    invokedTime?: string,
  ): WireSession {
    const nowIso = this.now().toISOString();
    const session: WireSession = {
      id: this.ids.uuid(),
      livestream_id: stored.wire.id,
      err_message: null,
      ingest_seconds: 0,
      viewer_seconds: 0,
      invoked_time: invokedTime ?? stored.invokedAt,
      started_time: startedTime,
      stopped_time: null,
      created_at: nowIso,
      updated_at: nowIso,
    };
    this.sessions.set(session.id, session);
    stored.activeSessionId = session.id;
    return session;
  }

  private closeSession(stored: StoredLivestream, session: WireSession, nowIso: string): void {
    session.stopped_time = nowIso;
    session.updated_at = nowIso;
    stored.activeSessionId = null;
  }

  /** A LIVE stream's session counts ingest and (fractional) viewer seconds for the step. */
  private accrue(stored: StoredLivestream, viewers: number): void {
    if (stored.wire.status !== 'LIVE' || stored.activeSessionId === null) return;
    const session = this.sessions.get(stored.activeSessionId);
    if (!session) return;
    session.ingest_seconds += STEP_SECONDS;
    session.viewer_seconds = round3(session.viewer_seconds + STEP_SECONDS * viewers);
    session.updated_at = this.now().toISOString();
  }
}

/**
 * The lifecycle as a table of chances per step: INVOKED usually goes LIVE, LIVE stays a while then goes
 * IDLE, IDLE sometimes goes LIVE again, and INVOKED or LIVE occasionally fail. Unknown statuses stay.
 */
export function nextStatus(status: string, roll: number): string | null {
  switch (status) {
    case 'INVOKED':
      if (roll < 0.05) return 'ERRORED';
      return roll < 0.65 ? 'LIVE' : null;
    case 'LIVE':
      if (roll < 0.03) return 'ERRORED';
      return roll < 0.2 ? 'IDLE' : null;
    case 'IDLE':
      return roll < 0.1 ? 'LIVE' : null;
    case 'ERRORED':
      return roll < 0.3 ? 'IDLE' : null;
    default:
      return null;
  }
}

function errMessageFor(from: string, rng: Prng): string {
  // A stream that never went LIVE failed waiting for video; a LIVE one can fail in any way.
  return from === 'INVOKED' ? DEFAULT_ERR_MESSAGE : rng.pick(ERR_MESSAGES);
}

/**
 * The emulator's state: livestreams, their sessions, and the status lifecycle that opens and closes
 * sessions. Built to stand in for an app of 1,000,000 livestreams:
 * - Every stream is a row number. Its creation time, status and whether it has a meeting live in typed
 *   arrays; the rest is an object (a stream added one at a time, or one that changed status) or, for
 *   streams seeded in bulk, derived from the row when read (see compact-batch.ts).
 * - Lists are answered from indexes: for every status and for "any status", with and without the
 *   streams of meetings, the rows sorted by (created_at, creation order). Every filter the API has is
 *   then one index and a created_at range of it (two binary searches), and a page reads only its own
 *   rows, whatever the size of the store. Indexes follow every creation, status change and removal.
 * Objects hold values in the wire shape (snake_case), so answers serialise them as they are.
 */
import { type CompactBatch, compactWire, INGEST_SERVER, newBatch, rowOfCompactId } from './compact-batch.js';
import { isUuid } from '../realtimekit/validate.js';
import type { Prng } from './prng.js';
import type { LivestreamInput, WireLivestream, WireSession } from './wire-types.js';
import { SortedRows } from './sorted-rows.js';

export { INGEST_SERVER } from './compact-batch.js';

export type { LivestreamInput, WireLivestream, WireSession } from './wire-types.js';

/** A meeting that can be livestreamed. RealtimeKit's meetings have more; the livestream needs only these. */
export interface WireMeeting {
  id: string;
  title: string | null;
  created_at: string;
}

export type MeetingInput = { id?: string; title?: string | null };

/** A closed session from the past (ISO times), as history for analytics. */
export interface PastSessionInput {
  startedAt: string;
  stoppedAt: string;
  ingestSeconds: number;
  viewerSeconds: number;
  errMessage?: string | null;
}

/** Why a meeting's livestream could not be started or stopped. */
export type MeetingRefusal = 'no-meeting' | 'already-active' | 'none-active';

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
export const DEFAULT_ERR_MESSAGE = 'RTMP ingest timed out: no video received for 30 s';
const ERR_MESSAGES = [
  DEFAULT_ERR_MESSAGE,
  'Ingest disconnected: encoder stopped sending data',
  'Unsupported codec: H.265 is not accepted, send H.264',
  'Bitrate too high: 25 Mbps exceeds the 20 Mbps limit',
] as const;
/** Simulated seconds per step() for the session counters, whatever the clock says. */
export const STEP_SECONDS = 5;
/** Weighted like a real app: mostly idle streams, some live, a few waiting or failed. */
export const BULK_STATUSES = [
  'IDLE',
  'IDLE',
  'IDLE',
  'IDLE',
  'IDLE',
  'IDLE',
  'LIVE',
  'LIVE',
  'INVOKED',
  'ERRORED',
];

/** A stream kept as an object: added one at a time, or changed since it was seeded in bulk. */
interface StoredLivestream {
  wire: WireLivestream;
  /** When it last became INVOKED: a session's invoked_time. */
  invokedAt: string;
  activeSessionId: string | null;
}

/** Status code 0 marks a removed row (and, for indexes, "any status"). */
const REMOVED = 0;
const ANY_STATUS = 0;
const MAX_STATUSES = 255;
const HAS_MEETING = 1;

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export class LivestreamStore {
  /**
   * Rows of every list() answered so far: a page must cost its own rows, not the store's (tests read
   * this to prove that no list scans).
   */
  listRowsRead = 0;
  private rowCount = 0;
  private liveRows = 0;
  private createdMs = new Float64Array(16);
  private statusCodes = new Uint8Array(16);
  private flags = new Uint8Array(16);
  /** Status names by code; code 0 is REMOVED. */
  private readonly statusNames: string[] = [''];
  private readonly statusCodeOf = new Map<string, number>();
  /** Index lists by `code * 2 + (streams without a meeting only ? 1 : 0)`; code 0 is any status. */
  private readonly indexes: (SortedRows | undefined)[] = [];
  private readonly objects = new Map<number, StoredLivestream>();
  /** Rows of objects by id; a bulk-seeded stream's id decodes to its row instead. */
  private readonly rowById = new Map<string, number>();
  private readonly batches: CompactBatch[] = [];
  private readonly batchByIdTail = new Map<string, CompactBatch>();
  /** Rows of objects by meeting: only objects can be LIVE, which is all a meeting lookup asks. */
  private readonly byMeeting = new Map<string, Set<number>>();
  private readonly sessions = new Map<string, WireSession>();
  /** Meetings created here; a meeting is also known by any livestream that names it (see hasMeeting). */
  private readonly meetingsById = new Map<string, WireMeeting>();
  /**
   * Rows of livestreams started for a meeting: the meeting drives them, not the simulation's dice. They
   * go LIVE on the next step and stay LIVE until stopped (or set to another status by hand).
   */
  private readonly meetingRows = new Set<number>();

  constructor(
    private readonly ids: Prng,
    private readonly now: () => Date,
  ) {}

  get size(): number {
    return this.liveRows;
  }

  add(input: LivestreamInput): WireLivestream {
    return this.addMany([input])[0]!;
  }

  /** Adds many at once with a single merge into each index, so seeding 50,000 stays well under a second. */
  addMany(inputs: readonly LivestreamInput[]): WireLivestream[] {
    const built = inputs.map((input) => this.build(input));
    const seen = new Set<string>();
    for (const { wire } of built) {
      if (this.rowOf(wire.id) !== null || seen.has(wire.id)) {
        throw new Error(`livestream ${wire.id} already exists`);
      }
      seen.add(wire.id);
    }
    const first = this.allocate(built.length);
    built.forEach(({ wire, createdMs }, i) => {
      const row = first + i;
      this.createdMs[row] = createdMs;
      this.statusCodes[row] = this.codeOf(wire.status);
      this.flags[row] = wire.meeting_id === null ? 0 : HAS_MEETING;
      this.keep(row, { wire, invokedAt: wire.created_at, activeSessionId: null });
    });
    this.indexNew(first, built.length);
    for (let row = first; row < first + built.length; row++) this.openSeededSession(row);
    return built.map(({ wire }) => ({ ...wire }));
  }

  /**
   * Adds `count` streams one second apart up to now, each with `template`'s fields; without them the
   * status is drawn from BULK_STATUSES, one in five belongs to a meeting and the name is "Stream N".
   * They are stored as rows, not objects (a million take about 25 MB and well under a second); those
   * seeded LIVE or ERRORED become objects at once, with the session a real one would have. Returns the
   * first row and the count: read them with `rows()`, or not at all.
   */
  addBulk(count: number, template: LivestreamInput = {}): { first: number; count: number } {
    if (template.id !== undefined) {
      // An id of its own cannot be derived from the row: an ordinary object (and a second one clashes).
      const nowMs = this.now().getTime();
      const width = String(count).length;
      const added = this.addMany(
        Array.from({ length: count }, (_, i) => ({
          name: `Stream ${String(i + 1).padStart(width, '0')}`,
          status: BULK_STATUSES[this.ids.int(BULK_STATUSES.length)],
          created_at: new Date(nowMs - (count - i) * 1000).toISOString(),
          ...template,
        })),
      );
      return { first: this.rowCount - added.length, count: added.length };
    }
    const nowMs = this.now().getTime();
    const fixedCreatedMs = template.created_at === undefined ? null : Date.parse(template.created_at);
    if (Number.isNaN(fixedCreatedMs)) throw new Error(`created_at "${template.created_at}" is not a date`);
    const first = this.allocate(count);
    const batch = newBatch(first, count, template, this.ids);
    this.batches.push(batch);
    this.batchByIdTail.set(batch.idTail, batch);
    const templateCode = 'status' in template ? this.codeOf(template.status ?? 'INVOKED') : null;
    const templateFlags = 'meeting_id' in template ? (template.meeting_id == null ? 0 : HAS_MEETING) : null;
    const bulkCodes = BULK_STATUSES.map((status) => this.codeOf(status));
    for (let i = 0; i < count; i++) {
      const row = first + i;
      this.createdMs[row] = fixedCreatedMs ?? nowMs - (count - i) * 1000;
      this.statusCodes[row] = templateCode ?? bulkCodes[this.ids.int(bulkCodes.length)]!;
      this.flags[row] = templateFlags ?? (this.ids.int(5) === 0 ? HAS_MEETING : 0);
    }
    this.indexNew(first, count);
    for (let row = first; row < first + count; row++) {
      if (ACTIVE_STATUSES.has(this.statusNames[this.statusCodes[row]!]!)) {
        this.materialise(row);
        this.openSeededSession(row);
      }
    }
    return { first, count };
  }

  /** Copies of `count` rows from `first` (as addBulk returned them), skipping removed ones. */
  rows(first: number, count: number): WireLivestream[] {
    const out: WireLivestream[] = [];
    for (let row = first; row < first + count; row++) {
      if (this.statusCodes[row] !== REMOVED) out.push({ ...this.wireOf(row) });
    }
    return out;
  }

  remove(id: string): boolean {
    const row = this.rowOf(id);
    if (row === null) return false;
    this.meetingRows.delete(row);
    for (const index of this.indexesOf(row)) index.remove(row);
    const stored = this.objects.get(row);
    if (stored) this.unkeep(row, stored);
    this.statusCodes[row] = REMOVED;
    this.liveRows--;
    return true;
  }

  get(id: string): WireLivestream | null {
    const row = this.rowOf(id);
    return row === null ? null : { ...this.wireOf(row) };
  }

  /** Every livestream, oldest first (copies). */
  all(): WireLivestream[] {
    const index = this.index(ANY_STATUS, false);
    const out: WireLivestream[] = [];
    for (let i = 0; i < index.length; i++) out.push({ ...this.wireOf(index.at(i)) });
    return out;
  }

  session(id: string): WireSession | null {
    const session = this.sessions.get(id);
    return session ? { ...session } : null;
  }

  /** Every session of one livestream, oldest first (copies). */
  sessionsOf(livestreamId: string): WireSession[] {
    return [...this.sessions.values()].filter((s) => s.livestream_id === livestreamId).map((s) => ({ ...s }));
  }

  /** Every session of every livestream, as stored: read them, never change them (analytics.ts). */
  allSessions(): Iterable<Readonly<WireSession>> {
    return this.sessions.values();
  }

  /**
   * A session that began and ended in the past, for history (analytics): closed, so the livestream's
   * status and active session stay as they are. Its id comes from `ids` (default: the store's).
   */
  addPastSession(livestreamId: string, input: PastSessionInput, ids: Prng = this.ids): WireSession {
    if (this.rowOf(livestreamId) === null) throw new Error(`no livestream ${livestreamId}`);
    const startedMs = Date.parse(input.startedAt);
    const stoppedMs = Date.parse(input.stoppedAt);
    if (Number.isNaN(startedMs) || Number.isNaN(stoppedMs) || stoppedMs < startedMs)
      throw new Error(`a past session must start before it stops (${input.startedAt}, ${input.stoppedAt})`);
    const session: WireSession = {
      id: ids.uuid(),
      livestream_id: livestreamId,
      err_message: input.errMessage ?? null,
      ingest_seconds: input.ingestSeconds,
      viewer_seconds: round3(input.viewerSeconds),
      invoked_time: input.startedAt,
      started_time: input.startedAt,
      stopped_time: input.stoppedAt,
      created_at: input.startedAt,
      updated_at: input.stoppedAt,
    };
    this.sessions.set(session.id, session);
    return { ...session };
  }

  /** The stream and its open session, or null when it has none (or does not exist). */
  activeSession(livestreamId: string): { livestream: WireLivestream; session: WireSession } | null {
    const row = this.rowOf(livestreamId);
    const stored = row === null ? undefined : this.objects.get(row);
    if (!stored || stored.activeSessionId === null) return null;
    const session = this.sessions.get(stored.activeSessionId);
    return session ? { livestream: { ...stored.wire }, session: { ...session } } : null;
  }

  /** The newest active livestream of a meeting: LIVE, or INVOKED (being started). */
  activeForMeeting(meetingId: string): WireLivestream | null {
    const row = this.activeRowOfMeeting(meetingId);
    return row === null ? null : { ...this.wireOf(row) };
  }

  addMeeting(input: MeetingInput): WireMeeting {
    const id = input.id ?? this.ids.uuid();
    if (!isUuid(id)) throw new Error(`a meeting id must be a UUID (got "${id}")`);
    if (this.meetingsById.has(id)) throw new Error(`meeting ${id} already exists`);
    const meeting: WireMeeting = { id, title: input.title ?? null, created_at: this.now().toISOString() };
    this.meetingsById.set(id, meeting);
    return { ...meeting };
  }

  /** The meetings created, oldest first (copies). */
  meetings(): WireMeeting[] {
    return [...this.meetingsById.values()].map((meeting) => ({ ...meeting }));
  }

  hasMeeting(meetingId: string): boolean {
    return this.meetingsById.has(meetingId) || this.byMeeting.has(meetingId);
  }

  /** Starts livestreaming a meeting: a new livestream, INVOKED, that the next step() makes LIVE. */
  startForMeeting(meetingId: string, name: string | null): WireLivestream | MeetingRefusal {
    if (!this.hasMeeting(meetingId)) return 'no-meeting';
    if (this.activeRowOfMeeting(meetingId) !== null) return 'already-active';
    const added = this.add({ name, status: 'INVOKED', meeting_id: meetingId });
    this.meetingRows.add(this.rowOf(added.id)!);
    return added;
  }

  /** Stops the meeting's active livestream: IDLE, its session closed. */
  stopForMeeting(
    meetingId: string,
  ): { livestream: WireLivestream; change: StatusChange | null } | MeetingRefusal {
    const row = this.activeRowOfMeeting(meetingId);
    if (row === null) return 'none-active';
    const change = this.transition(row, 'IDLE', null);
    return { livestream: { ...this.wireOf(row) }, change };
  }

  /**
   * One page of the filtered list plus the number of matches: one index, a created_at range of it found
   * by binary search, and the page's rows. The live objects: serialise, do not keep.
   */
  list(filter: ListFilter): { items: WireLivestream[]; total: number } {
    const code = filter.status === null ? ANY_STATUS : this.statusCodeOf.get(filter.status);
    if (code === undefined) return { items: [], total: 0 };
    const index = this.index(code, filter.excludeMeetings);
    const from = filter.startMs === null ? 0 : index.firstAtOrAfter(filter.startMs);
    const to = filter.endMs === null ? index.length : index.firstAfter(filter.endMs);
    const total = Math.max(0, to - from);
    const items: WireLivestream[] = [];
    for (let i = filter.offset; i < total && items.length < filter.limit; i++) {
      items.push(this.wireOf(index.at(filter.ascending ? from + i : to - 1 - i)));
      this.listRowsRead++;
    }
    return { items, total };
  }

  /**
   * Moves a livestream to `status`, opening or closing sessions like the real service: going LIVE
   * opens a session, ERRORED records err_message on it, anything else closes it with stopped_time.
   */
  setStatus(id: string, status: string, errMessage?: string): StatusChange | null {
    const row = this.rowOf(id);
    if (row === null) throw new Error(`no livestream ${id}`);
    return this.transition(row, status, errMessage ?? null);
  }

  /** Advances every livestream one step of the simulated lifecycle. */
  step(rng: Prng): StatusChange[] {
    const changes: StatusChange[] = [];
    // Iterate a snapshot: transitions never reorder, but callers may add streams from listeners.
    for (const row of this.index(ANY_STATUS, false).toArray()) {
      const roll = rng.next();
      const viewers = rng.next() * 12;
      if (this.statusCodes[row] === REMOVED || this.isDisabled(row)) continue;
      const status = this.statusNames[this.statusCodes[row]!]!;
      if (status === 'LIVE') this.accrue(this.objects.get(row), viewers);
      if (this.meetingRows.has(row)) {
        // A meeting's livestream runs while the meeting does: LIVE once started, until stopped.
        const change = status === 'INVOKED' ? this.transition(row, 'LIVE', null) : null;
        if (change) changes.push(change);
        continue;
      }
      const next = nextStatus(status, roll);
      if (next === null) continue;
      const message = next === 'ERRORED' ? errMessageFor(status, rng) : null;
      const change = this.transition(row, next, message, false);
      if (change) changes.push(change);
    }
    if (changes.length > 0) this.rebuildStatusIndexes();
    return changes;
  }

  private build(input: LivestreamInput): { wire: WireLivestream; createdMs: number } {
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
    return { wire, createdMs };
  }

  private activeRowOfMeeting(meetingId: string): number | null {
    let best: number | null = null;
    for (const row of this.byMeeting.get(meetingId) ?? []) {
      const status = this.statusNames[this.statusCodes[row]!];
      if (status !== 'LIVE' && status !== 'INVOKED') continue;
      if (best === null || this.compareRows(row, best) > 0) best = row;
    }
    return best;
  }

  /** The row of a stream by id, or null when there is none (or it was removed). */
  private rowOf(id: string): number | null {
    const row = this.rowById.get(id) ?? rowOfCompactId(id, this.batchByIdTail);
    return row === null || this.statusCodes[row] === REMOVED ? null : row;
  }

  /** The stream as it is now: the object itself, or a fresh one built from a bulk row. */
  private wireOf(row: number): WireLivestream {
    const stored = this.objects.get(row);
    if (stored) return stored.wire;
    return compactWire(this.batchOf(row), row, {
      createdMs: this.createdMs[row]!,
      status: this.statusNames[this.statusCodes[row]!]!,
      hasMeeting: (this.flags[row]! & HAS_MEETING) !== 0,
    });
  }

  private isDisabled(row: number): boolean {
    const stored = this.objects.get(row);
    return stored ? stored.wire.disabled : (this.batchOf(row).template.disabled ?? false);
  }

  private batchOf(row: number): CompactBatch {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.batches[mid]!.first <= row) lo = mid;
      else hi = mid - 1;
    }
    const batch = this.batches[lo];
    if (!batch || row < batch.first || row >= batch.first + batch.count) throw new Error(`no row ${row}`);
    return batch;
  }

  /** A bulk row about to change becomes an object, with the fields it was read with. */
  private materialise(row: number): StoredLivestream {
    const existing = this.objects.get(row);
    if (existing) return existing;
    const wire = this.wireOf(row);
    const stored: StoredLivestream = { wire, invokedAt: wire.created_at, activeSessionId: null };
    this.keep(row, stored);
    return stored;
  }

  private keep(row: number, stored: StoredLivestream): void {
    this.objects.set(row, stored);
    this.rowById.set(stored.wire.id, row);
    const meetingId = stored.wire.meeting_id;
    if (meetingId === null) return;
    let rows = this.byMeeting.get(meetingId);
    if (!rows) {
      rows = new Set();
      this.byMeeting.set(meetingId, rows);
    }
    rows.add(row);
  }

  private unkeep(row: number, stored: StoredLivestream): void {
    this.objects.delete(row);
    this.rowById.delete(stored.wire.id);
    const meetingId = stored.wire.meeting_id;
    if (meetingId === null) return;
    const rows = this.byMeeting.get(meetingId);
    rows?.delete(row);
    if (rows?.size === 0) this.byMeeting.delete(meetingId);
  }

  /** Room for `count` more rows; returns the first new row. */
  private allocate(count: number): number {
    const first = this.rowCount;
    const needed = first + count;
    if (needed > this.createdMs.length) {
      const capacity = Math.max(needed, Math.ceil(this.createdMs.length * 1.5));
      this.createdMs = grown(this.createdMs, new Float64Array(capacity));
      this.statusCodes = grown(this.statusCodes, new Uint8Array(capacity));
      this.flags = grown(this.flags, new Uint8Array(capacity));
    }
    this.rowCount = needed;
    this.liveRows += count;
    return first;
  }

  private codeOf(status: string): number {
    let code = this.statusCodeOf.get(status);
    if (code === undefined) {
      if (this.statusNames.length > MAX_STATUSES)
        throw new Error(`more than ${MAX_STATUSES} distinct statuses`);
      code = this.statusNames.length;
      this.statusNames.push(status);
      this.statusCodeOf.set(status, code);
    }
    return code;
  }

  private index(code: number, withoutMeetings: boolean): SortedRows {
    const slot = code * 2 + (withoutMeetings ? 1 : 0);
    let index = this.indexes[slot];
    if (!index) {
      index = new SortedRows((row) => this.createdMs[row]!);
      this.indexes[slot] = index;
    }
    return index;
  }

  /** The indexes a row belongs to, for its status as it is now. */
  private indexesOf(row: number): SortedRows[] {
    const indexes: SortedRows[] = [];
    this.forEachSlot(row, (slot) => indexes.push(this.index(slot >> 1, (slot & 1) === 1)));
    return indexes;
  }

  /** Adds rows `first`..`first + count - 1` to their indexes: one sort and one merge per index. */
  private indexNew(first: number, count: number): void {
    let order = Int32Array.from({ length: count }, (_, i) => first + i);
    // Bulk rows are created oldest first, so usually already sorted; rows given created_at may not be.
    const sorted = order.every((row, i) => i === 0 || this.compareRows(order[i - 1]!, row) < 0);
    if (!sorted) order = order.sort((a, b) => this.compareRows(a, b));
    const buckets = this.bucketsBySlot(order, (row, visit) => this.forEachSlot(row, visit));
    for (const [slot, rows] of buckets) this.index(slot >> 1, (slot & 1) === 1).addSorted(rows);
  }

  /**
   * Builds every status's indexes again from the any-status ones (whose order a status change never
   * alters): after a step() that moved thousands of streams, one pass instead of a memmove for each.
   */
  private rebuildStatusIndexes(): void {
    const buckets = this.bucketsBySlot(this.index(ANY_STATUS, false).toArray(), (row, visit) => {
      const code = this.statusCodes[row]!;
      visit(code * 2);
      if ((this.flags[row]! & HAS_MEETING) === 0) visit(code * 2 + 1);
    });
    this.indexes.length = 2;
    for (const [slot, rows] of buckets) this.index(slot >> 1, (slot & 1) === 1).addSorted(rows);
  }

  /** `order`'s rows split by index slot, each in `order`'s order, in arrays of exactly their size. */
  private bucketsBySlot(
    order: Int32Array,
    slotsOf: (row: number, visit: (slot: number) => void) => void,
  ): Map<number, Int32Array> {
    const counts = new Map<number, number>();
    for (const row of order) slotsOf(row, (slot) => counts.set(slot, (counts.get(slot) ?? 0) + 1));
    const buckets = new Map<number, { rows: Int32Array; filled: number }>();
    for (const [slot, count] of counts) buckets.set(slot, { rows: new Int32Array(count), filled: 0 });
    for (const row of order) {
      slotsOf(row, (slot) => {
        const bucket = buckets.get(slot)!;
        bucket.rows[bucket.filled++] = row;
      });
    }
    return new Map([...buckets].map(([slot, bucket]) => [slot, bucket.rows]));
  }

  /** The index slots of a row: any status and its own, each also without meetings if it has none. */
  private forEachSlot(row: number, visit: (slot: number) => void): void {
    const code = this.statusCodes[row]!;
    visit(ANY_STATUS * 2);
    visit(code * 2);
    if ((this.flags[row]! & HAS_MEETING) !== 0) return;
    visit(ANY_STATUS * 2 + 1);
    visit(code * 2 + 1);
  }

  private compareRows(a: number, b: number): number {
    return this.createdMs[a]! - this.createdMs[b]! || a - b;
  }

  /** Streams seeded LIVE or ERRORED need the session a real one would have. */
  private openSeededSession(row: number): void {
    const stored = this.objects.get(row);
    if (!stored || !ACTIVE_STATUSES.has(stored.wire.status)) return;
    const session = this.openSession(stored, stored.wire.created_at);
    if (stored.wire.status === 'ERRORED') {
      session.started_time = null;
      session.err_message = DEFAULT_ERR_MESSAGE;
    }
  }

  /** `reindex` false: the caller rebuilds the status indexes afterwards (a step of many changes). */
  private transition(
    row: number,
    to: string,
    errMessage: string | null,
    reindex = true,
  ): StatusChange | null {
    const from = this.statusNames[this.statusCodes[row]!]!;
    const nowIso = this.now().toISOString();
    if (from === to) {
      // Only a new error message on an ERRORED stream is worth recording.
      const stored = this.objects.get(row);
      const active = stored?.activeSessionId == null ? null : this.sessions.get(stored.activeSessionId);
      if (to === 'ERRORED' && active && errMessage !== null) {
        active.err_message = errMessage;
        active.updated_at = nowIso;
      }
      return null;
    }
    const stored = this.materialise(row);
    const active =
      stored.activeSessionId === null ? null : (this.sessions.get(stored.activeSessionId) ?? null);
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
    // Stopped, failed or set aside by hand: the meeting no longer holds it LIVE.
    if (to !== 'LIVE' && to !== 'INVOKED') this.meetingRows.delete(row);
    // Leave the old status's indexes and join the new one's (the any-status ones stay as they are).
    const solo = (this.flags[row]! & HAS_MEETING) === 0;
    if (reindex) this.index(this.statusCodes[row]!, false).remove(row);
    if (reindex && solo) this.index(this.statusCodes[row]!, true).remove(row);
    this.statusCodes[row] = this.codeOf(to);
    if (reindex) this.index(this.statusCodes[row]!, false).insert(row);
    if (reindex && solo) this.index(this.statusCodes[row]!, true).insert(row);
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
    // A session that went LIVE counted ingest at least for as long as it was live, even when no
    // simulation step ran meanwhile (the demo's script, tests that set statuses by hand): made-up but
    // consistent figures, a few viewers on average, so an "ended" post never shows 0 s for a live show.
    if (session.started_time === null) return;
    const liveSeconds = Math.floor((Date.parse(nowIso) - Date.parse(session.started_time)) / 1000);
    if (liveSeconds > session.ingest_seconds) {
      session.ingest_seconds = liveSeconds;
      if (session.viewer_seconds === 0) session.viewer_seconds = round3(liveSeconds * DEFAULT_VIEWERS);
    }
  }

  /** A LIVE stream's session counts ingest and (fractional) viewer seconds for the step. */
  private accrue(stored: StoredLivestream | undefined, viewers: number): void {
    if (!stored || stored.activeSessionId === null) return;
    const session = this.sessions.get(stored.activeSessionId);
    if (!session) return;
    session.ingest_seconds += STEP_SECONDS;
    session.viewer_seconds = round3(session.viewer_seconds + STEP_SECONDS * viewers);
    session.updated_at = this.now().toISOString();
  }
}

/** Viewers a session is given on average when no simulation step counted them. */
const DEFAULT_VIEWERS = 4.5;

/** `bigger` holding `array`'s values (the rest zero). */
function grown<T extends Float64Array | Uint8Array>(array: T, bigger: T): T {
  bigger.set(array);
  return bigger;
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

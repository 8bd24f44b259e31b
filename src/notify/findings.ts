/**
 * The pure half of a poll: what one read (a cycle, or a targeted check) found, compared with the streams
 * known LIVE or ERRORED. It decides which statuses to keep, which streams to stop watching and which
 * transitions to announce; it reads nothing and writes nothing (the poller does both), so its rules are
 * tested on plain values (test/notify/findings.test.ts).
 */
import type { Livestream, LivestreamSession, LivestreamStatus } from '../realtimekit/types.js';
import type { StoredStatus } from './store.js';
import type { StreamEvent, StreamEventKind } from './types.js';

/** The statuses a notification can come from or go to: the only ones the poller reads and keeps. */
export const WATCHED_STATUSES: ReadonlySet<LivestreamStatus> = new Set<LivestreamStatus>(['LIVE', 'ERRORED']);

/** Reads in a row a stream must be missing from, without other evidence, before it counts as gone. */
export const ABSENCES_TO_CONFIRM = 2;

/** The events a change of status announces (none for a stream seen for the first time in a baseline). */
export function transitionKinds(
  previous: LivestreamStatus | undefined,
  next: LivestreamStatus,
): StreamEventKind[] {
  const kinds: StreamEventKind[] = [];
  if (previous === 'LIVE' && next !== 'LIVE') kinds.push('ended');
  if (next === 'LIVE' && previous !== 'LIVE') kinds.push('live');
  if (next === 'ERRORED' && previous !== 'ERRORED') kinds.push('errored');
  return kinds;
}

/**
 * What is known of a watched stream missing from a read: `listed` (a lookup found it in another status,
 * handled like a listed stream), `still-live` (the read was torn), `no-active-session` (it ended), or
 * null (nothing yet).
 */
export type Evidence = 'listed' | 'still-live' | 'no-active-session' | null;

/**
 * What a watched stream missing from a read means, given the evidence and how many reads in a row it was
 * already missing from: `present` (it is there after all), `wait` (one list read may be torn: a stream
 * created or deleted between two pages shifts another out of sight), or `left`.
 */
export function judgeMissing(evidence: Evidence, absencesBefore: number): 'present' | 'wait' | 'left' {
  if (evidence === 'still-live' || evidence === 'listed') return 'present';
  if (evidence === 'no-active-session') return 'left';
  // No evidence: missing from two reads in a row, it has left as far as anyone can tell.
  return absencesBefore + 1 < ABSENCES_TO_CONFIRM ? 'wait' : 'left';
}

/** What one read found, before it is written. */
export class Findings {
  /** Watched streams whose status or presence changed (new LIVE/ERRORED ones included). */
  readonly changed = new Map<string, StoredStatus>();
  /** Streams that are no longer LIVE or ERRORED: nothing more to watch. */
  readonly removed = new Set<string>();
  readonly transitions: Omit<StreamEvent, 'at'>[] = [];
  /** Active sessions the read already fetched, so enriching the events asks for them no second time. */
  readonly sessions = new Map<string, LivestreamSession | null>();

  /**
   * @param watched the streams known LIVE or ERRORED; null before the first read (no baseline yet)
   * @param announce false for the baseline: statuses are recorded, nothing is announced
   */
  constructor(
    private readonly watched: ReadonlyMap<string, StoredStatus> | null,
    private readonly announce: boolean,
  ) {}

  /** A livestream as the API shows it now, compared with what is watched. */
  readonly visit = (livestream: Livestream): void => {
    const before = this.watched?.get(livestream.id);
    if (before?.status === livestream.status) return;
    if (WATCHED_STATUSES.has(livestream.status)) {
      this.changed.set(livestream.id, {
        status: livestream.status,
        name: livestream.name,
        sessionId: livestream.status === 'LIVE' ? null : (before?.sessionId ?? null),
      });
    } else if (before) this.removed.add(livestream.id);
    if (!this.announce) return;
    for (const kind of transitionKinds(before?.status, livestream.status)) {
      this.transitions.push({ kind, stream: snapshot(livestream), previousStatus: before?.status ?? null });
    }
  };

  /** A watched stream that has left LIVE/ERRORED for a status nobody saw (confirmed missing, or 404). */
  left(id: string, before: StoredStatus): void {
    this.removed.add(id);
    if (before.status !== 'LIVE' || !this.announce) return;
    this.transitions.push({
      kind: 'ended',
      stream: { id, name: before.name, status: 'UNKNOWN', playbackUrl: null },
      previousStatus: 'LIVE',
    });
  }
}

function snapshot(livestream: Livestream): StreamEvent['stream'] {
  return {
    id: livestream.id,
    name: livestream.name,
    status: livestream.status,
    rawStatus: livestream.rawStatus,
    playbackUrl: livestream.playbackUrl,
    meetingId: livestream.meetingId,
  };
}

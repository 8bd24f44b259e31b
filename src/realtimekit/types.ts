/** Normalised RealtimeKit values: what the rest of the code may trust after `wire.ts` parsed a body. */

export const KNOWN_STATUSES = ['LIVE', 'IDLE', 'ERRORED', 'INVOKED'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];
/** `OFFLINE` appears in guides and webhooks; anything else the API invents is `UNKNOWN` (never a failure). */
export type LivestreamStatus = KnownStatus | 'OFFLINE' | 'UNKNOWN';

export interface Livestream {
  id: string;
  name: string | null;
  status: LivestreamStatus;
  /** The status exactly as the API sent it, for display when it is `UNKNOWN`. */
  rawStatus: string | null;
  meetingId: string | null;
  ingestServer: string | null;
  /** Secret: lets anyone broadcast. Only ever shown to the person who asked. */
  streamKey: string | null;
  playbackUrl: string | null;
  disabled: boolean | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface LivestreamSession {
  id: string;
  livestreamId: string | null;
  errMessage: string | null;
  ingestSeconds: number | null;
  viewerSeconds: number | null;
  invokedTime: string | null;
  startedTime: string | null;
  stoppedTime: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface ActiveLivestreamSession {
  livestream: Livestream | null;
  session: LivestreamSession | null;
}

/** One livestream with a page of its sessions (`GET /livestreams/{id}`), whatever shape the answer had. */
export interface LivestreamDetails {
  livestream: Livestream;
  /** In the order the API sent them. */
  sessions: LivestreamSession[];
  paging: Paging;
}

/** What a stop answered: its wording varies between sources, and may be absent. */
export interface StopResult {
  message: string | null;
}

export interface Paging {
  totalCount: number | null;
  startOffset: number | null;
  endOffset: number | null;
}

export interface LivestreamPage {
  livestreams: Livestream[];
  paging: Paging;
  /**
   * How many items the answer's list held, including any that could not be read (no id): whether a
   * page was full is judged on this, so one broken item never looks like the last page.
   */
  received: number;
}

export type SortOrder = 'ASC' | 'DSC';

export interface ListQuery {
  status?: KnownStatus;
  /** ISO 8601 date-time. */
  startTime?: string;
  endTime?: string;
  /** 1-based. */
  pageNo?: number;
  perPage?: number;
  sortOrder?: SortOrder;
  excludeMeetings?: boolean;
}

/** The largest page we ask for. The API documents no maximum; 100 is what RealtimeKit lists accept. */
export const MAX_PER_PAGE = 100;
export const MAX_NAME_LENGTH = 200;

/** The app's livestream figures over a time range (`GET /analytics/livestreams/overall`). */
export interface LivestreamTotals {
  /** Livestreams that streamed (the API's `count`). */
  count: number;
  /** How long input was received (RealtimeKit: "the meeting was streamed"). */
  ingestSeconds: number;
  /** Watch time, summed over every viewer. */
  viewerSeconds: number;
}

/** One day of them (`GET /analytics/livestreams/daywise`); `count` is that day's sessions. */
export interface LivestreamDay extends LivestreamTotals {
  /** The UTC day, `YYYY-MM-DD`. */
  date: string;
}

/** A time range in epoch milliseconds, both ends included; sent to the API as Unix seconds. */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

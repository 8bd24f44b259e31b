/**
 * The poller: sweeps every livestream, compares each status with the stored one, and writes the
 * resulting events and their deliveries in one transaction. A sweep that fails part-way changes
 * nothing; the next one retries, with backoff while the API keeps failing. One cycle at a time.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import type { Livestream, LivestreamStatus } from '../realtimekit/types.js';
import type { RequestBudget } from './budget.js';
import type { CycleCommit, NotifyStore, StoredStatus } from './store.js';
import { targetsFor } from './targets.js';
import type { Platform } from '../sink.js';
import type { StreamEvent, StreamEventKind, Subscription, SystemEvent } from './types.js';

export interface PollerOptions {
  /** A client whose `onRequest` feeds `budget`, so every request the poller makes is counted. */
  client: RealtimeKitClient;
  store: NotifyStore;
  clock: Clock;
  log: Logger;
  budget: RequestBudget;
  intervalMs: number;
  alertAfterMs: number;
  /**
   * For the best-effort session lookups (err_message, figures): short timeout, no retries, also counted
   * against `budget`. Default: `client`.
   */
  lookupClient?: RealtimeKitClient;
  /** Platforms with a running sink: subscriptions on others get no deliveries (default: all). */
  platforms?: readonly Platform[];
  /** Called after a cycle wrote deliveries, to wake the sender. */
  onEnqueued?: () => void;
  /**
   * Every how many cycles to sweep every livestream; the cycles between read only the LIVE and ERRORED
   * lists, which is all a transition needs (default 20; 1: always sweep everything).
   */
  fullSweepEvery?: number;
}

export const DEFAULT_FULL_SWEEP_EVERY = 20;

export type CycleResult =
  | { ok: true; baseline: boolean; full: boolean; streams: number; events: number; requests: number }
  | { ok: false; error: string; requests: number };

/** Lookups for err_message and session figures are extras: a burst must not eat the whole budget. */
const MAX_LOOKUPS_PER_CYCLE = 20;
/** Targeted lookups of LIVE streams missing from a read; the rest wait for a second absence. */
const MAX_CONFIRMATIONS_PER_CYCLE = 20;
/** Reads in a row a stream must be missing from, without other evidence, before it counts as gone. */
const ABSENCES_TO_CONFIRM = 2;

/**
 * What is known of a stored stream missing from a read: `listed` (a lookup found it in another status,
 * handled like a listed stream), `still-live` (the read was torn), `no-active-session` (it ended), or
 * null (nothing yet).
 */
type Evidence = 'listed' | 'still-live' | 'no-active-session' | null;
const MAX_BACKOFF_MS = 5 * 60_000;

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

export class Poller {
  private statuses: Map<string, StoredStatus> | null = null;
  private running: Promise<CycleResult> | null = null;
  private failures = 0;
  private lastError: unknown = null;
  private lastReason = '';
  /** Monotonic ms since when the API has been failing (this run of failures); null while it answers. */
  private failingSince: number | null = null;
  /** Requests of the last full sweep and of the last light (LIVE + ERRORED lists) cycle. */
  private fullCost = 1;
  private lightCost = 1;
  /** Infinity: the first cycle after a start is a full sweep. */
  private cyclesSinceFull = Number.POSITIVE_INFINITY;
  private stretchedTo = 0;
  /** Streams missing from the last read(s) without evidence that they left, with how many reads in a row. */
  private readonly absences = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly options: PollerOptions) {}

  /** Runs one cycle now, or joins the one already running. */
  runCycle(): Promise<CycleResult> {
    this.running ??= this.cycle()
      .catch((error: unknown) => {
        // The store failed (disk full, read-only DATA_DIR): nothing was committed, so the next cycle redoes it.
        this.options.log.error('poll cycle could not save its state; will retry', { error });
        this.failures++;
        return { ok: false as const, error: 'state could not be saved', requests: 0 };
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  start(): void {
    if (this.loop) return;
    const { clock, budget } = this.options;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        const wait = budget.waitMs(this.nextFull() ? this.fullCost : this.lightCost, clock.monotonic());
        if (wait > 0) {
          this.options.log.warn('poller waits for its request budget', {
            waitMs: wait,
            budget: budget.limit,
          });
          await clock.sleep(wait, this.abort.signal);
          if (this.abort.signal.aborted) break;
        }
        const result = await this.runCycle();
        let delay = this.nextDelayMs(result);
        // A backoff may reach past the moment the outage notice is due: tell the channels on time (the
        // API has not answered since it started failing), then wait out the rest.
        const untilAlert = this.msUntilAlert();
        if (untilAlert !== null && untilAlert < delay) {
          await clock.sleep(untilAlert, this.abort.signal);
          if (this.abort.signal.aborted) break;
          this.alertIfDue(this.lastReason);
          delay -= untilAlert;
        }
        await clock.sleep(delay, this.abort.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.running;
  }

  /** The wait before the next cycle: the interval, stretched to fit the budget, or a backoff after failures. */
  nextDelayMs(result: CycleResult): number {
    const { intervalMs, budget, log } = this.options;
    if (!result.ok) {
      const backoff = Math.min(intervalMs * 2 ** Math.min(this.failures, 10), MAX_BACKOFF_MS);
      const retryAfter = isRealtimeKitError(this.lastError)
        ? (this.lastError.retryAfterSeconds ?? 0) * 1000
        : 0;
      return Math.max(backoff, retryAfter);
    }
    const every = this.fullSweepEvery();
    // The average cost of a cycle over one full sweep and the light cycles between two of them.
    const averageCost = (this.fullCost + (every - 1) * this.lightCost) / every;
    const sustainable = budget.sustainableIntervalMs(averageCost, this.options.clock.monotonic());
    if (sustainable > intervalMs) {
      if (sustainable !== this.stretchedTo) {
        log.warn('poll interval stretched to stay within API_REQUEST_BUDGET', {
          configuredMs: intervalMs,
          stretchedMs: sustainable,
          requestsPerCycle: Math.round(averageCost * 10) / 10,
          budget: budget.limit,
        });
      }
      this.stretchedTo = sustainable;
      return sustainable;
    }
    this.stretchedTo = 0;
    return intervalMs;
  }

  private fullSweepEvery(): number {
    return Math.max(1, Math.floor(this.options.fullSweepEvery ?? DEFAULT_FULL_SWEEP_EVERY));
  }

  private nextFull(): boolean {
    return this.statuses === null || this.cyclesSinceFull + 1 >= this.fullSweepEvery();
  }

  /**
   * A full sweep lists every livestream. A light cycle lists only LIVE and ERRORED ones: a stream that
   * went LIVE or ERRORED is in one of them, and a stored LIVE/ERRORED stream in neither has left that
   * status. Items are judged by the status they carry, so a server that ignored the filter is still read
   * right. Full sweeps (the first after a start, then every `fullSweepEvery`) catch everything else.
   * Each livestream is handed to `visit` as it arrives and then dropped: a sweep keeps only the ids it
   * saw, not 10,000 parsed livestreams (less garbage promoted, a smaller heap).
   */
  private async sweep(full: boolean, visit: (livestream: Livestream) => void): Promise<Set<string>> {
    const { client } = this.options;
    // One set for both lists of a light cycle: a server that ignores the filter sends every stream in
    // both, and the second walk then stops after one page. The first list wins: a stream that went from
    // LIVE to ERRORED between the two requests is read as LIVE, and its change seen one cycle later.
    const seen = new Set<string>();
    const queries = full ? [{}] : [{ status: 'LIVE' as const }, { status: 'ERRORED' as const }];
    for (const query of queries) {
      for await (const page of client.allLivestreamPages(query, seen)) {
        for (const livestream of page) visit(livestream);
      }
    }
    return seen;
  }

  private async cycle(): Promise<CycleResult> {
    const { store, clock, log, budget } = this.options;
    const startTotal = budget.total;
    const requests = () => budget.total - startTotal;
    this.statuses ??= store.loadStatuses();
    const previous = this.statuses;
    const full = this.nextFull();
    // Nothing below touches the store until the sweep has succeeded: a failure part-way changes nothing.
    const changed = new Map<string, StoredStatus>();
    const transitions: Omit<StreamEvent, 'at'>[] = [];
    const visit = (livestream: Livestream) => {
      const before = previous?.get(livestream.id);
      if (before?.status === livestream.status) return;
      changed.set(livestream.id, {
        status: livestream.status,
        name: livestream.name,
        sessionId: livestream.status === 'LIVE' ? null : (before?.sessionId ?? null),
      });
      if (previous === null) return; // the baseline announces nothing
      for (const kind of transitionKinds(before?.status, livestream.status)) {
        transitions.push({ kind, stream: snapshot(livestream), previousStatus: before?.status ?? null });
      }
    };
    let seen: Set<string>;
    try {
      seen = await this.sweep(full, visit);
    } catch (error) {
      return this.failed(error, requests());
    }
    for (const id of this.absences.keys()) if (seen.has(id)) this.absences.delete(id);
    const missing = previous === null ? [] : await this.missingFrom(seen, full, previous, visit);
    // When the sweep ended: a sweep of many pages can take seconds, and event times drive the cooldown.
    const at = new Date(clock.now()).toISOString();
    const events: StreamEvent[] = transitions.map((transition) => ({ ...transition, at }));
    // The API answers again: "notifications are back" goes out before the changes it says follow.
    await this.recovered();
    if (previous === null) {
      store.commitCycle({ changed, removed: [], events: [], baseline: true });
      this.statuses = changed;
      this.fullCost = Math.max(1, requests());
      this.cyclesSinceFull = 0;
      log.info('baseline recorded: streams already live are not announced', { streams: seen.size });
      this.succeeded();
      return { ok: true, baseline: true, full, streams: seen.size, events: 0, requests: this.fullCost };
    }

    const removed: string[] = [];
    for (const { id, before, evidence } of missing) {
      if (evidence === 'still-live' || evidence === 'listed') continue;
      if (evidence === null) {
        // No evidence yet: one list read may be torn (a stream created or deleted between two pages shifts
        // another out of sight). Absent from two reads in a row, it has left as far as anyone can tell.
        const absences = (this.absences.get(id) ?? 0) + 1;
        if (absences < ABSENCES_TO_CONFIRM) {
          this.absences.set(id, absences);
          continue;
        }
      }
      this.absences.delete(id);
      // Missing from the whole list twice: deleted. Missing from it with no active session: deleted, or
      // IDLE and shifted out of sight by a torn read; either way nothing more to announce of it, and a
      // stream seen again with a status that is not LIVE or ERRORED announces nothing either.
      // Otherwise it left LIVE or ERRORED; which status it has now, the next full sweep tells; for
      // notifications it only matters that it is neither.
      const vanished = full && evidence === null;
      if (full) removed.push(id);
      else changed.set(id, { status: 'UNKNOWN', name: before.name, sessionId: before.sessionId });
      if (before.status === 'LIVE') {
        events.push({
          kind: 'ended',
          stream: { id, name: before.name, status: 'UNKNOWN', playbackUrl: null },
          previousStatus: 'LIVE',
          ...(vanished ? { vanished: true } : {}),
          at,
        });
      }
    }

    await this.enrich(events, changed, previous);
    const subscriptions = this.subscriptions();
    const commit: CycleCommit = {
      changed,
      removed,
      events: events.map((event) => ({ event, targets: targetsFor(event, subscriptions) })),
      baseline: false,
    };
    store.commitCycle(commit);
    for (const [id, stored] of changed) previous.set(id, stored);
    for (const id of removed) previous.delete(id);
    for (const id of changed.keys()) this.absences.delete(id);
    if (full) {
      this.fullCost = Math.max(1, requests());
      this.cyclesSinceFull = 0;
    } else {
      this.lightCost = Math.max(1, requests());
      this.cyclesSinceFull++;
    }
    const deliveries = commit.events.reduce((n, e) => n + e.targets.length, 0);
    if (events.length > 0) log.info('poll cycle found transitions', { events: events.length, deliveries });
    if (deliveries > 0) this.options.onEnqueued?.();
    this.succeeded();
    return {
      ok: true,
      baseline: false,
      full,
      streams: seen.size,
      events: events.length,
      requests: requests(),
    };
  }

  /**
   * The stored streams this read should have listed and did not, each with what a targeted lookup says:
   * a stream that merely was not seen is not ended. A stored LIVE stream is looked up at once (its
   * active session): still LIVE means the list was torn; another status is handed to `visit` like a
   * listed one; no active session (404) is evidence that it ended. A failed lookup, or one past the
   * per-cycle cap, gives no evidence: the stream must then be absent from the next read too.
   */
  private async missingFrom(
    seen: Set<string>,
    full: boolean,
    previous: Map<string, StoredStatus>,
    visit: (livestream: Livestream) => void,
  ): Promise<{ id: string; before: StoredStatus; evidence: Evidence }[]> {
    const missing: { id: string; before: StoredStatus; evidence: Evidence }[] = [];
    for (const [id, before] of previous) {
      if (seen.has(id)) continue;
      // A light cycle reads only the LIVE and ERRORED lists: only those statuses are expected in it.
      if (!full && before.status !== 'LIVE' && before.status !== 'ERRORED') continue;
      missing.push({ id, before, evidence: null });
    }
    const client = this.options.lookupClient ?? this.options.client;
    const toConfirm = missing.filter((m) => m.before.status === 'LIVE').slice(0, MAX_CONFIRMATIONS_PER_CYCLE);
    await Promise.all(
      toConfirm.map(async (entry) => {
        try {
          const { livestream, session } = await client.getActiveLivestreamSession(entry.id);
          if (livestream && livestream.status !== 'LIVE') {
            visit(livestream);
            entry.evidence = 'listed';
          } else if (livestream || session) entry.evidence = 'still-live';
        } catch (error) {
          if (isRealtimeKitError(error) && error.kind === 'NotFound') entry.evidence = 'no-active-session';
          else {
            this.options.log.debug('could not confirm that a livestream left LIVE; asking again next cycle', {
              livestreamId: entry.id,
              kind: isRealtimeKitError(error) ? error.kind : 'unknown',
            });
          }
        }
        if (entry.evidence === 'still-live') this.absences.delete(entry.id);
      }),
    );
    return missing;
  }

  /** Best-effort details from the session endpoints; a failed lookup leaves the event plainer, not lost. */
  private async enrich(
    events: StreamEvent[],
    changed: Map<string, StoredStatus>,
    previous: Map<string, StoredStatus>,
  ) {
    const { log } = this.options;
    const client = this.options.lookupClient ?? this.options.client;
    const lookup = async (event: StreamEvent): Promise<void> => {
      if (event.kind === 'live' || event.kind === 'errored') {
        const { session } = await client.getActiveLivestreamSession(event.stream.id);
        if (event.kind === 'errored') event.errMessage = session?.errMessage ?? null;
        event.startedTime = session?.startedTime ?? null;
        const stored = changed.get(event.stream.id);
        if (event.kind === 'live' && stored && session) stored.sessionId = session.id;
      } else {
        const session = await client.getLivestreamSession(previous.get(event.stream.id)!.sessionId!);
        event.startedTime = session.startedTime;
        event.ingestSeconds = session.ingestSeconds;
        event.viewerSeconds = session.viewerSeconds;
      }
    };
    const wanted = events
      .filter((event) => event.kind !== 'ended' || previous.get(event.stream.id)?.sessionId)
      .slice(0, MAX_LOOKUPS_PER_CYCLE);
    // In parallel, on a client that does not retry: a slow session endpoint delays a cycle by one timeout
    // at most, never by twenty of them.
    await Promise.all(
      wanted.map((event) =>
        lookup(event).catch((error: unknown) => {
          log.debug('session lookup failed; notifying without its details', {
            livestreamId: event.stream.id,
            kind: isRealtimeKitError(error) ? error.kind : 'unknown',
          });
        }),
      ),
    );
  }

  private async failed(error: unknown, requests: number): Promise<CycleResult> {
    const { store, clock, log } = this.options;
    this.failures++;
    this.lastError = error;
    const reason = isRealtimeKitError(error) ? error.message : 'unexpected error';
    this.lastReason = reason;
    const stored = store.getMeta('api_failing_since');
    if (stored === null) store.setMeta('api_failing_since', new Date(clock.now()).toISOString());
    if (this.failingSince === null) {
      // Since when, on the monotonic clock: a failure that began before a restart counts from then.
      const before = stored === null ? 0 : Math.max(0, clock.now() - Date.parse(stored));
      this.failingSince = clock.monotonic() - (Number.isFinite(before) ? before : 0);
    }
    log.warn('poll cycle failed; statuses unchanged, will retry', {
      failures: this.failures,
      kind: isRealtimeKitError(error) ? error.kind : 'unknown',
      reason,
    });
    this.alertIfDue(reason);
    return { ok: false, error: reason, requests };
  }

  /** Milliseconds until the outage notice is due; null when the API is not failing or it was sent. */
  private msUntilAlert(): number | null {
    if (this.failingSince === null || this.options.store.getMeta('api_alerted') !== null) return null;
    return Math.max(0, this.failingSince + this.options.alertAfterMs - this.options.clock.monotonic());
  }

  /** Tells the subscribed channels, once, that the API has been failing for API_ALERT_AFTER_SECONDS. */
  private alertIfDue(reason: string): void {
    const { store, clock, log } = this.options;
    if (this.msUntilAlert() !== 0) return;
    const since = store.getMeta('api_failing_since') ?? new Date(clock.now()).toISOString();
    const event: SystemEvent = {
      kind: 'api-delayed',
      at: new Date(clock.now()).toISOString(),
      failingSince: since,
      reason,
    };
    store.enqueue(event, targetsFor(event, this.subscriptions()));
    store.setMeta('api_alerted', event.at);
    log.error('RealtimeKit has been failing; subscribed channels are told notifications are delayed', {
      since,
      reason,
    });
    this.options.onEnqueued?.();
  }

  private subscriptions(): Subscription[] {
    const { platforms } = this.options;
    const all = this.options.store.subscriptions();
    return platforms ? all.filter((s) => platforms.includes(s.platform)) : all;
  }

  private succeeded(): void {
    this.failures = 0;
    this.lastError = null;
  }

  /** The API answered: end the failure alert (the backoff ends only once the whole cycle succeeded). */
  private async recovered(): Promise<void> {
    const { store, clock, log } = this.options;
    this.failingSince = null;
    const since = store.getMeta('api_failing_since');
    if (since === null) return;
    store.setMeta('api_failing_since', null);
    if (store.getMeta('api_alerted') === null) return;
    store.setMeta('api_alerted', null);
    const event: SystemEvent = {
      kind: 'api-recovered',
      at: new Date(clock.now()).toISOString(),
      failingSince: since,
      reason: '',
    };
    store.enqueue(event, targetsFor(event, this.subscriptions()));
    log.info('RealtimeKit recovered; subscribed channels are told', { since });
    this.options.onEnqueued?.();
  }
}

function snapshot(livestream: Livestream): StreamEvent['stream'] {
  return {
    id: livestream.id,
    name: livestream.name,
    status: livestream.status,
    rawStatus: livestream.rawStatus,
    playbackUrl: livestream.playbackUrl,
  };
}

/**
 * The poller: reads the LIVE and ERRORED lists (all a transition needs), compares them with the
 * streams it knows in those statuses (findings.ts, pure), and writes the resulting events and their
 * deliveries in one transaction. Its cost follows the number of LIVE and ERRORED streams, not of all
 * livestreams an app ever made. A stream missing from a read is not ended without evidence. A read that
 * fails part-way changes nothing; the next one retries, with backoff while the API keeps failing, and
 * the channels hear of a long outage (api-health.ts). This module schedules: cycles and targeted checks
 * (webhook hints) run one at a time, paced by the interval and the request budget.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { PageCursor, RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import type { Livestream } from '../realtimekit/types.js';
import { ApiHealth } from './api-health.js';
import type { RequestBudget } from './budget.js';
import { type Evidence, Findings, judgeMissing, WATCHED_STATUSES } from './findings.js';
import type { LeaseFence, NotifyStore, StoredStatus } from './store.js';
import { targetsFor } from './targets.js';
import type { Platform } from '../sink.js';
import type { StreamEvent, Subscription, SystemEvent } from './types.js';

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
  /** Called with how many status changes a cycle or a check has just recorded (metrics). */
  onTransitions?: (count: number) => void;
  /** Called when a cycle ended (not one cut short by stop()), with how long it ran (metrics). */
  onCycle?: (result: CycleResult, durationMs: number) => void;
  /**
   * Replicas (leader.ts): this poller's term. Its commits land only while the lease holds at this epoch;
   * one refused (another replica took over) writes nothing, and `onLeaseLost` ends the term.
   */
  fence?: LeaseFence;
  onLeaseLost?: () => void;
}

export type CycleResult =
  | {
      ok: true;
      baseline: boolean;
      streams: number;
      events: number;
      requests: number;
      /** False when the request budget ran out part-way: the read goes on in the next cycle. */
      complete: boolean;
    }
  | {
      ok: false;
      error: string;
      requests: number;
      /** The poller was stopped part-way: its requests were abandoned, nothing failed or changed. */
      stopped?: true;
    };

/** Thrown where a cycle or check would write, once the poller is stopping: it writes nothing. */
class Stopping extends Error {
  override readonly name = 'Stopping';
}

/**
 * One read of the LIVE and ERRORED lists. It normally fits in one cycle; when the request budget runs
 * out part-way (thousands of LIVE streams), it goes on from where it stopped in the next cycles, so the
 * budget is never overdrawn, not even by one cycle. Missing streams are judged only once it is whole.
 */
interface Pass {
  /** Which of WATCHED_LISTS is being read, and its next page. */
  list: number;
  cursor: PageCursor;
  seen: Set<string>;
  /** A baseline is written whole, once its read is: what it has found so far. */
  baseline: Findings | null;
  /** Requests the read has taken so far, over all its cycles. */
  requests: number;
}

/** Lookups for err_message and session figures are extras: a burst must not eat the whole budget. */
const MAX_LOOKUPS_PER_CYCLE = 20;
/** Targeted lookups of LIVE streams missing from a read; the rest wait for a second absence. */
const MAX_CONFIRMATIONS_PER_CYCLE = 20;
/** Streams one targeted check looks up (a burst of webhook hints is checked in batches). */
const MAX_CHECKS_PER_BATCH = 20;
const MAX_BACKOFF_MS = 5 * 60_000;

const WATCHED_LISTS = [{ status: 'LIVE' as const }, { status: 'ERRORED' as const }];

export class Poller {
  /** The streams last known LIVE or ERRORED; null before the first successful read (no baseline yet). */
  private watched: Map<string, StoredStatus> | null = null;
  /** Rows of other statuses a store written by an earlier version holds: removed at the next commit. */
  private stale: string[] = [];
  private loaded = false;
  private running: Promise<CycleResult> | null = null;
  private failures = 0;
  private lastError: unknown = null;
  /** Whether the API answers, and the outage alert: announced through the outbox like any event. */
  private readonly health: ApiHealth;
  /** Requests the last whole read took: what the next one is expected to cost. */
  private cost = 1;
  /** The read under way, when it spans cycles (see Pass). */
  private pass: Pass | null = null;
  private stretchedTo = 0;
  private overBudgetLogged = false;
  /** Streams missing from the last read(s) without evidence that they left, with how many reads in a row. */
  private readonly absences = new Map<string, number>();
  /** Cycles and checks run one after another: both read and write `watched`. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly pendingChecks = new Set<string>();
  private queuedCheck: Promise<void> | null = null;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly options: PollerOptions) {
    const { store, clock, alertAfterMs } = options;
    this.health = new ApiHealth({
      meta: store,
      clock,
      alertAfterMs,
      announce: (event, meta) => this.announce(event, meta),
    });
  }

  /** Runs one cycle now (after a check under way), or joins the one already waiting or running. */
  runCycle(): Promise<CycleResult> {
    this.running ??= this.exclusive(async (): Promise<CycleResult> => {
      const { clock } = this.options;
      const started = clock.monotonic();
      const result = await this.cycle().catch((error: unknown): CycleResult => {
        if (error instanceof Stopping) return this.stoppedResult(0);
        // The store failed (disk full, read-only DATA_DIR): nothing was committed, so the next cycle redoes it.
        this.options.log.error('poll cycle could not save its state; will retry', { error });
        this.failures++;
        return { ok: false as const, error: 'state could not be saved', requests: 0 };
      });
      if (result.ok || !result.stopped) this.options.onCycle?.(result, clock.monotonic() - started);
      return result;
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /**
   * A hint that this livestream may have changed (a RealtimeKit webhook): looks it up now (its active
   * session) and records what changed through the same path as a cycle, so a hint and the next poll
   * announce a change once between them, in whichever order they come. Hints that arrive while one is
   * checked are checked together next. Never throws: the poll reconciles whatever a check missed.
   */
  check(livestreamId: string): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve(); // stopping: the next start's poll covers it
    this.pendingChecks.add(livestreamId);
    this.queuedCheck ??= this.exclusive(async () => {
      this.queuedCheck = null;
      const ids = [...this.pendingChecks];
      this.pendingChecks.clear();
      for (let i = 0; i < ids.length; i += MAX_CHECKS_PER_BATCH) {
        await this.checkNow(ids.slice(i, i + MAX_CHECKS_PER_BATCH));
      }
    }).catch((error: unknown) => {
      if (error instanceof Stopping) return;
      this.options.log.error('a targeted check could not save its state; the next poll covers it', {
        error,
      });
    });
    return this.queuedCheck;
  }

  /** True once stop() was called: a check or cycle asked of it now does nothing. */
  get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    if (this.loop) return;
    const { clock, budget } = this.options;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        // A read that ran out of budget goes on as soon as there is room for a page; a new one waits
        // until its whole expected cost fits.
        const wait = budget.waitMs(this.pass ? 1 : Math.min(this.cost, budget.limit), clock.monotonic());
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
        const untilAlert = await this.msUntilAlert();
        if (untilAlert !== null && untilAlert < delay) {
          await clock.sleep(untilAlert, this.abort.signal);
          if (this.abort.signal.aborted) break;
          await this.alertIfDue();
          delay -= untilAlert;
        }
        await clock.sleep(delay, this.abort.signal);
      }
    })();
  }

  /**
   * Stops at once: the requests under way are abandoned (their signal aborts), and a cycle or check cut
   * short writes nothing (the next start reads again).
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    // Every cycle and check already queued or under way runs on `turn`: they all end before this does.
    await this.turn;
  }

  /** For the client: abandons the call when the poller stops. */
  private get signal(): { signal: AbortSignal } {
    return { signal: this.abort.signal };
  }

  private stoppedResult(requests: number): CycleResult {
    return { ok: false, error: 'stopped', requests, stopped: true };
  }

  /** The wait before the next cycle: the interval, stretched to fit the budget, or a backoff after failures. */
  nextDelayMs(result: CycleResult): number {
    const { intervalMs, budget, log, clock } = this.options;
    if (!result.ok) {
      const backoff = Math.min(intervalMs * 2 ** Math.min(this.failures, 10), MAX_BACKOFF_MS);
      const retryAfter = isRealtimeKitError(this.lastError)
        ? (this.lastError.retryAfterSeconds ?? 0) * 1000
        : 0;
      return Math.max(backoff, retryAfter);
    }
    if (!result.complete) return 0; // the read goes on once the budget has room (see start)
    if (this.cost > budget.limit && !this.overBudgetLogged) {
      this.overBudgetLogged = true;
      log.error(
        'one read of the LIVE and ERRORED lists costs more requests than API_REQUEST_BUDGET allows in 5 minutes: it is spread over several windows, so changes are seen late; use RealtimeKit webhooks (PUBLIC_URL) for them to stay prompt',
        { requestsPerRead: this.cost, budget: budget.limit },
      );
    }
    const sustainable = budget.sustainableIntervalMs(this.cost, clock.monotonic());
    if (sustainable > intervalMs) {
      if (sustainable !== this.stretchedTo) {
        log.warn('poll interval stretched to stay within API_REQUEST_BUDGET', {
          configuredMs: intervalMs,
          stretchedMs: sustainable,
          requestsPerCycle: this.cost,
          budget: budget.limit,
        });
      }
      this.stretchedTo = sustainable;
      return sustainable;
    }
    this.stretchedTo = 0;
    return intervalMs;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.turn.then(task, task);
    this.turn = run.catch(() => {});
    return run;
  }

  /** The watched streams as stored (loaded once); rows of other statuses are left for removal. */
  private async load(): Promise<Map<string, StoredStatus> | null> {
    if (this.loaded) return this.watched;
    // Loaded only once the read succeeded: one that threw (SQLITE_BUSY) is read again next cycle, not
    // taken for "no baseline yet" (which would swallow the changes since as a new baseline).
    const stored = await this.options.store.loadStatuses();
    this.loaded = true;
    if (stored === null) return null;
    this.watched = new Map();
    for (const [id, status] of stored) {
      if (WATCHED_STATUSES.has(status.status)) this.watched.set(id, status);
      else this.stale.push(id);
    }
    return this.watched;
  }

  /**
   * Reads the LIVE and ERRORED lists, from where the pass stands: a stream that went LIVE or ERRORED is
   * in one of them, and a watched stream in neither may have left that status (see `confirmMissing`).
   * Items are judged by the status they carry, so a server that ignored the filter is still read right.
   * Each livestream is handed to `visit` as it arrives and then dropped; the pass keeps only the ids it
   * saw. Before each page it asks the budget for room: when there is none, it stops (false) and the next
   * cycle goes on from there. One `seen` for both lists: a server that ignores the filter sends every
   * stream in both, and the second walk then stops after one page. The first list wins: a stream that
   * went from LIVE to ERRORED between the two requests is read as LIVE, and its change seen next read.
   */
  private async read(pass: Pass, visit: (livestream: Livestream) => void): Promise<boolean> {
    const { client } = this.options;
    for (; pass.list < WATCHED_LISTS.length; pass.list++, pass.cursor = { pageNo: 1 }) {
      if (!this.roomFor(1)) return false;
      const walk = client.allLivestreamPages(WATCHED_LISTS[pass.list], pass.seen, pass.cursor, this.signal);
      for await (const page of walk) {
        for (const livestream of page) visit(livestream);
        if (!this.roomFor(1)) {
          await walk.return(undefined);
          return false;
        }
      }
    }
    return true;
  }

  /** Whether `requests` more fit within the poller's share of the budget now. */
  private roomFor(requests: number): boolean {
    return this.options.budget.waitMs(requests, this.options.clock.monotonic()) === 0;
  }

  /** How many requests, up to `max`, fit within the poller's share of the budget now. */
  private room(max: number): number {
    let fits = 0;
    while (fits < max && this.roomFor(fits + 1)) fits++;
    return fits;
  }

  private async cycle(): Promise<CycleResult> {
    const { log, budget } = this.options;
    const startTotal = budget.total;
    const requests = () => budget.total - startTotal;
    const watched = await this.load();
    this.pass ??= {
      list: 0,
      cursor: { pageNo: 1 },
      seen: new Set(),
      baseline: watched === null ? new Findings(null, false) : null,
      requests: 0,
    };
    const pass = this.pass;
    // Nothing below touches the store until the read has succeeded: a failure part-way changes nothing
    // (and the read starts over).
    const findings = pass.baseline ?? new Findings(watched, true);
    let complete: boolean;
    try {
      complete = await this.read(pass, findings.visit);
    } catch (error) {
      this.pass = null;
      // Abandoned by stop(): not a failure of the API, and no outage begins.
      if (this.abort.signal.aborted) return this.stoppedResult(requests());
      return this.failed(error, requests());
    }
    // The API answers again: "notifications are back" goes out before the changes it says follow.
    await this.recovered();
    if (!complete) {
      pass.requests += requests();
      log.warn('the request budget ran out part-way through the LIVE and ERRORED lists; the read goes on', {
        streamsSoFar: pass.seen.size,
        requestsSoFar: pass.requests,
        budget: budget.limit,
      });
      // What it found so far is news already (a baseline waits until it is whole).
      const events = watched === null ? 0 : await this.commit(findings, false);
      this.succeeded();
      return { ok: true, baseline: false, streams: pass.seen.size, events, requests: requests(), complete };
    }
    this.pass = null;
    const seen = pass.seen;
    for (const id of this.absences.keys()) if (seen.has(id)) this.absences.delete(id);
    if (watched !== null) await this.confirmMissing(seen, watched, findings);
    const events = await this.commit(findings, watched === null);
    this.cost = Math.max(1, pass.requests + requests());
    if (watched === null) {
      log.info('baseline recorded: streams already live are not announced', {
        live: findings.changed.size,
      });
    }
    this.succeeded();
    return {
      ok: true,
      baseline: watched === null,
      streams: seen.size,
      events,
      requests: requests(),
      complete,
    };
  }

  /**
   * The watched streams this read should have listed and did not: a stream that merely was not seen is
   * not ended. A LIVE one is looked up at once (its active session): still LIVE means the list was torn;
   * another status is handled like a listed one; no active session (404) is evidence that it ended. A
   * failed lookup, one past the per-cycle cap, or an ERRORED stream gives no evidence: it must then be
   * missing from the next read too.
   */
  private async confirmMissing(
    seen: Set<string>,
    watched: Map<string, StoredStatus>,
    findings: Findings,
  ): Promise<void> {
    const missing: { id: string; before: StoredStatus; evidence: Evidence }[] = [];
    for (const [id, before] of watched) if (!seen.has(id)) missing.push({ id, before, evidence: null });
    // Lookups are bounded per cycle, and by what the budget has room for: the rest wait for a second read.
    const toConfirm = missing
      .filter((m) => m.before.status === 'LIVE')
      .slice(0, this.room(MAX_CONFIRMATIONS_PER_CYCLE));
    await Promise.all(
      toConfirm.map(async (entry) => {
        entry.evidence = await this.lookUp(entry.id, findings);
      }),
    );
    for (const { id, before, evidence } of missing) {
      const absences = this.absences.get(id) ?? 0;
      const verdict = judgeMissing(evidence, absences);
      if (verdict === 'wait') {
        this.absences.set(id, absences + 1);
        continue;
      }
      this.absences.delete(id);
      if (verdict === 'left') findings.left(id, before);
    }
  }

  /** One livestream's active session: what it says about the stream, handed to `findings`. */
  private async lookUp(id: string, findings: Findings): Promise<Evidence> {
    const client = this.options.lookupClient ?? this.options.client;
    try {
      const { livestream, session } = await client.getActiveLivestreamSession(id, this.signal);
      findings.sessions.set(id, session);
      if (livestream && livestream.status !== 'LIVE') {
        findings.visit(livestream);
        return 'listed';
      }
      if (livestream) {
        findings.visit(livestream);
        return 'still-live';
      }
      return session ? 'still-live' : null;
    } catch (error) {
      if (isRealtimeKitError(error) && error.kind === 'NotFound') return 'no-active-session';
      if (this.abort.signal.aborted) return null; // abandoned by stop(): the cycle writes nothing
      this.options.log.debug('could not look a livestream up; the next poll tells', {
        livestreamId: id,
        kind: isRealtimeKitError(error) ? error.kind : 'unknown',
      });
      return null;
    }
  }

  /** A targeted check of a few livestreams (webhook hints), written like a cycle's findings. */
  private async checkNow(ids: string[]): Promise<void> {
    const { budget, clock, log } = this.options;
    const watched = await this.load();
    if (watched === null) return; // no baseline yet: the first poll records it
    if (budget.waitMs(ids.length, clock.monotonic()) > 0) {
      log.info('request budget is low: a webhook hint waits for the next poll', { streams: ids.length });
      return;
    }
    const findings = new Findings(watched, true);
    await Promise.all(
      ids.map(async (id) => {
        const evidence = await this.lookUp(id, findings);
        const before = watched.get(id);
        // No active session ends a LIVE stream; an ERRORED one may have none and still be ERRORED (the
        // next read tells), and forgetting it here would announce it ERRORED a second time.
        if (evidence === 'no-active-session' && before?.status === 'LIVE') findings.left(id, before);
      }),
    );
    for (const id of [...findings.changed.keys(), ...findings.removed]) this.absences.delete(id);
    await this.commit(findings, false);
  }

  /**
   * Writes what a read found: statuses, and each event with its deliveries, in one transaction; then
   * the in-memory view follows. Returns how many events it wrote.
   */
  private async commit(findings: Findings, baseline: boolean): Promise<number> {
    const { store, clock, log } = this.options;
    const watched = this.watched ?? new Map<string, StoredStatus>();
    // When the read ended: a read of many pages can take seconds, and event times drive the cooldown.
    const at = new Date(clock.now()).toISOString();
    const events: StreamEvent[] = findings.transitions.map((transition) => ({ ...transition, at }));
    await this.enrich(events, findings, watched);
    // Stopped while reading or looking up: what was found may be short of evidence (abandoned lookups).
    if (this.abort.signal.aborted) throw new Stopping();
    const subscriptions = await this.subscriptions();
    const removed = [...findings.removed, ...this.stale];
    const targeted = events.map((event) => ({ event, targets: targetsFor(event, subscriptions) }));
    let committed: boolean;
    try {
      committed = await store.commitCycle(
        { changed: findings.changed, removed, events: targeted, baseline },
        this.options.fence,
      );
    } catch (error) {
      // Most likely rolled back, but a commit whose answer was lost (the connection died after the
      // server committed) landed: read the statuses again rather than announce its changes twice.
      this.loaded = false;
      throw error;
    }
    if (!committed) {
      // Another replica polls now: what this one found is its to find again.
      log.warn('another replica took over polling; this one writes nothing more', {
        epoch: this.options.fence?.epoch,
      });
      this.options.onLeaseLost?.();
      throw new Stopping();
    }
    this.stale = [];
    for (const [id, stored] of findings.changed) watched.set(id, stored);
    for (const id of findings.removed) watched.delete(id);
    this.watched = watched;
    const deliveries = targeted.reduce((n, e) => n + e.targets.length, 0);
    if (events.length > 0) {
      log.info('poll found transitions', { events: events.length, deliveries });
      this.options.onTransitions?.(events.length);
    }
    if (deliveries > 0) this.options.onEnqueued?.();
    return events.length;
  }

  /** Best-effort details from the session endpoints; a failed lookup leaves the event plainer, not lost. */
  private async enrich(events: StreamEvent[], findings: Findings, watched: Map<string, StoredStatus>) {
    const { log } = this.options;
    const client = this.options.lookupClient ?? this.options.client;
    const activeSession = async (id: string) =>
      findings.sessions.has(id)
        ? findings.sessions.get(id)!
        : (await client.getActiveLivestreamSession(id, this.signal)).session;
    const lookup = async (event: StreamEvent): Promise<void> => {
      if (event.kind === 'live' || event.kind === 'errored') {
        const session = await activeSession(event.stream.id);
        if (event.kind === 'errored') event.errMessage = session?.errMessage ?? null;
        event.startedTime = session?.startedTime ?? null;
        const stored = findings.changed.get(event.stream.id);
        if (event.kind === 'live' && stored && session) stored.sessionId = session.id;
      } else {
        const session = await client.getLivestreamSession(
          watched.get(event.stream.id)!.sessionId!,
          this.signal,
        );
        event.startedTime = session.startedTime;
        event.ingestSeconds = session.ingestSeconds;
        event.viewerSeconds = session.viewerSeconds;
      }
    };
    const useful = events.filter(
      (event) => event.kind !== 'ended' || watched.get(event.stream.id)?.sessionId,
    );
    // A session the read already fetched costs nothing; the others are bounded per cycle and by the room
    // the budget has.
    const free = useful.filter((event) => event.kind !== 'ended' && findings.sessions.has(event.stream.id));
    const paid = useful.filter((event) => !free.includes(event));
    const wanted = [...free, ...paid.slice(0, this.room(MAX_LOOKUPS_PER_CYCLE))];
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
    const { log } = this.options;
    this.failures++;
    this.lastError = error;
    const reason = isRealtimeKitError(error) ? error.message : 'unexpected error';
    await this.health.failed(reason);
    log.warn('poll cycle failed; statuses unchanged, will retry', {
      failures: this.failures,
      kind: isRealtimeKitError(error) ? error.kind : 'unknown',
      reason,
    });
    await this.alertIfDue();
    return { ok: false, error: reason, requests };
  }

  /**
   * Tells the subscribed channels, once, that the API has been failing for API_ALERT_AFTER_SECONDS.
   * Never throws: a store that cannot queue the notice (disk full) is logged, and the next failure tries
   * again (api-health.ts records the notice as sent only once it is queued). It must not stop the loop,
   * nor pass for a cycle that could not save its state.
   */
  private async alertIfDue(): Promise<void> {
    let event;
    try {
      event = await this.health.alertIfDue();
    } catch (error: unknown) {
      if (error instanceof Stopping) return;
      this.options.log.error('the API-outage notice could not be queued; the next failure tries again', {
        error,
      });
      return;
    }
    if (event === null) return;
    this.options.log.error(
      'RealtimeKit has been failing; subscribed channels are told notifications are delayed',
      { since: event.failingSince, reason: event.reason },
    );
    this.options.onEnqueued?.();
  }

  /** When the outage notice is due (see ApiHealth); null, not a throw, when the store cannot say. */
  private async msUntilAlert(): Promise<number | null> {
    try {
      return await this.health.msUntilAlert();
    } catch (error: unknown) {
      this.options.log.error('the API health could not be read; the next cycle tries again', { error });
      return null;
    }
  }

  private async subscriptions(): Promise<Subscription[]> {
    const { platforms } = this.options;
    const all = await this.options.store.subscriptions();
    return platforms ? all.filter((s) => platforms.includes(s.platform)) : all;
  }

  private succeeded(): void {
    this.failures = 0;
    this.lastError = null;
  }

  /**
   * Queues an API outage or recovery notice. With replicas it is written like a cycle's findings, under
   * the lease's fence: a replica that lost the lease (paused, cut off) cannot announce what the polling
   * one announces too. Nothing once the poller is stopping.
   */
  private async announce(event: SystemEvent, meta: Readonly<Record<string, string | null>>): Promise<void> {
    const { store, fence } = this.options;
    if (this.abort.signal.aborted) throw new Stopping();
    const targets = targetsFor(event, await this.subscriptions());
    const commit = { changed: new Map(), removed: [], events: [{ event, targets }], baseline: false, meta };
    if (await store.commitCycle(commit, fence)) return;
    this.options.log.warn('another replica took over polling; this one announces nothing more', {
      epoch: fence?.epoch,
    });
    this.options.onLeaseLost?.();
    throw new Stopping();
  }

  /** The API answered: end the failure alert (the backoff ends only once the whole cycle succeeded). */
  private async recovered(): Promise<void> {
    const event = await this.health.recovered();
    if (event === null) return;
    this.options.log.info('RealtimeKit recovered; subscribed channels are told', {
      since: event.failingSince,
    });
    this.options.onEnqueued?.();
  }
}

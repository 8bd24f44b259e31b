/**
 * Is the bot doing its job? `/readyz` asks each part: the state store takes a write, each configured
 * platform is connected, the RealtimeKit API answered within the last minutes, a poll cycle ended within
 * the last minutes (the poller is not stuck), and the start has finished. Each answer is `ok`, or not with
 * a reason a person can act on. Times are on the monotonic clock: a wall-clock step changes nothing.
 */
import type { Clock } from '../clock.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { NotifyStore } from '../notify/store.js';
import type { ApiAnswer } from '../realtimekit/client.js';

export type CheckResult = { ok: true } | { ok: false; reason: string };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

export interface ReadinessOptions {
  clock: Clock;
  /** The API must have answered (2xx) within this long. */
  apiStaleMs: number;
  /** A poll cycle must have ended within this long (or since the start). */
  pollerStuckMs: number;
}

/** At least 10 minutes, or three poll intervals if longer: a slow poll interval is not an outage. */
export function defaultApiStaleMs(pollIntervalMs: number): number {
  return Math.max(10 * 60_000, 3 * pollIntervalMs);
}

/**
 * At least 15 minutes, or five poll intervals: above the poller's longest wait between two cycles
 * (backoff and the budget's wait are at most 5 minutes each).
 */
export function defaultPollerStuckMs(pollIntervalMs: number): number {
  return Math.max(15 * 60_000, 5 * pollIntervalMs);
}

/** The meta key the store probe writes: the time of the last probe, which nothing else reads. */
export const STORE_PROBE_KEY = 'health_probe_at';

export class Readiness {
  private readonly checks = new Map<string, () => CheckResult | Promise<CheckResult>>();
  private started = false;
  private lastApiOk: number | null = null;
  private lastApiFailure: string | null = null;
  private lastCycleEnd: number | null = null;
  private polling = false;
  /** Monotonic ms when the poller's cycles began to be expected. */
  private pollingSince: number;

  constructor(private readonly options: ReadinessOptions) {
    this.pollingSince = options.clock.monotonic();
  }

  /** The start finished: everything configured is running. */
  markStarted(): void {
    this.started = true;
  }

  /** A part with its own idea of being ready (a platform's connection). */
  addCheck(name: string, check: () => CheckResult | Promise<CheckResult>): void {
    this.checks.set(name, check);
  }

  /**
   * The store must take a write (a meta row with the probe's time) now: the probe never waits for a lock
   * another connection holds, since SQLite's busy wait would hold up the whole bot, not just /readyz.
   */
  watchStore(store: NotifyStore, where = 'in DATA_DIR'): void {
    this.addCheck('store', async () => {
      try {
        if (await store.trySetMeta(STORE_PROBE_KEY, String(this.options.clock.now()))) return { ok: true };
        return {
          ok: false,
          reason: `the state store ${where} is busy: another connection holds its write lock`,
        };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { ok: false, reason: `the state store ${where} cannot be written: ${message}` };
      }
    });
  }

  /**
   * From now on the poller runs (`true`): its cycles, and the API's answers, are expected (the terminal
   * demo's too). With replicas only the one holding the lease polls: a standby (`false`) is ready
   * without them, and a replica that takes over is given the usual time for its first cycle.
   */
  watchPoller(polling: boolean): void {
    if (polling && !this.polling) {
      this.pollingSince = this.options.clock.monotonic();
      this.lastCycleEnd = null;
    }
    this.polling = polling;
  }

  /** What the RealtimeKit client and the poller report. */
  readonly metrics: Metrics = {
    ...noMetrics,
    apiAnswer: (answer: ApiAnswer) => {
      if (answer.outcome === 'ok') {
        this.lastApiOk = this.options.clock.monotonic();
        this.lastApiFailure = null;
      } else {
        this.lastApiFailure =
          answer.status === null ? answer.outcome : `${answer.outcome}, HTTP ${answer.status}`;
      }
    },
    pollCycle: () => {
      this.lastCycleEnd = this.options.clock.monotonic();
    },
  };

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, CheckResult> = {
      started: this.started ? { ok: true } : { ok: false, reason: 'the bot is still starting' },
    };
    for (const [name, check] of this.checks) checks[name] = await check();
    if (this.polling) {
      checks.api = this.apiCheck();
      checks.poller = this.pollerCheck();
    }
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  private apiCheck(): CheckResult {
    const now = this.options.clock.monotonic();
    const last = this.lastApiFailure ? ` (last request: ${this.lastApiFailure})` : '';
    if (this.lastApiOk === null)
      return { ok: false, reason: `the RealtimeKit API has not answered since the start${last}` };
    // A replica that took over polling gets the usual time from then: as a standby it did not ask the API.
    if (now - Math.max(this.lastApiOk, this.pollingSince) <= this.options.apiStaleMs) return { ok: true };
    const ago = now - this.lastApiOk;
    return { ok: false, reason: `the RealtimeKit API has not answered for ${minutes(ago)}${last}` };
  }

  private pollerCheck(): CheckResult {
    const now = this.options.clock.monotonic();
    const since = this.lastCycleEnd ?? this.pollingSince;
    const ago = now - since;
    if (ago <= this.options.pollerStuckMs) return { ok: true };
    const what =
      this.lastCycleEnd === null
        ? 'no poll cycle has ended since the start'
        : `no poll cycle has ended for ${minutes(ago)}`;
    return { ok: false, reason: `${what}: the poller looks stuck` };
  }
}

function minutes(ms: number): string {
  const m = Math.floor(ms / 60_000);
  return m >= 1 ? `${m} min` : `${Math.round(ms / 1000)} s`;
}

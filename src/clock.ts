/** Time as a dependency: the poller, delivery and backoff read this, so tests run on a clock they move. */
export interface Clock {
  /** Wall-clock epoch ms: for times that are stored or shown (event times, retry-after dates). */
  now(): number;
  /**
   * Milliseconds on a clock that never steps back (NTP, a VM resume, an operator's `date -s`): every
   * duration that lives in memory (request budget, backoff, cooldowns, pacing) is measured on this.
   */
  monotonic(): number;
  /** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A clock that only moves when told to: `advance(ms)` wakes every sleeper whose time has come. */
export class ManualClock implements Clock {
  private sleepers: { at: number; wake: () => void }[] = [];
  /** The wall clock's offset from the monotonic one: `stepWall` moves it alone, as NTP would. */
  private wallOffset = 0;
  constructor(private current = Date.parse('2026-11-22T12:00:00Z')) {}

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  /** Steps the wall clock alone (negative: backwards), waking nobody: sleeps run on monotonic time. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const aborted = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      // A loop's signal lives as long as the loop: its listener goes when the sleep ends, as systemClock's.
      const wake = () => {
        signal?.removeEventListener('abort', aborted);
        resolve();
      };
      const sleeper = { at: this.current + Math.max(0, ms), wake };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Number of pending sleeps: lets a test wait until a loop is parked before moving time. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    for (const sleeper of due) sleeper.wake();
  }
}

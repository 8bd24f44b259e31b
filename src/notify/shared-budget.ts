/**
 * The API token's request budget, shared by replicas: Cloudflare counts the token's requests, not one
 * process's. Each replica keeps counting its own requests in memory (RequestBudget: every check stays
 * synchronous and exact for what this replica sends) and, every `syncEveryMs`, adds them to the
 * database in buckets of wall time and reads back the other replicas' sum over the window. So the
 * budget sees the others' requests at most one sync late: the margin under Cloudflare's limit (the
 * last 100 of 1,200) absorbs what replicas send between two syncs.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { BUDGET_WINDOW_MS, type RequestBudget, type RequestSource } from './budget.js';
import type { NotifyStore, RequestCount } from './store.js';

/** Wall-clock bucket width: the others' count is exact to within one bucket at the window's old end. */
export const REQUEST_BUCKET_MS = 10_000;

export interface SharedBudgetOptions {
  budget: RequestBudget;
  store: Pick<NotifyStore, 'syncRequestCounts'>;
  clock: Clock;
  log: Logger;
  /** This replica's name (REPLICA_ID). */
  replica: string;
  syncEveryMs: number;
}

export class SharedBudget {
  /** Requests not yet added to the database, by bucket start. */
  private unsent = new Map<number, RequestCount>();
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private failing = false;
  /**
   * This process's rows: its replica name and a random part. A replica restarted under the same name
   * (a fixed REPLICA_ID) remembers nothing of what it sent before; under a new name, those rows count
   * as another's, as they should until they leave the window.
   */
  private readonly rows: string;

  constructor(private readonly options: SharedBudgetOptions) {
    this.rows = `${options.replica}#${randomBytes(4).toString('hex')}`;
    options.budget.onRecord = (source) => this.count(source);
  }

  start(): void {
    if (this.loop) return;
    const { clock, syncEveryMs } = this.options;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        await this.sync();
        await clock.sleep(syncEveryMs, this.abort.signal);
      }
    })();
  }

  /** Buckets of this replica's counts waiting for a sync that works: bounded by the window (tests read it). */
  get unsentBuckets(): number {
    return this.unsent.size;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.sync(); // what this replica sent still counts for the others
    this.options.budget.onRecord = null;
  }

  /** Adds this replica's new counts and takes the others' sum. Never throws: counts wait for the next sync. */
  async sync(): Promise<void> {
    const { store, clock, budget, log } = this.options;
    const counts = [...this.unsent.values()];
    this.unsent = new Map();
    try {
      const others = await store.syncRequestCounts(this.rows, counts, clock.now() - BUDGET_WINDOW_MS);
      budget.setElsewhere(others.poller, others.commands);
      if (this.failing) log.info('request counts are shared through the database again');
      this.failing = false;
    } catch (error) {
      // Kept for the next sync, but only what still counts: an outage must not grow this for ever.
      const since = clock.now() - BUDGET_WINDOW_MS - REQUEST_BUCKET_MS;
      for (const count of counts)
        if (count.bucket >= since) this.add(count.bucket, count.poller, count.commands);
      if (!this.failing) {
        log.warn(
          "could not share request counts through the database; the budget uses the others' last count",
          {
            error,
          },
        );
      }
      this.failing = true;
    }
  }

  private count(source: RequestSource): void {
    const bucket = Math.floor(this.options.clock.now() / REQUEST_BUCKET_MS) * REQUEST_BUCKET_MS;
    this.add(bucket, source === 'poller' ? 1 : 0, source === 'commands' ? 1 : 0);
  }

  private add(bucket: number, poller: number, commands: number): void {
    const count = this.unsent.get(bucket) ?? { bucket, poller: 0, commands: 0 };
    count.poller += poller;
    count.commands += commands;
    this.unsent.set(bucket, count);
  }
}

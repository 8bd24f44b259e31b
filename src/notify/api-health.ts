/**
 * Whether RealtimeKit answers the poller, as a small state machine: answering -> failing since T ->
 * (API_ALERT_AFTER_SECONDS later) alerted -> recovered. The channels hear of an outage once, when it
 * has lasted long enough, and hear it is over only if they heard it began. Since when it fails, and
 * whether the alert went out, are kept in the store's meta: a restart during an outage neither starts
 * the count again nor alerts twice. Durations run on the monotonic clock; the stored times are wall
 * times, for the messages.
 */
import type { Clock } from '../clock.js';
import type { NotifyStore } from './store.js';
import type { SystemEvent } from './types.js';

/** Wall time (ISO) the current run of failures began; absent while the API answers. */
const FAILING_SINCE_KEY = 'api_failing_since';
/** Wall time (ISO) the outage alert went out; absent when none is out. */
const ALERTED_KEY = 'api_alerted';

export interface ApiHealthOptions {
  /** Where the state outlives the process. */
  meta: Pick<NotifyStore, 'getMeta' | 'setMeta'>;
  clock: Clock;
  /** How long the API must fail before the channels are told (API_ALERT_AFTER_SECONDS). */
  alertAfterMs: number;
  /**
   * Tells the subscribed channels (queues the event) and writes `meta` (null deletes) in the same
   * transaction, so the notice and the state saying it went out land together or not at all (with
   * replicas, under the poller's fence). If this throws, nothing changed: the next failure, or the next
   * answer, tries again.
   */
  announce(event: SystemEvent, meta: Readonly<Record<string, string | null>>): void | Promise<void>;
}

export class ApiHealth {
  /** Monotonic ms since when the API has been failing (this run of failures); null while it answers. */
  private failingSince: number | null = null;
  private lastReason = '';

  constructor(private readonly options: ApiHealthOptions) {}

  /** A read failed for `reason`: the outage begins now, or goes on (since before a restart, if it was). */
  async failed(reason: string): Promise<void> {
    const { meta, clock } = this.options;
    this.lastReason = reason;
    const stored = await meta.getMeta(FAILING_SINCE_KEY);
    if (stored === null) await meta.setMeta(FAILING_SINCE_KEY, new Date(clock.now()).toISOString());
    if (this.failingSince === null) {
      // Since when, on the monotonic clock: a failure that began before a restart counts from then.
      const before = stored === null ? 0 : Math.max(0, clock.now() - Date.parse(stored));
      this.failingSince = clock.monotonic() - (Number.isFinite(before) ? before : 0);
    }
  }

  /** Milliseconds until the outage alert is due (0: now); null when the API is not failing or it was sent. */
  async msUntilAlert(): Promise<number | null> {
    const { meta, clock, alertAfterMs } = this.options;
    if (this.failingSince === null) return null;
    const alerted = await meta.getMeta(ALERTED_KEY);
    // Read after the await: a recovery meanwhile ends the outage.
    if (alerted !== null || this.failingSince === null) return null;
    return Math.max(0, this.failingSince + alertAfterMs - clock.monotonic());
  }

  /** Announces the outage, once, when it is due; returns the event it announced, or null. */
  async alertIfDue(): Promise<SystemEvent | null> {
    const { meta, clock } = this.options;
    if ((await this.msUntilAlert()) !== 0) return null;
    const event: SystemEvent = {
      kind: 'api-delayed',
      at: new Date(clock.now()).toISOString(),
      failingSince: (await meta.getMeta(FAILING_SINCE_KEY)) ?? new Date(clock.now()).toISOString(),
      reason: this.lastReason,
    };
    await this.options.announce(event, { [ALERTED_KEY]: event.at });
    return event;
  }

  /**
   * The API answered: the outage is over. Announces that it is only if its alert went out; returns the
   * event it announced, or null.
   */
  async recovered(): Promise<SystemEvent | null> {
    const { meta, clock } = this.options;
    this.failingSince = null;
    const since = await meta.getMeta(FAILING_SINCE_KEY);
    if (since === null) return null;
    if ((await meta.getMeta(ALERTED_KEY)) === null) {
      await meta.setMeta(FAILING_SINCE_KEY, null); // no alert went out: nothing to tell
      return null;
    }
    const event: SystemEvent = {
      kind: 'api-recovered',
      at: new Date(clock.now()).toISOString(),
      failingSince: since,
      reason: '',
    };
    // The notice and the cleared state together: a poller stopped or fenced out meanwhile leaves both.
    await this.options.announce(event, { [FAILING_SINCE_KEY]: null, [ALERTED_KEY]: null });
    return event;
  }
}

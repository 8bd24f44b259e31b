/**
 * One poller among several replicas (PostgreSQL store): the replica holding the lease `poller` polls; the
 * others stand by and try to take it every tick. A holder renews every tick; one that stops renewing
 * (killed, cut off from the database, stuck) loses the lease `ttlMs` after its last renewal, and a
 * standby takes over within a tick after that. A holder that cannot renew stops polling a tick before its
 * lease may lapse, and every commit is fenced by the lease's epoch, so even a holder that wakes from a
 * long pause cannot write once another replica took over.
 *
 * Webhook hints reach whichever replica the load balancer picked: the holder checks them at once; a
 * standby queues them in the store, and the holder takes them at its next tick.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { LivestreamChecker } from '../webhooks/receiver.js';
import type { Poller } from './poller.js';
import type { LeaseFence, NotifyStore } from './store.js';

/** The lease's name in the store. */
export const POLLER_LEASE = 'poller';
/** Hints one tick takes from the store. */
const HINTS_PER_TICK = 100;

export interface PollerLeaderOptions {
  store: Pick<NotifyStore, 'acquireLease' | 'releaseLease' | 'addHint' | 'takeHints'>;
  clock: Clock;
  log: Logger;
  /** This replica's name in the lease (REPLICA_ID). */
  holder: string;
  /** How long a lease lasts without renewal. */
  ttlMs: number;
  /** How often the holder renews and takes queued hints, and a standby tries to take over. */
  tickMs: number;
  /** A poller for one term: it commits under `fence` and calls `lost` when a commit was refused. */
  createPoller(fence: LeaseFence, lost: () => void): Poller;
  /** Told when this replica starts or stops polling (logs, metrics). */
  onTerm?(leading: boolean): void;
}

export class PollerLeader implements LivestreamChecker {
  private poller: Poller | null = null;
  private fence: LeaseFence | null = null;
  /** Monotonic ms until which the lease is surely ours: measured from before the renewal was sent. */
  private heldUntil = Number.NEGATIVE_INFINITY;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();
  /** One tick at a time (the loop's, and a term ended by a refused commit). */
  private turn: Promise<unknown> = Promise.resolve();
  /** Ends the term when the lease nears its lapse unrenewed (see watchLapse); aborted by each renewal. */
  private lapseWatch: AbortController | null = null;
  /** The stop of the last ended term's poller: it settles once that poller writes no more. */
  private stopping: Promise<void> = Promise.resolve();

  constructor(private readonly options: PollerLeaderOptions) {
    // Renewed every tick, and given up a tick before it may lapse: a lease of two ticks would be given
    // up at every renewal.
    if (options.tickMs * 3 > options.ttlMs)
      throw new RangeError(
        `the lease (${options.ttlMs} ms) must last at least three ticks (${options.tickMs} ms)`,
      );
  }

  /** Whether this replica polls now. */
  get leading(): boolean {
    return this.poller !== null;
  }

  /** The poller of the current term, if this replica holds the lease. */
  get current(): Poller | null {
    return this.poller;
  }

  start(): void {
    if (this.loop) return;
    const { clock, tickMs } = this.options;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        await this.tick();
        await clock.sleep(tickMs, this.abort.signal);
      }
    })();
  }

  /** Stops polling and lets go of the lease, so another replica takes over at once (a rolling deploy). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.turn;
    const held = this.fence !== null;
    await this.endTerm('stopping');
    await this.stopping; // a poller whose term ended earlier writes nothing more either
    if (!held) return;
    try {
      await this.options.store.releaseLease(POLLER_LEASE, this.options.holder);
    } catch (error) {
      this.options.log.warn('could not release the poller lease; another replica takes over once it lapses', {
        error,
      });
    }
  }

  /** A hint that a livestream changed: checked now if this replica polls, else queued for the one that does. */
  async check(livestreamId: string): Promise<void> {
    if (this.poller && !this.poller.stopping) return this.poller.check(livestreamId);
    await this.queueHint(livestreamId);
  }

  /** Queues a hint for whichever replica polls next (this one, at its next term, included). Never throws. */
  private async queueHint(livestreamId: string): Promise<void> {
    try {
      await this.options.store.addHint(livestreamId, this.options.clock.now());
    } catch (error) {
      this.options.log.warn(
        'could not queue a webhook hint for the polling replica; the next poll covers it',
        {
          error,
        },
      );
    }
  }

  /** Renews or takes the lease, starts or ends this replica's term, and hands queued hints to the poller. */
  tick(): Promise<void> {
    const run = this.turn.then(() => this.renew());
    this.turn = run.catch(() => {});
    return run;
  }

  private async renew(): Promise<void> {
    const { store, clock, log, holder, ttlMs, tickMs } = this.options;
    const sentAt = clock.monotonic();
    let fence: LeaseFence | null;
    try {
      fence = await store.acquireLease(POLLER_LEASE, holder, clock.now(), ttlMs);
    } catch (error) {
      // Cut off from the database: keep polling only while the lease surely holds, with a tick to spare.
      if (this.poller && clock.monotonic() + tickMs >= this.heldUntil) {
        log.error('poller lease could not be renewed; stopping polling before it lapses', { error });
        await this.endTerm('lease not renewed');
      } else log.warn('poller lease could not be renewed; will retry', { error });
      return;
    }
    if (fence === null) {
      if (this.poller) await this.endTerm('another replica holds the lease');
      return;
    }
    // A renewal that answered so late that the lease may lapse before the next one counts for nothing.
    if (clock.monotonic() + tickMs >= sentAt + ttlMs) {
      if (this.poller) {
        log.error('poller lease renewed too late to count; stopping polling before it lapses');
        await this.endTerm('lease renewed too late');
      }
      return;
    }
    if (this.fence?.epoch !== fence.epoch) {
      await this.endTerm('the lease changed hands');
      // A poller of an ended term may still be stopping (ended by watchLapse while its commit waited on
      // the database): under the same epoch its commit would still land, after the new poller read the
      // state, and both would announce the change. The new term begins once it has stopped.
      await this.stopping;
      if (clock.monotonic() + tickMs >= sentAt + ttlMs) return; // that took too long: ask again
      this.beginTerm(fence);
    }
    // After a new term began: ending the old one forgets its lease.
    this.heldUntil = sentAt + ttlMs;
    this.watchLapse();
    await this.takeHints();
  }

  /**
   * Ends the term a tick before the lease may lapse unless a renewal comes first. A failed renewal says
   * so at the next tick, but one that never answers (a connection whose network went silent waits for
   * minutes) holds up the ticks: this does not wait for them.
   */
  private watchLapse(): void {
    this.lapseWatch?.abort();
    const watch = new AbortController();
    this.lapseWatch = watch;
    const { clock, tickMs } = this.options;
    void clock
      .sleep(this.heldUntil - tickMs - clock.monotonic(), watch.signal)
      .then(async () => {
        if (watch.signal.aborted || !this.poller) return;
        this.options.log.error('poller lease could not be renewed; stopping polling before it lapses');
        await this.endTerm('lease not renewed');
      })
      .catch((error: unknown) => {
        this.options.log.error('could not stop polling as the lease nears its lapse', { error });
      });
  }

  private beginTerm(fence: LeaseFence): void {
    this.fence = fence;
    const poller = this.options.createPoller(fence, () => {
      // A commit was refused: another replica holds the lease now. End this term (once).
      if (this.poller !== poller) return;
      const run = this.turn.then(() => this.endTerm('a commit was fenced out'));
      this.turn = run.catch(() => {});
    });
    this.poller = poller;
    poller.start();
    this.options.log.info('this replica polls now', { holder: fence.holder, epoch: fence.epoch });
    this.options.onTerm?.(true);
  }

  private async endTerm(reason: string): Promise<void> {
    const poller = this.poller;
    this.poller = null;
    this.fence = null;
    this.heldUntil = Number.NEGATIVE_INFINITY;
    this.lapseWatch?.abort();
    this.lapseWatch = null;
    if (!poller) return;
    // Told now, not once the poller has stopped: a stop that waits on a silent database may end after
    // the next term began, and listeners must be left with what is true.
    this.options.onTerm?.(false);
    const stopped = poller.stop();
    this.stopping = stopped.catch(() => {});
    await stopped;
    this.options.log.info('this replica stopped polling', { reason });
  }

  private async takeHints(): Promise<void> {
    const poller = this.poller;
    if (!poller) return;
    let ids: string[];
    try {
      ids = await this.options.store.takeHints(HINTS_PER_TICK);
    } catch (error) {
      this.options.log.warn('could not read queued webhook hints; the next poll covers them', { error });
      return;
    }
    // The term may have ended while the hints were taken: they wait for the next holder, not lost.
    if (this.poller !== poller || poller.stopping) {
      for (const id of ids) await this.queueHint(id);
      return;
    }
    for (const id of ids) void poller.check(id);
  }
}

/**
 * PollerLeader: one poller among replicas. Two replicas (two PostgreSQL stores on one database, as two
 * processes have), each a leader around real Pollers reading the emulator, on one manual clock. The
 * leaders' loops are not started: each test calls `tick()` as the loop would, so a replica "dies" by
 * simply not being ticked any more (no stop(), no release).
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { POLLER_LEASE, PollerLeader } from '../../src/notify/leader.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import { type CycleResult, Poller } from '../../src/notify/poller.js';
import { leaseTiming } from '../../src/notify/service.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';
import { type CutOffStore, cutOff, quiesce, sleepCounting } from '../support/replica-faults.js';
import { subscribe } from './harness.js';

const database = useTestDatabase();
const INTERVAL_MS = 15_000;
/** 15 s polls: a lease of 15 s, renewed every second. */
const TIMING = leaseTiming(INTERVAL_MS);

interface Replica {
  name: string;
  /** The replica's store; `cut.mode` cuts it off from the database. */
  cut: CutOffStore;
  leader: PollerLeader;
  /** Every poller its terms created, oldest first. */
  pollers: Poller[];
  cycles: CycleResult[];
  /** What onTerm told, in order. */
  terms: boolean[];
  /** RealtimeKit requests its pollers sent. */
  requests: number;
  logs: { level: string; msg: string }[];
  /** Its pollers' sleeps under way: a poller between cycles sleeps. */
  readonly pollersAsleep: number;
}

let clock: ManualClock;
let emulator: Emulator;
let opened: NotifyStore[] = [];
let replicas: Replica[] = [];

beforeEach(async () => {
  await emptyTables(database.url);
  clock = new ManualClock();
  emulator = createEmulator({ seed: 41, now: () => new Date(clock.now()) });
  await emulator.start();
});

afterEach(async () => {
  for (const replica of replicas) {
    replica.cut.reconnect();
    await replica.leader.stop();
  }
  await Promise.all(opened.map((store) => store.close()));
  await emulator.stop();
  opened = [];
  replicas = [];
});

async function startReplica(
  name: string,
  options: { timing?: typeof TIMING; intervalMs?: number; clock?: ManualClock } = {},
): Promise<Replica> {
  const { timing = TIMING, intervalMs = INTERVAL_MS } = options;
  const ownClock = options.clock ?? clock;
  const pollerClock = sleepCounting(ownClock);
  const real = await openPgStore(database.url);
  opened.push(real);
  const cut = cutOff(real);
  const budget = new RequestBudget(900);
  const logs: Replica['logs'] = [];
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      const record = JSON.parse(line) as { level: string; msg: string };
      logs.push({ level: record.level, msg: record.msg });
    },
  });
  const replica = {
    name,
    cut,
    pollers: [],
    cycles: [],
    terms: [],
    requests: 0,
    logs,
    get pollersAsleep() {
      return pollerClock.sleeping;
    },
  } as unknown as Replica;
  const client = createRealtimeKitClient({
    ...clientSettingsOf(emulator.settings()),
    retries: 0,
    timeoutMs: 2_000,
    onRequest: () => {
      replica.requests++;
      budget.record(ownClock.monotonic());
    },
  });
  replica.leader = new PollerLeader({
    store: cut.store,
    clock: ownClock,
    log,
    holder: name,
    ...timing,
    createPoller: (fence, lost) => {
      const poller = new Poller({
        client,
        store: cut.store,
        clock: pollerClock,
        log,
        budget,
        intervalMs,
        alertAfterMs: 300_000,
        fence,
        onLeaseLost: lost,
        onCycle: (result) => replica.cycles.push(result),
      });
      replica.pollers.push(poller);
      return poller;
    },
    onTerm: (leading) => replica.terms.push(leading),
  });
  replicas.push(replica);
  return replica;
}

/** The poller lease's row, as the database has it. */
async function leaseRow(): Promise<{ holder: string; epoch: number; expires_at: number } | null> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ holder: string; epoch: string; expires_at: string }>(
      'SELECT holder, epoch, expires_at FROM lease WHERE name = $1',
      [POLLER_LEASE],
    );
    const row = rows[0];
    return row ? { holder: row.holder, epoch: Number(row.epoch), expires_at: Number(row.expires_at) } : null;
  } finally {
    await client.end();
  }
}

/** Waits until `count` pollers are parked in their sleep between cycles (their cycle is over). */
async function pollersAsleep(count: number): Promise<void> {
  const asleep = () => replicas.reduce((sum, replica) => sum + replica.pollersAsleep, 0);
  await expect.poll(asleep, { timeout: 5_000 }).toBe(count);
}

describe('one poller among replicas', () => {
  it('exactly one replica polls; the holder renews its lease every tick, in one term', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    await a.leader.tick();
    await b.leader.tick();
    expect([a.leader.leading, b.leader.leading]).toEqual([true, false]);
    await pollersAsleep(1);
    for (let second = 1; second <= 40; second++) {
      clock.advance(TIMING.tickMs);
      // In either order: the standby never gets it while the holder renews.
      if (second % 2) await Promise.all([b.leader.tick(), a.leader.tick()]);
      else await Promise.all([a.leader.tick(), b.leader.tick()]);
      expect([a.leader.leading, b.leader.leading]).toEqual([true, false]);
      await pollersAsleep(1);
    }
    // Cycles at 0, 15 and 30 s, all by the holder; the standby never asked the API anything.
    expect(a.cycles.map((c) => c.ok)).toEqual([true, true, true]);
    expect(b.requests).toBe(0);
    expect(b.pollers).toHaveLength(0);
    expect(a.pollers).toHaveLength(1);
    expect(a.terms).toEqual([true]);
    expect(await leaseRow()).toEqual({
      holder: 'replica-a',
      epoch: 1,
      expires_at: clock.now() + TIMING.ttlMs,
    });
  });

  it('when the holder dies, the standby takes over once its lease lapsed (not before), within a tick', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1);
    for (let second = 1; second <= 5; second++) {
      clock.advance(TIMING.tickMs);
      await a.leader.tick();
      await b.leader.tick();
    }
    const lastRenewal = clock.now();
    // Killed: nothing of it runs any more (its poller neither), and it is never ticked again.
    await a.leader.current!.stop();
    let takeoverAfter: number | null = null;
    for (let step = 1; step <= 40 && takeoverAfter === null; step++) {
      clock.advance(TIMING.tickMs / 2);
      await b.leader.tick();
      if (b.leader.leading) takeoverAfter = clock.now() - lastRenewal;
    }
    expect(takeoverAfter).not.toBeNull();
    expect(takeoverAfter!).toBeGreaterThanOrEqual(TIMING.ttlMs);
    expect(takeoverAfter!).toBeLessThanOrEqual(TIMING.ttlMs + TIMING.tickMs);
    // The new holder polls, under the next epoch.
    await expect.poll(() => b.cycles.length).toBe(1);
    expect(b.cycles[0]).toMatchObject({ ok: true, baseline: false });
    expect(await leaseRow()).toMatchObject({ holder: 'replica-b', epoch: 2 });
    expect(b.terms).toEqual([true]);
  });

  it('a holder that comes back after the takeover (a long pause) writes nothing, and its term ends', async () => {
    // Paused (a long GC, a frozen VM): nothing of it runs, its timers neither, while time goes on.
    const pausedClock = new ManualClock();
    const a = await startReplica('replica-a', { clock: pausedClock });
    const b = await startReplica('replica-b');
    const show = emulator.addLivestream({ name: 'Paused over', status: 'IDLE' });
    await subscribe(a.cut.store, 'C1');
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1); // its baseline is recorded
    pausedClock.advance(TIMING.tickMs);
    clock.advance(TIMING.tickMs);
    await a.leader.tick(); // its last renewal before the pause: the lease runs until 16 s
    let tookOverAt: number | null = null;
    for (let second = 2; second <= 20 && tookOverAt === null; second++) {
      clock.advance(TIMING.tickMs);
      await b.leader.tick();
      if (b.leader.leading) tookOverAt = second * 1000;
    }
    expect(tookOverAt).toBe(1_000 + TIMING.ttlMs);
    await pollersAsleep(2);
    expect(b.cycles).toHaveLength(1);

    emulator.setStatus(show.id, 'LIVE');
    // a wakes and its poller reads before anything else: the change is found, its commit fenced out.
    const late = await a.leader.current!.runCycle();
    expect(late).toMatchObject({ ok: false, stopped: true });
    await expect.poll(() => a.leader.leading).toBe(false);
    expect(a.terms).toEqual([true, false]);
    expect(a.logs.some((l) => l.msg.includes('another replica took over polling'))).toBe(true);
    expect(await a.cut.store.countPending()).toBe(0);
    expect((await a.cut.store.loadStatuses())!.has(show.id)).toBe(false);
    // The holder finds it at its next cycle: announced once, by it.
    for (let second = 1; second <= INTERVAL_MS / TIMING.tickMs; second++) {
      clock.advance(TIMING.tickMs);
      await b.leader.tick();
    }
    await expect.poll(() => b.cycles.length).toBe(2);
    expect(b.cycles[1]).toMatchObject({ ok: true, events: 1 });
    expect(await b.cut.store.countPending()).toBe(1);
    // And a, ticked again, is a standby.
    await a.leader.tick();
    expect(a.leader.leading).toBe(false);
    expect(a.pollers).toHaveLength(1);
  });

  it('a holder cut off from the database (calls fail) stops polling a tick before its lease may lapse', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    const start = clock.now();
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1);
    a.cut.mode = 'reject'; // right after its renewal at 0 s: the lease runs until 15 s
    let aStopped: number | null = null;
    let bLeads: number | null = null;
    const requestsAtStop: number[] = [];
    for (let second = 1; second <= 20; second++) {
      clock.advance(TIMING.tickMs);
      await a.leader.tick();
      await b.leader.tick();
      if (aStopped === null && !a.leader.leading) {
        aStopped = clock.now() - start;
        requestsAtStop.push(a.requests);
      }
      if (bLeads === null && b.leader.leading) bLeads = clock.now() - start;
    }
    expect(aStopped).toBe(TIMING.ttlMs - TIMING.tickMs);
    expect(bLeads).toBe(TIMING.ttlMs);
    expect(a.terms).toEqual([true, false]);
    // Its poller stopped with its term: no request after (its next cycle would have been at 15 s).
    expect(a.requests).toBe(requestsAtStop[0]);
    const errors = a.logs.filter(
      (l) => l.level === 'error' && l.msg.includes('poller lease could not be renewed'),
    );
    expect(errors).toHaveLength(1);
    // Back on the database: a standby now.
    a.cut.mode = 'ok';
    await a.leader.tick();
    expect([a.leader.leading, b.leader.leading]).toEqual([false, true]);
  });

  it('a holder whose database calls hang (a silent network) also stops polling before its lease may lapse', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    const start = clock.now();
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1);
    const requestsBefore = a.requests;
    a.cut.mode = 'hang';
    let bLeads: number | null = null;
    for (let second = 1; second <= 20; second++) {
      clock.advance(TIMING.tickMs);
      void a.leader.tick(); // it never answers while the network is silent
      await b.leader.tick();
      if (bLeads === null && b.leader.leading) {
        bLeads = clock.now() - start;
        // When the other may take over, this one polls no more.
        expect(a.leader.leading).toBe(false);
      }
    }
    expect(bLeads).toBe(TIMING.ttlMs);
    expect(a.leader.leading).toBe(false);
    // Its poller was stopped: it did not poll at 15 s alongside the new holder.
    expect(a.requests).toBe(requestsBefore);
    expect(a.pollers).toHaveLength(1);
  });

  it('a renewal that answers too late to count (the lease nearly lapsed) does not start polling again', async () => {
    const a = await startReplica('replica-a');
    await a.leader.tick();
    await pollersAsleep(1);
    a.cut.mode = 'hang';
    clock.advance(TIMING.tickMs);
    const renewal = a.leader.tick(); // sent at 1 s: it would hold the lease until 16 s
    await expect.poll(() => a.cut.refused).toEqual(['acquireLease']);
    for (let second = 2; second <= 14; second++) clock.advance(TIMING.tickMs);
    await expect.poll(() => a.leader.leading).toBe(false); // a tick before the lease may lapse
    clock.advance(TIMING.tickMs + TIMING.tickMs / 2);
    a.cut.resume(); // the answer comes at 15.5 s: within a tick of the lapse, too late to poll on
    await renewal;
    expect(a.leader.leading).toBe(false);
    expect(a.pollers).toHaveLength(1);
    expect(a.terms).toEqual([true, false]);
    // Its next renewal, answered at once, starts a new term.
    await a.leader.tick();
    expect(a.leader.leading).toBe(true);
    expect(a.pollers).toHaveLength(2);
  });

  it('after a silent spell that ended its term, a renewal that still counts starts a new one once the old poller stopped: a change is announced once, and onTerm ends on "leading"', async () => {
    const a = await startReplica('replica-a');
    const show = emulator.addLivestream({ name: 'Went live in the silence', status: 'IDLE' });
    await subscribe(a.cut.store, 'C1');
    await a.leader.tick();
    await pollersAsleep(1);
    for (let second = 1; second <= 5; second++) {
      clock.advance(TIMING.tickMs);
      await a.leader.tick();
    }
    // The network goes silent right after the renewal at 5 s (the lease holds until 20 s) for the
    // renewals and for the poller's commit.
    a.cut.mode = 'hang';
    a.cut.only = ['acquireLease', 'commitCycle'];
    emulator.setStatus(show.id, 'LIVE');
    const ticks: Promise<void>[] = [];
    for (let second = 6; second <= 19; second++) {
      clock.advance(TIMING.tickMs);
      ticks.push(a.leader.tick()); // the first waits on the database, the others behind it
      // At 15 s its poller reads the change, and its commit waits on the database too.
      if (second === 15) await expect.poll(() => a.cut.refused).toContain('commitCycle');
    }
    await expect.poll(() => a.leader.leading).toBe(false); // at 19 s, a tick before the lease may lapse
    clock.advance(TIMING.tickMs / 2);
    // At 19.5 s the renewal sent at 6 s answers (it holds the lease until 21 s), before the commit.
    a.cut.resume(['acquireLease']);
    await quiesce(() => a.cut.inFlight > a.cut.held);
    a.cut.resume();
    await Promise.all(ticks);
    await expect.poll(() => a.pollers.length).toBe(2);
    await pollersAsleep(1);
    expect(a.leader.leading).toBe(true);
    // The old term's commit landed under the same epoch, and the new poller read the state after it:
    // the change went out once, not once from each.
    expect(await a.cut.store.countPending()).toBe(1);
    expect(a.cycles.map((cycle) => cycle.ok && cycle.events)).toEqual([0, 1, 0]);
    // Whoever listens (readiness, metrics) last heard what is true now.
    expect(a.terms.at(-1)).toBe(true);
  });

  it('stop() lets go of the lease: the standby takes over at its next tick, without waiting for the lapse', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1);
    clock.advance(TIMING.tickMs);
    await a.leader.tick();
    await a.leader.stop();
    expect(a.terms).toEqual([true, false]);
    await pollersAsleep(0);
    clock.advance(TIMING.tickMs);
    await b.leader.tick();
    expect(b.leader.leading).toBe(true);
    expect(await leaseRow()).toMatchObject({ holder: 'replica-b', epoch: 2 });
  });

  it('with their own loops (start), two replicas settle on one poller, and stop() hands it over', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    a.leader.start();
    b.leader.start();
    // Each loop ticks, then sleeps a tick: one of them took the lease, and its poller ran a cycle.
    await pollersAsleep(1);
    expect([a.leader.leading, b.leader.leading].filter(Boolean)).toHaveLength(1);
    const [holder, standby] = a.leader.leading ? [a, b] : [b, a];
    await holder.leader.stop();
    await pollersAsleep(0);
    expect(standby.leader.leading).toBe(false);
    clock.advance(TIMING.tickMs);
    await expect.poll(() => standby.leader.leading).toBe(true);
  });

  it('a hint given to the standby reaches the holder at its next tick: the change is announced once', async () => {
    const a = await startReplica('replica-a');
    const b = await startReplica('replica-b');
    const show = emulator.addLivestream({ name: 'Hinted elsewhere', status: 'IDLE' });
    await subscribe(a.cut.store, 'C1');
    await a.leader.tick();
    await b.leader.tick();
    await pollersAsleep(1); // the baseline
    emulator.setStatus(show.id, 'LIVE');
    // The webhook reached the standby (twice: RealtimeKit retried): queued once in the database.
    await b.leader.check(show.id);
    await b.leader.check(show.id);
    expect(await a.cut.store.countPending()).toBe(0);
    clock.advance(TIMING.tickMs);
    await b.leader.tick();
    await a.leader.tick();
    await expect.poll(() => a.cut.store.countPending()).toBe(1);
    expect(await a.cut.store.takeHints(10)).toEqual([]);
    // The holder's next cycle finds nothing new; the standby never asked the API.
    for (let second = 2; second <= INTERVAL_MS / TIMING.tickMs; second++) {
      clock.advance(TIMING.tickMs);
      await a.leader.tick();
      await b.leader.tick();
    }
    await expect.poll(() => a.cycles.length).toBe(2);
    expect(a.cycles[1]).toMatchObject({ ok: true, events: 0 });
    expect(await a.cut.store.countPending()).toBe(1);
    const [pending] = await a.cut.store.pendingDeliveries(10);
    expect(pending).toMatchObject({ channelId: 'C1', event: { kind: 'live', stream: { id: show.id } } });
    expect(b.requests).toBe(0);
  });

  it('a hint that reaches the holder while its poller is stopping is queued for the next term, not lost', async () => {
    const a = await startReplica('replica-a');
    await a.leader.tick();
    await pollersAsleep(1); // the baseline
    const poller = a.leader.current!;
    const stopping = poller.stop(); // its term is ending (a fenced-out commit, a silent database)
    expect(poller.stopping).toBe(true);
    await a.leader.check('ls-hinted');
    await stopping;
    expect(await a.cut.store.takeHints(10)).toEqual(['ls-hinted']);
  });
});

describe('leaseTiming', () => {
  it('a lease shorter than three ticks is refused: it would be given up at every renewal', () => {
    const options = {
      store: {} as NotifyStore,
      clock,
      log: silentLogger,
      holder: 'x',
      createPoller: () => {
        throw new Error('never polls');
      },
    };
    expect(() => new PollerLeader({ ...options, ttlMs: 2_000, tickMs: 1_000 })).toThrow(RangeError);
    expect(() => new PollerLeader({ ...options, ttlMs: 3_000, tickMs: 1_000 })).not.toThrow();
  });

  it.each([1_000, 15_000, 60_000])(
    'a %i ms poll interval: the standby takes over within two intervals of the holder dying',
    async (intervalMs) => {
      const timing = leaseTiming(intervalMs);
      // The leader's own rule: a lease lasts at least three ticks.
      expect(timing.ttlMs).toBeGreaterThanOrEqual(3 * timing.tickMs);
      expect(timing.ttlMs + timing.tickMs).toBeLessThanOrEqual(2 * intervalMs);
      const a = await startReplica('replica-a', { timing, intervalMs });
      const b = await startReplica('replica-b', { timing, intervalMs });
      // Half a tick apart, as two processes would be: a ticks on the whole ticks, b between them.
      const half = Math.floor(timing.tickMs / 2);
      const rest = timing.tickMs - half;
      await a.leader.tick();
      clock.advance(half);
      await b.leader.tick();
      for (let tick = 1; tick <= 3; tick++) {
        clock.advance(rest);
        await a.leader.tick();
        clock.advance(half);
        await b.leader.tick();
      }
      clock.advance(rest);
      await a.leader.tick(); // its last renewal: it dies right after it (the worst moment)
      expect(a.leader.leading).toBe(true);
      const died = clock.now();
      await a.leader.current!.stop();
      let takeover: number | null = null;
      for (let step = 0; step < 4 * (intervalMs / timing.tickMs) && takeover === null; step++) {
        clock.advance(step % 2 === 0 ? half : rest);
        if (step % 2 === 0) await b.leader.tick();
        if (b.leader.leading) takeover = clock.now() - died;
      }
      expect(takeover).not.toBeNull();
      expect(takeover!).toBeGreaterThanOrEqual(timing.ttlMs);
      expect(takeover!).toBeLessThanOrEqual(2 * intervalMs);
    },
  );
});

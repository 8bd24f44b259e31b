/**
 * SharedBudget: the API token's request budget counted by every replica. Two replicas (two PostgreSQL
 * stores on one database), each with its own RequestBudget and SharedBudget, on one manual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { BUDGET_WINDOW_MS, RequestBudget } from '../../src/notify/budget.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import { Poller } from '../../src/notify/poller.js';
import { REQUEST_BUCKET_MS, SharedBudget } from '../../src/notify/shared-budget.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';
import { type CutOffStore, cutOff } from '../support/replica-faults.js';

const database = useTestDatabase();
const SYNC_EVERY_MS = 2_000;

interface Replica {
  budget: RequestBudget;
  shared: SharedBudget;
  cut: CutOffStore;
  logs: { level: string; msg: string }[];
}

let clock: ManualClock;
let opened: NotifyStore[] = [];
let running: SharedBudget[] = [];
let emulator: Emulator | null = null;

beforeEach(async () => {
  await emptyTables(database.url);
  clock = new ManualClock();
});
afterEach(async () => {
  for (const shared of running) await shared.stop();
  await Promise.all(opened.map((store) => store.close()));
  await emulator?.stop();
  emulator = null;
  opened = [];
  running = [];
});

async function replica(name: string, limit = 900): Promise<Replica> {
  const store = await openPgStore(database.url);
  opened.push(store);
  const cut = cutOff(store);
  const budget = new RequestBudget(limit);
  const logs: Replica['logs'] = [];
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      const record = JSON.parse(line) as { level: string; msg: string };
      logs.push({ level: record.level, msg: record.msg });
    },
  });
  const shared = new SharedBudget({
    budget,
    store: cut.store,
    clock,
    log,
    replica: name,
    syncEveryMs: SYNC_EVERY_MS,
  });
  running.push(shared);
  return { budget, shared, cut, logs };
}

function record(replica: Replica, count: number, source: 'poller' | 'commands'): void {
  for (let i = 0; i < count; i++) replica.budget.record(clock.monotonic(), source);
}

describe('one budget for the token, counted by every replica', () => {
  it('requests recorded on one replica are counted by the other after both synced, and leave the window with time', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    record(a, 30, 'poller');
    record(a, 12, 'commands');
    expect(a.budget.used(clock.monotonic())).toBe(42);
    expect(b.budget.used(clock.monotonic())).toBe(0);
    await a.shared.sync();
    expect(b.budget.used(clock.monotonic())).toBe(0); // not until b reads them
    await b.shared.sync();
    expect(b.budget.used(clock.monotonic())).toBe(42);
    // Its own are not counted twice.
    await a.shared.sync();
    expect(a.budget.used(clock.monotonic())).toBe(42);
    // The others' commands shrink the poller's share, as this replica's own would.
    expect(b.budget.sustainableIntervalMs(1, clock.monotonic())).toBe(
      new RequestBudget(900 - 12).sustainableIntervalMs(1, clock.monotonic()),
    );
    // b's own requests reach a the same way, added to what a sent itself.
    record(b, 5, 'commands');
    await b.shared.sync();
    await a.shared.sync();
    expect(a.budget.used(clock.monotonic())).toBe(47);
    // Once the window (and the bucket they were counted in) has passed, they count no more.
    clock.advance(BUDGET_WINDOW_MS + REQUEST_BUCKET_MS);
    await a.shared.sync();
    await b.shared.sync();
    expect(a.budget.used(clock.monotonic())).toBe(0);
    expect(b.budget.used(clock.monotonic())).toBe(0);
  });

  it('with their own loops, each replica sees the others within two syncs, and stop() sends what is left', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    const bothAsleep = () => expect.poll(() => clock.sleeping).toBe(2);
    a.shared.start();
    b.shared.start();
    await bothAsleep();
    record(a, 7, 'commands');
    // They sync at the same moment: b may read before a's counts land, then it has them the next time.
    for (let sync = 0; sync < 2; sync++) {
      clock.advance(SYNC_EVERY_MS);
      await bothAsleep();
    }
    expect(b.budget.used(clock.monotonic())).toBe(7);
    // What a sent after its last sync still reaches the others when it stops.
    record(a, 3, 'poller');
    await a.shared.stop();
    expect(a.budget.onRecord).toBeNull();
    clock.advance(SYNC_EVERY_MS);
    await expect.poll(() => b.budget.used(clock.monotonic())).toBe(10);
  });

  it("the poller of one replica waits while the other's commands have used the window, and goes on once they expire", async () => {
    emulator = createEmulator({ seed: 3, now: () => new Date(clock.now()) });
    await emulator.start();
    const a = await replica('replica-a', 50);
    const b = await replica('replica-b', 50);
    record(b, 50, 'commands'); // people's commands on b took the poller's whole ceiling
    await b.shared.sync();
    await a.shared.sync();
    const waits: string[] = [];
    const requests: string[] = [];
    const cycles: boolean[] = [];
    const poller = new Poller({
      client: createRealtimeKitClient({
        ...clientSettingsOf(emulator.settings()),
        retries: 0,
        onRequest: (request) => {
          requests.push(request.path);
          a.budget.record(clock.monotonic());
        },
      }),
      store: opened[0]!,
      clock,
      log: createLogger({
        level: 'debug',
        write: (line) => {
          const record = JSON.parse(line) as { msg: string };
          if (record.msg.includes('poller waits for its request budget')) waits.push(record.msg);
        },
      }),
      budget: a.budget,
      intervalMs: 15_000,
      alertAfterMs: 300_000,
      onCycle: (result) => cycles.push(result.ok),
    });
    try {
      poller.start();
      await expect.poll(() => waits.length).toBe(1);
      expect(requests).toEqual([]);
      // Later, b's requests have left the window: a learns it at its next sync, and polls.
      clock.advance(BUDGET_WINDOW_MS + REQUEST_BUCKET_MS);
      await expect.poll(() => clock.sleeping).toBe(1);
      expect(requests).toEqual([]);
      await b.shared.sync();
      await a.shared.sync();
      clock.advance(5_000); // the poller's next look at the budget
      await expect.poll(() => cycles).toEqual([true]);
      expect(requests.length).toBeGreaterThan(0);
    } finally {
      await poller.stop();
    }
  });

  it('a replica restarted under the same REPLICA_ID still counts what it sent before the restart', async () => {
    const before = await replica('replica-a');
    record(before, 40, 'poller');
    await before.shared.sync();
    // It crashes, and comes back under the same name (a StatefulSet pod, a fixed REPLICA_ID): its new
    // process remembers nothing, but the token's window still holds those 40.
    const after = await replica('replica-a');
    await after.shared.sync();
    expect(after.budget.used(clock.monotonic())).toBe(40);
    const other = await replica('replica-b');
    await other.shared.sync();
    expect(other.budget.used(clock.monotonic())).toBe(40);
  });

  it('a failed sync keeps its counts for the next one (none lost, across buckets), and is logged once', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    a.cut.mode = 'reject';
    record(a, 5, 'poller');
    await a.shared.sync();
    clock.advance(REQUEST_BUCKET_MS); // the next requests fall in the next bucket
    record(a, 3, 'commands');
    await a.shared.sync();
    await a.shared.sync();
    const warnings = a.logs.filter((l) => l.msg.includes('could not share request counts'));
    expect(warnings).toEqual([{ level: 'warn', msg: expect.any(String) as string }]);
    await b.shared.sync();
    expect(b.budget.used(clock.monotonic())).toBe(0);
    // The database answers again: everything a counted arrives, once.
    a.cut.mode = 'ok';
    await a.shared.sync();
    await a.shared.sync();
    expect(a.logs.filter((l) => l.msg.includes('shared through the database again'))).toHaveLength(1);
    await b.shared.sync();
    expect(b.budget.used(clock.monotonic())).toBe(8);
    // A later failure is told again.
    a.cut.mode = 'reject';
    await a.shared.sync();
    expect(a.logs.filter((l) => l.msg.includes('could not share request counts'))).toHaveLength(2);
  });

  it('through a long outage it keeps only the counts still in the window (memory stays bounded)', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    a.cut.mode = 'reject';
    // An hour of failed syncs, a request in every bucket.
    for (let t = 0; t < 3_600_000; t += REQUEST_BUCKET_MS) {
      record(a, 1, 'poller');
      await a.shared.sync();
      clock.advance(REQUEST_BUCKET_MS);
    }
    // Nothing older than the window was kept: about 30 buckets of 10 s, not 360.
    expect(a.shared.unsentBuckets).toBeLessThanOrEqual(BUDGET_WINDOW_MS / REQUEST_BUCKET_MS + 2);
    a.cut.mode = 'ok';
    await a.shared.sync();
    expect(a.shared.unsentBuckets).toBe(0);
    await b.shared.sync();
    // What a sent in the last five minutes counts.
    expect(b.budget.used(clock.monotonic())).toBeGreaterThanOrEqual(BUDGET_WINDOW_MS / REQUEST_BUCKET_MS - 1);
  });
});

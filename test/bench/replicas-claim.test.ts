/**
 * The replicas bench's failover (bench/replicas.ts) reads whether the replica it killed held the claim
 * on the channel it had just sent to, and how long that claim had left. The claim is written by the
 * real sender: `startNotifications` in replica mode on PostgreSQL, on a manual clock, posts to a
 * channel and so claims it; the bench's reading must recognise that replica (whatever part of its own
 * the process added to REPLICA_ID in the holder) and no other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimLeftOf, channelClaim } from '../../bench/replicas-rig.js';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { openPgStore, pgPoolOf } from '../../src/notify/pg-store.js';
import { CHANNEL_CLAIM_MS, type Notifications, startNotifications } from '../../src/notify/service.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { RecordingSink } from '../notify/harness.js';
import { type CutOffStore, cutOff, quiesce } from '../support/replica-faults.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';

const database = useTestDatabase();
const CONFIG = {
  pollIntervalSeconds: 3_600,
  requestBudget: 900,
  dataDir: '',
  cooldownSeconds: 120,
  alertAfterSeconds: 300,
};

let clock: ManualClock;
let emulator: Emulator;
let store: NotifyStore;
let cut: CutOffStore;
let notifications: Notifications | null = null;

beforeEach(async () => {
  await emptyTables(database.url);
  clock = new ManualClock();
  emulator = createEmulator({ seed: 5, now: () => new Date(clock.now()) });
  await emulator.start();
  store = await openPgStore(database.url);
  cut = cutOff(store);
});
afterEach(async () => {
  await notifications?.stop();
  notifications = null;
  await store.close();
  await emulator.stop();
});

/** Moves the clock in steps, letting the replica do what is due at each. */
async function run(ms: number, stepMs = 100): Promise<void> {
  const settled = () => quiesce(() => cut.inFlight > 0);
  await settled();
  for (let moved = 0; moved < ms; moved += stepMs) {
    clock.advance(Math.min(stepMs, ms - moved));
    await settled();
  }
}

describe('replicas bench: the killed replica claim', () => {
  it("recognises the claim a replica's sender wrote, and no other replica's", async () => {
    const sink = new RecordingSink('slack', clock);
    notifications = await startNotifications({
      config: CONFIG,
      store: cut.store,
      sinks: [sink],
      api: clientSettingsOf(emulator.settings()),
      realApi: false,
      defaultChannels: [],
      log: silentLogger,
      clock,
      replica: { id: 'fo-r1' },
    });
    await expect.poll(async () => (await store.loadStatuses()) !== null).toBe(true);
    const at = new Date(clock.now()).toISOString();
    await cut.store.enqueue({ kind: 'api-delayed', at, failingSince: at, reason: 'bench' }, [
      { platform: 'slack', channelId: 'C01', mention: null },
    ]);
    for (let pass = 0; pass < 20 && sink.sent.length === 0; pass++) await run(500);
    expect(sink.sent.map((m) => m.channelId)).toEqual(['C01']);

    const row = await channelClaim(pgPoolOf(store), 'slack', 'C01');
    expect(row?.holder).toMatch(/^fo-r1#/);
    const left = claimLeftOf(row, 'fo-r1', clock.now());
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(CHANNEL_CLAIM_MS);
    // Another replica, even one whose id begins with the same letters, did not hold it.
    expect(claimLeftOf(row, 'fo-r', clock.now())).toBeNull();
    expect(claimLeftOf(row, 'fo-r11', clock.now())).toBeNull();
    // Once lapsed, the claim is nobody's.
    expect(claimLeftOf(row, 'fo-r1', Number(row?.expires_at))).toBeNull();
    expect(await channelClaim(pgPoolOf(store), 'slack', 'C02')).toBeNull();
  });
});

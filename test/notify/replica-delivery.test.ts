/**
 * Sending with replicas: two `startNotifications` in replica mode on one PostgreSQL database, each
 * with its own recording platform, on one manual clock. Every delivery is posted once across both,
 * one replica at a time sends to a channel (at the channel's pace), a replica that dies mid-send hands
 * its channels on once its claim lapses, and a clean stop hands them on at once.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { openPgStore } from '../../src/notify/pg-store.js';
import {
  CHANNEL_CLAIM_MS,
  CHANNELS_HELD,
  type Notifications,
  REPLICA_IDLE_WAIT_MS,
  startNotifications,
} from '../../src/notify/service.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { Target } from '../../src/notify/targets.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';
import { type CutOffStore, cutOff, quiesce } from '../support/replica-faults.js';
import { RecordingSink } from './harness.js';

const database = useTestDatabase();
/** An hour between polls: the poller's one cycle (the baseline) is over before the sending starts. */
const CONFIG = {
  pollIntervalSeconds: 3_600,
  requestBudget: 900,
  dataDir: '',
  cooldownSeconds: 120,
  alertAfterSeconds: 300,
};
const PACING_MS = 1_100;

interface Replica {
  name: string;
  cut: CutOffStore;
  sink: RecordingSink;
  notifications: Notifications;
}

let clock: ManualClock;
let emulator: Emulator;
let replicas: Replica[] = [];
let opened: NotifyStore[] = [];
/** Stops that must not be awaited before the end (a replica "killed" mid-send). */
let abandoned: Promise<void>[] = [];
let releases: (() => void)[] = [];

beforeEach(async () => {
  await emptyTables(database.url);
  clock = new ManualClock();
  emulator = createEmulator({ seed: 23, now: () => new Date(clock.now()) });
  await emulator.start();
});
afterEach(async () => {
  for (const release of releases) release();
  await Promise.all(abandoned);
  for (const replica of replicas) await replica.notifications.stop();
  await Promise.all(opened.map((store) => store.close()));
  await emulator.stop();
  replicas = [];
  opened = [];
  abandoned = [];
  releases = [];
});

async function startReplica(name: string): Promise<Replica> {
  const store = await openPgStore(database.url);
  opened.push(store);
  const cut = cutOff(store);
  const sink = new RecordingSink('slack', clock, PACING_MS);
  const notifications = await startNotifications({
    config: CONFIG,
    store: cut.store,
    sinks: [sink],
    api: clientSettingsOf(emulator.settings()),
    realApi: false,
    defaultChannels: [],
    log: silentLogger,
    clock,
    replica: { id: name },
  });
  const replica = { name, cut, sink, notifications };
  replicas.push(replica);
  return replica;
}

/** Nothing waits on the database: every loop sleeps on the clock (a held send is not waiting on it). */
const settled = () => quiesce(() => replicas.some((replica) => replica.cut.inFlight > 0));

/** Moves the clock in steps, letting every replica do what is due at each. */
async function run(ms: number, stepMs = 100): Promise<void> {
  await settled();
  for (let moved = 0; moved < ms; moved += stepMs) {
    clock.advance(Math.min(stepMs, ms - moved));
    await settled();
  }
}

function alert(reason: string) {
  return {
    kind: 'api-delayed',
    at: new Date(clock.now()).toISOString(),
    failingSince: new Date(clock.now()).toISOString(),
    reason,
  } as const;
}

function channels(count: number): Target[] {
  return Array.from({ length: count }, (_, i) => ({
    platform: 'slack' as const,
    channelId: `C${String(i).padStart(2, '0')}`,
    mention: null,
  }));
}

/** Every post either replica made: which replica, where, when, and the wave (the alert's reason). */
function posts(): { replica: string; channelId: string; at: number; wave: string }[] {
  return replicas
    .flatMap((replica) =>
      replica.sink.sent
        .filter((message) => message.op === 'post')
        .map((message) => ({
          replica: replica.name,
          channelId: message.channelId,
          at: message.at,
          wave: /\((w\d+)\)/.exec(message.reply.text ?? '')?.[1] ?? '?',
        })),
    )
    .sort((x, y) => x.at - y.at);
}

async function claimOf(channelId: string): Promise<{ holder: string; expiresAt: number } | null> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ holder: string; expires_at: string }>(
      "SELECT holder, expires_at FROM channel_claim WHERE platform = 'slack' AND channel_id = $1",
      [channelId],
    );
    const row = rows[0];
    return row ? { holder: row.holder, expiresAt: Number(row.expires_at) } : null;
  } finally {
    await client.end();
  }
}

/** Waits for the replica that took the poller lease to record its baseline (its one cycle). */
async function baselineRecorded(store: NotifyStore): Promise<void> {
  await expect.poll(async () => (await store.loadStatuses()) !== null).toBe(true);
}

describe('sending with replicas', () => {
  it('every pending delivery is posted exactly once across both; each channel hears from one replica, at its pace', async () => {
    const [a, b] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    await baselineRecorded(a.cut.store);
    const targets = channels(3 * CHANNELS_HELD);
    await a.cut.store.enqueue(alert('w1'), targets);
    await b.cut.store.enqueue(alert('w2'), targets);
    for (let pass = 0; pass < 40 && (await a.cut.store.countPending()) > 0; pass++) await run(500);
    expect(await a.cut.store.countPending()).toBe(0);

    const all = posts();
    expect(all).toHaveLength(2 * targets.length);
    for (const { channelId } of targets) {
      const here = all.filter((post) => post.channelId === channelId);
      expect(here.map((post) => post.wave)).toEqual(['w1', 'w2']);
      expect(new Set(here.map((post) => post.replica)).size).toBe(1);
      expect(here[1]!.at - here[0]!.at).toBeGreaterThanOrEqual(PACING_MS);
    }
    // A burst for many channels is shared: neither replica took every channel.
    const byReplica = (name: string) =>
      new Set(all.filter((p) => p.replica === name).map((p) => p.channelId));
    expect(byReplica('replica-a').size).toBeGreaterThan(0);
    expect(byReplica('replica-b').size).toBeGreaterThan(0);
    expect(byReplica('replica-a').size + byReplica('replica-b').size).toBe(targets.length);
  });

  it('two processes given one REPLICA_ID (a copied config) still poll one at a time and send each channel from one', async () => {
    const [a, b] = await Promise.all([startReplica('same'), startReplica('same')]);
    await baselineRecorded(a.cut.store);
    await run(2 * REPLICA_IDLE_WAIT_MS);
    expect([a, b].filter((r) => r.notifications.leader!.leading)).toHaveLength(1);
    const targets = channels(2 * CHANNELS_HELD);
    await a.cut.store.enqueue(alert('w1'), targets);
    await b.cut.store.enqueue(alert('w2'), targets);
    for (let pass = 0; pass < 40 && (await a.cut.store.countPending()) > 0; pass++) await run(500);
    const all = posts();
    expect(all).toHaveLength(2 * targets.length);
    for (const { channelId } of targets) {
      const here = all.filter((post) => post.channelId === channelId);
      expect(here.map((post) => post.wave)).toEqual(['w1', 'w2']);
      expect(here[1]!.at - here[0]!.at).toBeGreaterThanOrEqual(PACING_MS);
    }
  });

  it('a second wave while both run: still once each, and no channel is sent to by both replicas at once', async () => {
    const [a] = await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
    await baselineRecorded(a.cut.store);
    const targets = channels(12);
    for (let wave = 1; wave <= 4; wave++) {
      await a.cut.store.enqueue(alert(`w${wave}`), targets);
      await run(1_500);
    }
    for (let pass = 0; pass < 40 && (await a.cut.store.countPending()) > 0; pass++) await run(500);
    const all = posts();
    expect(all).toHaveLength(4 * targets.length);
    for (const { channelId } of targets) {
      const here = all.filter((post) => post.channelId === channelId);
      expect(here.map((post) => post.wave)).toEqual(['w1', 'w2', 'w3', 'w4']);
      for (let i = 1; i < here.length; i++)
        expect(here[i]!.at - here[i - 1]!.at).toBeGreaterThanOrEqual(PACING_MS);
    }
  });

  it('a replica that dies mid-send leaves its channel to the other once its claim lapses, not before', async () => {
    const a = await startReplica('replica-a');
    await baselineRecorded(a.cut.store);
    releases.push(a.sink.hold('C1')); // a's post to C1 never answers
    await a.cut.store.enqueue(alert('w1'), [{ platform: 'slack', channelId: 'C1', mention: null }]);
    await run(REPLICA_IDLE_WAIT_MS);
    expect(a.sink.sent).toEqual([]); // under way, held
    const b = await startReplica('replica-b');
    await run(5 * REPLICA_IDLE_WAIT_MS);
    expect(b.sink.sent).toEqual([]); // a holds the channel while it is alive
    // a dies: its sender passes no more (so its claim is no longer renewed); its send never ends.
    abandoned.push(a.notifications.delivery.stop());
    await settled();
    const claim = await claimOf('C1');
    expect(claim!.holder).toMatch(/^replica-a#/);
    expect(claim!.expiresAt).toBeLessThanOrEqual(clock.now() + CHANNEL_CLAIM_MS);
    // Until the claim lapses, b sends nothing there.
    await run(claim!.expiresAt - clock.now() - 100, 1_000);
    expect(b.sink.sent).toEqual([]);
    // Then at its next pass, b sends it.
    await run(100 + REPLICA_IDLE_WAIT_MS);
    expect(b.sink.sent.map((m) => m.channelId)).toEqual(['C1']);
    expect(b.sink.sent[0]!.at).toBeGreaterThanOrEqual(claim!.expiresAt);
    expect(await b.cut.store.countPending()).toBe(0);
    expect((await claimOf('C1'))!.holder).toMatch(/^replica-b#/);
  });

  it("stop() lets go of the replica's channels at once: the other sends there at its next pass", async () => {
    const a = await startReplica('replica-a');
    await baselineRecorded(a.cut.store);
    await a.cut.store.enqueue(alert('w1'), [{ platform: 'slack', channelId: 'C1', mention: null }]);
    await run(REPLICA_IDLE_WAIT_MS);
    expect(a.sink.sent.map((m) => m.channelId)).toEqual(['C1']);
    const b = await startReplica('replica-b');
    await run(200);
    // a is redeployed: it stops cleanly, a moment after its post.
    replicas = replicas.filter((replica) => replica !== a);
    const stoppedAt = clock.now();
    await a.notifications.stop();
    // Released one pace after the stop: the channel's pace holds across the handover too.
    const released = (await claimOf('C1'))!;
    expect(released.holder).toMatch(/^replica-a#/);
    expect(released.expiresAt).toBe(stoppedAt + PACING_MS);
    const enqueuedAt = clock.now();
    await b.cut.store.enqueue(alert('w2'), [{ platform: 'slack', channelId: 'C1', mention: null }]);
    await run(3 * REPLICA_IDLE_WAIT_MS);
    expect(b.sink.sent.map((m) => m.channelId)).toEqual(['C1']);
    // Once a's pace allows, at b's next pass: not once a's claim would have lapsed.
    expect(b.sink.sent[0]!.at).toBeGreaterThanOrEqual(stoppedAt + PACING_MS);
    expect(b.sink.sent[0]!.at - enqueuedAt).toBeLessThanOrEqual(PACING_MS + REPLICA_IDLE_WAIT_MS);
    // And b polls now: a let go of the poller lease too.
    await run(2 * REPLICA_IDLE_WAIT_MS);
    expect(b.notifications.leader!.leading).toBe(true);
  });
});

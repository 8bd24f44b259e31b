/** Shared set-up for notification tests: emulator, real client, SQLite store, a manual clock, a recording sink. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { DeliveryWorker } from '../../src/notify/delivery.js';
import { Poller } from '../../src/notify/poller.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient, type RealtimeKitClient } from '../../src/realtimekit/client.js';
import type { Reply } from '../../src/reply.js';
import { type Platform, type Sink, SinkError } from '../../src/sink.js';

export interface SentMessage {
  op: 'post' | 'edit';
  channelId: string;
  messageId: string;
  reply: Reply;
  at: number;
}

/** An in-memory platform: records posts and edits; `failNext` scripts failures. */
export class RecordingSink implements Sink {
  readonly sent: SentMessage[] = [];
  private failures: { channelId: string | null; error: SinkError }[] = [];
  private next = 1;
  constructor(
    readonly platform: Platform,
    private readonly clock: ManualClock,
    /** Like Slack's and Discord's sinks: about one post a second per channel, with margin. */
    readonly pacingMs = 1_100,
  ) {}

  private held = new Map<string, Promise<void>>();

  /** Posts to this channel wait until the returned function is called (a platform that hangs). */
  hold(channelId: string): () => void {
    let release!: () => void;
    this.held.set(channelId, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.held.delete(channelId);
      release();
    };
  }

  /** The next calls fail with these errors (to any channel). */
  failNext(...errors: SinkError[]): void {
    this.failures.push(...errors.map((error) => ({ channelId: null, error })));
  }

  /** The next call to this channel fails with this error. */
  failChannel(channelId: string, error: SinkError): void {
    this.failures.push({ channelId, error });
  }

  private takeFailure(channelId: string): SinkError | undefined {
    const index = this.failures.findIndex((f) => f.channelId === null || f.channelId === channelId);
    return index === -1 ? undefined : this.failures.splice(index, 1)[0]!.error;
  }

  async post(channelId: string, reply: Reply) {
    await this.held.get(channelId);
    const failure = this.takeFailure(channelId);
    if (failure) throw failure;
    const messageId = `m${this.next++}`;
    this.sent.push({ op: 'post', channelId, messageId, reply, at: this.clock.now() });
    return { messageId };
  }

  async edit(channelId: string, messageId: string, reply: Reply) {
    const failure = this.takeFailure(channelId);
    if (failure) throw failure;
    this.sent.push({ op: 'edit', channelId, messageId, reply, at: this.clock.now() });
  }
}

export const transient = () => new SinkError('Transient', 'platform is down');

/** Emulator, real RealtimeKit client, SQLite store, poller and sender on a manual clock, around one sink. */
export interface NotifyRig {
  emulator: Emulator;
  clock: ManualClock;
  dataDir: string;
  store: NotifyStore;
  budget: RequestBudget;
  poller: Poller;
  delivery: DeliveryWorker;
  /** A client for commands, beside the poller's (not counted against its budget). */
  commandsClient: RealtimeKitClient;
  /** A new poller, store and sender on the same DATA_DIR: what a restarted process has. */
  restart(): Promise<void>;
  /** Sends until the outbox is empty, moving the clock past each pacing/backoff wait. */
  drainAll(maxPasses?: number): Promise<void>;
  close(): Promise<void>;
}

export interface NotifyRigOptions {
  /** The platform the sender delivers to. */
  sink: Sink;
  clock?: ManualClock;
  seed?: number;
  log?: Logger;
  budget?: number;
  cooldownMs?: number;
  alertAfterMs?: number;
}

export async function createNotifyRig(options: NotifyRigOptions): Promise<NotifyRig> {
  const clock = options.clock ?? new ManualClock();
  const log = options.log ?? silentLogger;
  const emulator = createEmulator({ seed: options.seed ?? 7, now: () => new Date(clock.now()) });
  await emulator.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'notify-test-'));
  const api = (budget?: RequestBudget): RealtimeKitClient =>
    createRealtimeKitClient({
      ...clientSettingsOf(emulator.settings()),
      retries: 1,
      retryDelayMs: () => 1,
      timeoutMs: 2_000,
      ...(budget ? { onRequest: () => budget.record(clock.monotonic()) } : {}),
    });
  const rig = { emulator, clock, dataDir, commandsClient: api() } as NotifyRig;
  const build = () => {
    rig.store = openSqliteStore(dataDir);
    rig.budget = new RequestBudget(options.budget ?? 900);
    rig.delivery = new DeliveryWorker({
      store: rig.store,
      sinks: new Map([[options.sink.platform, options.sink]]),
      clock,
      log: log.child({ part: 'delivery' }),
      cooldownMs: options.cooldownMs ?? 120_000,
    });
    rig.poller = new Poller({
      client: api(rig.budget),
      store: rig.store,
      clock,
      log: log.child({ part: 'poller' }),
      budget: rig.budget,
      intervalMs: 15_000,
      alertAfterMs: options.alertAfterMs ?? 300_000,
    });
  };
  build();
  rig.restart = async () => {
    await rig.store.close();
    build();
  };
  rig.drainAll = async (maxPasses = 1_000) => {
    for (let pass = 0; pass < maxPasses && (await rig.store.countPending()) > 0; pass++) {
      await rig.delivery.drainOnce();
      if ((await rig.store.countPending()) > 0) clock.advance(Math.max(1, await rig.delivery.nextWakeMs()));
    }
    if ((await rig.store.countPending()) > 0) throw new Error(`outbox not empty after ${maxPasses} passes`);
  };
  rig.close = async () => {
    await rig.store.close();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return rig;
}

export interface Harness extends NotifyRig {
  sink: RecordingSink;
}

/** A rig around a recording sink (Slack-flavoured): the notification logic without a platform. */
export async function createHarness(
  options: Omit<NotifyRigOptions, 'sink' | 'clock'> = {},
): Promise<Harness> {
  const clock = new ManualClock();
  const sink = new RecordingSink('slack', clock);
  return Object.assign(await createNotifyRig({ ...options, sink, clock }), { sink });
}

export function subscribe(
  store: NotifyStore,
  channelId: string,
  extra: { livestreamId?: string | null; onLive?: boolean; onErrored?: boolean } = {},
): Promise<void> {
  return store.upsertSubscription({
    platform: 'slack',
    channelId,
    livestreamId: extra.livestreamId ?? null,
    onLive: extra.onLive ?? true,
    onErrored: extra.onErrored ?? true,
    mention: null,
    source: 'chat',
  });
}

/** Shared set-up for notification tests: emulator, real client, SQLite store, a manual clock, a recording sink. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { DeliveryWorker } from '../../src/notify/delivery.js';
import { Poller } from '../../src/notify/poller.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
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

export interface Harness {
  emulator: Emulator;
  clock: ManualClock;
  dataDir: string;
  store: NotifyStore;
  sink: RecordingSink;
  budget: RequestBudget;
  poller: Poller;
  delivery: DeliveryWorker;
  /** A new poller, store and sender on the same DATA_DIR: what a restarted process has. */
  restart(): void;
  /** Sends until the outbox is empty, moving the clock past each pacing/backoff wait. */
  drainAll(maxPasses?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createHarness(
  options: { budget?: number; cooldownMs?: number; alertAfterMs?: number; fullSweepEvery?: number } = {},
): Promise<Harness> {
  const clock = new ManualClock();
  const emulator = createEmulator({ seed: 7, now: () => new Date(clock.now()) });
  await emulator.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'notify-test-'));
  const settings = emulator.settings();
  const h = {
    emulator,
    clock,
    dataDir,
    sink: new RecordingSink('slack', clock),
  } as Harness;
  const build = () => {
    h.store = openSqliteStore(dataDir);
    h.budget = new RequestBudget(options.budget ?? 900);
    const client = createRealtimeKitClient({
      ...clientSettingsOf(settings),
      retries: 1,
      retryDelayMs: () => 1,
      timeoutMs: 2_000,
      onRequest: () => h.budget.record(clock.now()),
    });
    h.delivery = new DeliveryWorker({
      store: h.store,
      sinks: new Map([['slack', h.sink]]),
      clock,
      log: silentLogger,
      cooldownMs: options.cooldownMs ?? 120_000,
    });
    h.poller = new Poller({
      client,
      store: h.store,
      clock,
      log: silentLogger,
      budget: h.budget,
      intervalMs: 15_000,
      alertAfterMs: options.alertAfterMs ?? 300_000,
      ...(options.fullSweepEvery ? { fullSweepEvery: options.fullSweepEvery } : {}),
    });
  };
  build();
  h.restart = () => {
    h.store.close();
    build();
  };
  h.drainAll = async (maxPasses = 1_000) => {
    for (let pass = 0; pass < maxPasses && h.store.countPending() > 0; pass++) {
      await h.delivery.drainOnce();
      if (h.store.countPending() > 0) clock.advance(Math.max(1, h.delivery.nextWakeMs()));
    }
    if (h.store.countPending() > 0) throw new Error(`outbox not empty after ${maxPasses} passes`);
  };
  h.close = async () => {
    h.store.close();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return h;
}

export function subscribe(
  store: NotifyStore,
  channelId: string,
  extra: { livestreamId?: string | null; onLive?: boolean; onErrored?: boolean } = {},
) {
  store.upsertSubscription({
    platform: 'slack',
    channelId,
    livestreamId: extra.livestreamId ?? null,
    onLive: extra.onLive ?? true,
    onErrored: extra.onErrored ?? true,
    mention: null,
    source: 'chat',
  });
}

/**
 * Shared set-up for the fault suite: the real poller, sender, SQLite store and RealtimeKit client against
 * the embedded emulator, on a clock the test moves, with hooks to break each part (a store wrapper,
 * client options, sinks) and to look at what happened (log records, sent messages, the SQLite file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Clock, ManualClock } from '../../src/clock.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger, type Logger } from '../../src/log.js';
import { RequestBudget } from '../../src/notify/budget.js';
import { DeliveryWorker } from '../../src/notify/delivery.js';
import { type CycleResult, Poller } from '../../src/notify/poller.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient, type RealtimeKitClientOptions } from '../../src/realtimekit/client.js';
import { type Reply, replyToPlainText } from '../../src/reply.js';
import { type Platform, type PostedMessage, type PostOptions, type Sink, SinkError } from '../../src/sink.js';
import { type FakeHttpServer, startFakeHttpServer } from '../fakes/http-server.js';
import { RecordingSink } from '../notify/harness.js';

export { RecordingSink, transient } from '../notify/harness.js';

/** A ManualClock that also says how long each sleeper asked to sleep, and lets a test wait for the next one. */
export class WatchedClock extends ManualClock {
  readonly sleeps: number[] = [];
  private waiters: (() => void)[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    const slept = super.sleep(ms, signal);
    for (const wake of this.waiters.splice(0)) wake();
    return slept;
  }

  /** Resolves with the duration of sleep number `n` (1-based), once something asked for it. */
  sleepNumber(n: number, timeoutMs = 5_000): Promise<number> {
    return waitFor(
      () => (this.sleeps.length >= n ? this.sleeps[n - 1]! : undefined),
      (wake) => this.waiters.push(wake),
      timeoutMs,
      `sleep #${n}`,
    );
  }
}

/**
 * Resolves with `check()`'s first defined value, re-checked each time `subscribe`'s callback fires;
 * rejects after `timeoutMs` of real time. Never polls.
 */
export function waitFor<T>(
  check: () => T | undefined,
  subscribe: (wake: () => void) => void,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const attempt = () => {
      if (settled) return;
      const value = check();
      if (value === undefined) {
        subscribe(attempt);
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    attempt();
  });
}

export type LogRecord = Record<string, unknown> & { level: string; msg: string };

export interface LogRecorder {
  log: Logger;
  records: LogRecord[];
  /** Records whose message contains `text`. */
  matching(text: string): LogRecord[];
}

export function recordingLogger(): LogRecorder {
  const records: LogRecord[] = [];
  const log = createLogger({ level: 'debug', write: (line) => records.push(JSON.parse(line) as LogRecord) });
  return { log, records, matching: (text) => records.filter((r) => r.msg.includes(text)) };
}

export const SQLITE_FILE = 'livestream-chatops.sqlite';

/** `PRAGMA integrity_check` of the state file, through a connection of its own: "ok" when intact. */
export function integrityCheck(dataDir: string): string {
  const db = new Database(join(dataDir, SQLITE_FILE), { fileMustExist: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

/** Rows of the state file, read through a connection of its own. */
export function queryState<T>(dataDir: string, sql: string): T[] {
  const db = new Database(join(dataDir, SQLITE_FILE), { fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export function subscribe(store: NotifyStore, platform: Platform, channelId: string): Promise<void> {
  return store.upsertSubscription({
    platform,
    channelId,
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: null,
    source: 'chat',
  });
}

/** What a person reads in a reply, as one string. */
export const textOf = (reply: Reply): string => replyToPlainText(reply);

export const PERSON: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U1', canManage: true };

export interface RigOptions {
  alertAfterMs?: number;
  cooldownMs?: number;
  intervalMs?: number;
  /** The poller's full-sweep period (1: every cycle lists every livestream); default the poller's own. */
  /** Poller client settings (the rig's default: 1 retry, 1 ms between, a 2 s timeout). */
  client?: Partial<RealtimeKitClientOptions>;
  /** Command client settings (the rig's default: no retries, a 2 s timeout). */
  commandClient?: Partial<RealtimeKitClientOptions>;
  /** Point the poller and commands at this CLOUDFLARE_API_BASE_URL instead of the emulator's. */
  baseUrl?: string;
  /** Sinks instead of one RecordingSink for Slack. */
  sinks?: (clock: WatchedClock) => Sink[];
  /** Wraps the store the poller and sender use (faults); the rig keeps the real one as `rawStore`. */
  wrapStore?: (store: NotifyStore) => NotifyStore;
}

export interface Rig {
  emulator: Emulator;
  /** The port the emulator listens on (it can be stopped and started again there). */
  port: number;
  clock: WatchedClock;
  dataDir: string;
  store: NotifyStore;
  rawStore: NotifyStore;
  /** The default RecordingSink (Slack), when `sinks` was not given. */
  sink: RecordingSink;
  sinks: Sink[];
  poller: Poller;
  delivery: DeliveryWorker;
  logs: LogRecorder;
  /** The bot's command path: the real core over a client with no retries. */
  core: Core;
  command(text: string): Promise<string>;
  /**
   * What a restarted process has: a new store, poller and sender on the same DATA_DIR. `crash`: the old
   * store is left open, as a killed process leaves its file (closed only at the end).
   */
  restart(options?: { crash?: boolean }): Promise<void>;
  /** Runs cycles until one succeeds, moving the clock by the interval between them; at most `max`. */
  cycleUntilOk(max?: number): Promise<CycleResult[]>;
  /** Sends until the outbox is empty, moving the clock past each pacing/backoff wait; bounded. */
  drainAll(maxPasses?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new WatchedClock();
  const emulator = createEmulator({ seed: 11, now: () => new Date(clock.now()) });
  await emulator.start();
  const port = Number(new URL(emulator.url).port);
  const settings = emulator.settings();
  const api = {
    ...clientSettingsOf(settings),
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-'));
  const logs = recordingLogger();
  const sinks = options.sinks?.(clock) ?? [new RecordingSink('slack', clock)];
  const abandoned: NotifyStore[] = [];
  const commandClient = createRealtimeKitClient({
    ...api,
    retries: 0,
    timeoutMs: 2_000,
    ...options.commandClient,
  });
  const rig = { emulator, port, clock, dataDir, logs, sinks, sink: sinks[0] } as Rig;

  const build = () => {
    rig.rawStore = openSqliteStore(dataDir);
    rig.store = options.wrapStore ? options.wrapStore(rig.rawStore) : rig.rawStore;
    const budget = new RequestBudget(900);
    const client = createRealtimeKitClient({
      ...api,
      retries: 1,
      retryDelayMs: () => 1,
      timeoutMs: 2_000,
      ...options.client,
      onRequest: () => budget.record(clock.now()),
    });
    rig.delivery = new DeliveryWorker({
      store: rig.store,
      sinks: new Map(sinks.map((s) => [s.platform, s])),
      clock,
      log: logs.log.child({ part: 'delivery' }),
      cooldownMs: options.cooldownMs ?? 120_000,
    });
    rig.poller = new Poller({
      client,
      store: rig.store,
      clock,
      log: logs.log.child({ part: 'poller' }),
      budget,
      intervalMs: options.intervalMs ?? 15_000,
      alertAfterMs: options.alertAfterMs ?? 300_000,
    });
    rig.core = createCore({ client: commandClient, log: logs.log, store: rig.rawStore });
  };
  build();

  rig.command = async (text) => textOf(await rig.core.replyToText(text, PERSON));
  rig.restart = async ({ crash = false } = {}) => {
    await rig.poller.stop();
    await rig.delivery.stop();
    if (crash) abandoned.push(rig.rawStore);
    else await rig.rawStore.close();
    build();
  };
  rig.cycleUntilOk = async (max = 5) => {
    const results: CycleResult[] = [];
    for (let i = 0; i < max; i++) {
      const result = await rig.poller.runCycle();
      results.push(result);
      if (result.ok) return results;
      clock.advance(options.intervalMs ?? 15_000);
    }
    throw new Error(`no successful cycle in ${max}: ${JSON.stringify(results)}`);
  };
  rig.drainAll = async (maxPasses = 200) => {
    for (let pass = 0; pass < maxPasses && (await rig.rawStore.countPending()) > 0; pass++) {
      await rig.delivery.drainOnce();
      if ((await rig.rawStore.countPending()) > 0)
        clock.advance(Math.max(1, await rig.delivery.nextWakeMs()));
    }
    if ((await rig.rawStore.countPending()) > 0)
      throw new Error(`outbox not empty after ${maxPasses} passes`);
  };
  rig.close = async () => {
    await rig.poller.stop();
    await rig.delivery.stop();
    await rig.rawStore.close();
    for (const store of abandoned) await store.close();
    await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return rig;
}

/** "post C1 Show is live", one line per message a sink accepted. */
export function sentLines(sink: RecordingSink): string[] {
  return sink.sent.map((m) => `${m.op} ${m.channelId} ${m.reply.title}`);
}

export interface WireStream {
  id: string;
  name: string;
  status: string;
}

/**
 * A bare RealtimeKit list endpoint on the scripted HTTP fake, for faults the emulator cannot make
 * (a body cut off or stalled after the headers): `server.enqueue(...)` answers the next request instead.
 * Lists honour `status`; session lookups are 404s.
 */
export async function startWireApi(
  streams: WireStream[],
): Promise<{ server: FakeHttpServer; baseUrl: string }> {
  const server = await startFakeHttpServer();
  server.route('GET', /\/livestreams$/, (request) => {
    const status = request.query.get('status');
    const data = streams.filter((s) => status === null || s.status === status);
    return {
      body: {
        success: true,
        data,
        paging: { total_count: data.length, start_offset: 1, end_offset: data.length },
      },
    };
  });
  server.route('GET', /active-livestream-session$|\/sessions\//, {
    status: 404,
    body: { success: false, error: { code: 404, message: 'not found' } },
  });
  return { server, baseUrl: `${server.url}/client/v4` };
}

export interface SinkCall {
  op: 'post' | 'edit';
  channelId: string;
  messageId: string;
  reply: Reply;
  /** By the test's clock. */
  at: number;
}

/** Wraps a real platform sink: what it accepted and what it refused (with the SinkError kind), timed. */
export class TimedSink implements Sink {
  readonly platform: Platform;
  readonly pacingMs: number;
  readonly accepted: SinkCall[] = [];
  readonly refused: { op: 'post' | 'edit'; channelId: string; kind: string; at: number }[] = [];

  constructor(
    private readonly inner: Sink,
    private readonly clock: Clock,
  ) {
    this.platform = inner.platform;
    this.pacingMs = inner.pacingMs;
  }

  async post(channelId: string, reply: Reply, options?: PostOptions): Promise<PostedMessage> {
    const posted = await this.track('post', channelId, () => this.inner.post(channelId, reply, options));
    this.accepted.push({ op: 'post', channelId, messageId: posted.messageId, reply, at: this.clock.now() });
    return posted;
  }

  async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    await this.track('edit', channelId, () => this.inner.edit(channelId, messageId, reply));
    this.accepted.push({ op: 'edit', channelId, messageId, reply, at: this.clock.now() });
  }

  private async track<T>(op: 'post' | 'edit', channelId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const kind = error instanceof SinkError ? error.kind : 'not a SinkError';
      this.refused.push({ op, channelId, kind, at: this.clock.now() });
      throw error;
    }
  }
}

/** The stream names a channel was told about, in the order it read them: digest items one by one. */
export function toldStreams(calls: { reply: Reply }[]): string[] {
  return calls.flatMap(
    ({ reply }) =>
      reply.list?.items.map((item) => item.title) ?? [reply.title.replace(/ (is live|errored|ended)$/, '')],
  );
}

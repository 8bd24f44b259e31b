/**
 * Part 3: the poller at scale. An app of 10,000 / 100,000 / 1,000,000 livestreams of which 200 are LIVE,
 * then 200 / 2,000 / 10,000 LIVE among 100,000: requests in every 5-minute window against the budget,
 * requests and CPU per cycle, the time from a stream going LIVE in the emulator to the message reaching
 * the platform, RSS of the bot's process, and the interval the poller stretched to when one read of the
 * LIVE list no longer fits the budget at the configured interval.
 *
 * Time runs TIME_SCALE times faster for the poller than on the wall: it is given a clock whose monotonic
 * time and sleeps are scaled, and so is its request budget (which reads that clock). It polls at the
 * default 15 s and counts 900 requests per 5 minutes as in production, but a "5-minute" window passes in
 * 20 s of real time, so a run of RUN_MS covers more than one whole window (the first included: the
 * baseline). Latencies are real milliseconds, against the real interval (15 s / TIME_SCALE) + 1 s.
 *
 * Run from a bundle (see run.ts), as `npm start` runs the bot; the emulator runs in another process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../src/clock.js';
import { DEFAULT_POLL_INTERVAL_SECONDS } from '../src/config.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { createLogger, silentLogger } from '../src/log.js';
import { BUDGET_WINDOW_MS, RequestBudget } from '../src/notify/budget.js';
import { DeliveryWorker } from '../src/notify/delivery.js';
import { type CycleResult, Poller } from '../src/notify/poller.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { SETTINGS } from '../src/settings.js';
import type { Sink } from '../src/sink.js';
import { NPM_START_FLAGS, startChild } from './child.js';
import { maxInWindow, median, percentile, round, sleep } from './stats.js';

export interface PollerScenario {
  livestreams: number;
  live: number;
}

export interface PollerRow extends PollerScenario {
  /** The emulator's (another process): time to seed the app, and its RSS after. */
  emulatorSeedMs: number;
  emulatorRssMb: number;
  /** Cycles in the run, the baseline included. */
  cycles: number;
  /** Requests of the baseline (the first cycle) and the median of the others. */
  baselineRequests: number;
  requestsPerCycle: number;
  /** Requests in the last 5 minutes (poller time) of the run: the steady rate. */
  requestsLast5Min: number;
  /** The most requests in any 5-minute window (poller time) of the run, the baseline's included. */
  maxIn5MinWindow: number;
  budget: number;
  /** The configured interval and, if the poller stretched it, to what (poller time, seconds). */
  intervalS: number;
  stretchedToS: number | null;
  /**
   * The requests per cycle the stretch was computed for (the poller's log), and what the budget
   * requires for them: one window's length times requests per cycle over the budget.
   */
  stretchedForRequests: number | null;
  requiredS: number | null;
  /** CPU of the bot's process during each cycle (median and max, ms): HTTP, parsing, diff, SQLite. */
  cpuPerCycleMs: number;
  cpuPerCycleMaxMs: number;
  /** Stream set LIVE in the emulator -> message at the platform (real ms), over `probes` changes. */
  latencyP50Ms: number;
  latencyMaxMs: number;
  /** One interval (the stretched one where stretched; real ms) + 1 s. */
  latencyGoalMs: number;
  probes: number;
  /** Probes whose message had not arrived when the run ended. */
  missed: number;
  /** RSS of the bot's process sampled every 250 ms from the poller's start (median, max), and heap after GC. */
  rssMedianMb: number;
  rssMaxMb: number;
  heapAfterGcMb: number;
}

/** The poller's clock runs this many times faster than the wall's (see the file's comment). */
export const TIME_SCALE = 15;
/** Real time per scenario: 22 s are 5.5 minutes of poller time, a little over one budget window. */
const RUN_MS = Number(process.env.BENCH_POLLER_SECONDS ?? 22) * 1000;
const INTERVAL_MS = DEFAULT_POLL_INTERVAL_SECONDS * 1000;
const BUDGET = SETTINGS.API_REQUEST_BUDGET.default;
const STRETCHED = 'poll interval stretched to stay within API_REQUEST_BUDGET';
/** The bot's process, polling, stays under this. */
export const RSS_GOAL_MB = 100;

/** The sizes with 200 LIVE, then the LIVE counts at 100,000 (a scenario already listed runs once). */
export function pollerScenarios(sizes: readonly number[], liveCounts: readonly number[]): PollerScenario[] {
  const all = [
    ...sizes.map((livestreams) => ({ livestreams, live: 200 })),
    ...liveCounts.map((live) => ({ livestreams: 100_000, live })),
  ];
  return all.filter(
    (s, i) => all.findIndex((o) => o.livestreams === s.livestreams && o.live === s.live) === i,
  );
}

export interface SinkFactory {
  sink: Sink;
  channelId: string;
  /** Resolves with the epoch ms at which the platform received the next post. */
  nextPostAt(): Promise<number>;
}

/** Monotonic time and sleeps `scale` times faster than real; the wall clock (event times) as it is. */
function scaledClock(scale: number): Clock {
  const origin = performance.now();
  return {
    now: () => Date.now(),
    monotonic: () => origin + (performance.now() - origin) * scale,
    sleep: (ms, signal) => systemClock.sleep(ms / scale, signal),
  };
}

export async function benchPollerScenario(
  scenario: PollerScenario,
  makeSink: () => Promise<SinkFactory & { close(): Promise<void> }>,
  /** bench/poller-emulator-child.ts (passed in: a bundle does not sit beside it). */
  emulatorScript: string,
): Promise<PollerRow> {
  const emulator = await startChild(emulatorScript);
  const seeded = await emulator.ask<{ settings: EmulatorSettings; seedMs: number; rssMb: number }>({
    seed: scenario.livestreams,
    live: scenario.live,
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-poller-'));
  const store = openSqliteStore(dir);
  const platform = await makeSink();
  await store.upsertSubscription({
    platform: platform.sink.platform,
    channelId: platform.channelId,
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: null,
    source: 'chat',
  });

  const clock = scaledClock(TIME_SCALE);
  const budget = new RequestBudget(BUDGET);
  /** Every request's time on the poller's clock, for the window counts. */
  const sent: number[] = [];
  const client = createRealtimeKitClient({
    ...clientSettingsOf(seeded.settings),
    onRequest: () => {
      const at = clock.monotonic();
      budget.record(at);
      sent.push(at);
    },
  });
  const warnings: { msg: string; [field: string]: unknown }[] = [];
  const log = createLogger({
    level: 'warn',
    write: (line) => warnings.push(JSON.parse(line) as { msg: string }),
  });
  const delivery = new DeliveryWorker({
    store,
    sinks: new Map([[platform.sink.platform, platform.sink]]),
    clock: systemClock,
    log: silentLogger,
    cooldownMs: 0,
  });
  const poller = new Poller({
    client,
    store,
    clock,
    log,
    budget,
    intervalMs: INTERVAL_MS,
    alertAfterMs: 3_600_000,
    onEnqueued: () => delivery.wake(),
  });
  // Each cycle's CPU and requests: the loop calls runCycle through `this`, so wrapping it sees them all.
  const cycles: { result: CycleResult; cpuMs: number }[] = [];
  let baselineDone: () => void = () => {};
  const baseline = new Promise<void>((resolve) => (baselineDone = resolve));
  const runCycle = poller.runCycle.bind(poller);
  poller.runCycle = async () => {
    const cpu0 = process.cpuUsage();
    const result = await runCycle();
    const cpu = process.cpuUsage(cpu0);
    cycles.push({ result, cpuMs: (cpu.user + cpu.system) / 1000 });
    if (result.ok) baselineDone();
    return result;
  };

  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const started = performance.now();
  const remaining = () => RUN_MS - (performance.now() - started);
  delivery.start();
  poller.start();
  // Probes: a stream goes LIVE at a random moment of the interval; the time until its message arrives.
  // Not before the baseline is recorded: what is LIVE when it reads is the starting point, not news.
  const latencies: number[] = [];
  let probes = 0;
  const realInterval = () => currentIntervalMs(warnings) / TIME_SCALE;
  await Promise.race([baseline, sleep(RUN_MS)]);
  while (remaining() > realInterval() + 1000) {
    await sleep(Math.random() * realInterval());
    const received = platform.nextPostAt();
    const { at } = await emulator.ask<{ at: number }>({ probe: true });
    probes++;
    const arrived = await Promise.race([received, sleep(Math.max(0, remaining())).then(() => null)]);
    if (arrived === null) break;
    latencies.push(arrived - at);
  }
  await sleep(Math.max(0, remaining()));
  clearInterval(sampler);
  await poller.stop();
  await delivery.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await platform.close();
  await emulator.stop();
  (globalThis as { gc?: () => void }).gc?.();

  const stretched = warnings.filter((w) => w.msg === STRETCHED).at(-1);
  const requestsPerCycle = median(cycles.slice(1).map((c) => c.result.requests));
  const simulatedEnd = clock.monotonic();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    ...scenario,
    emulatorSeedMs: round(seeded.seedMs),
    emulatorRssMb: round(seeded.rssMb),
    cycles: cycles.length,
    baselineRequests: cycles[0]?.result.requests ?? 0,
    requestsPerCycle,
    requestsLast5Min: sent.filter((at) => at > simulatedEnd - BUDGET_WINDOW_MS).length,
    maxIn5MinWindow: maxInWindow(sent, BUDGET_WINDOW_MS),
    budget: BUDGET,
    intervalS: INTERVAL_MS / 1000,
    stretchedToS: stretched ? round(Number(stretched.stretchedMs) / 1000, 2) : null,
    stretchedForRequests: stretched ? Number(stretched.requestsPerCycle) : null,
    requiredS: stretched
      ? round(Math.ceil((BUDGET_WINDOW_MS * Number(stretched.requestsPerCycle)) / BUDGET) / 1000, 2)
      : null,
    cpuPerCycleMs: round(median(cycles.map((c) => c.cpuMs))),
    cpuPerCycleMaxMs: round(Math.max(...cycles.map((c) => c.cpuMs))),
    latencyP50Ms: round(percentile(sorted, 50)),
    latencyMaxMs: round(sorted.at(-1) ?? Number.NaN),
    latencyGoalMs: round(currentIntervalMs(warnings) / TIME_SCALE + 1000),
    probes,
    missed: probes - latencies.length,
    rssMedianMb: round(median(rss) / 1048576),
    rssMaxMb: round(Math.max(...rss) / 1048576),
    heapAfterGcMb: round(process.memoryUsage().heapUsed / 1048576),
  };
}

/** The goals this row misses (empty: all met): the budget, latency and RSS. */
export function missedGoals(row: PollerRow): string[] {
  const missed: string[] = [];
  if (row.maxIn5MinWindow > row.budget) missed.push(`over the budget (${row.maxIn5MinWindow})`);
  if (!(row.latencyP50Ms <= row.latencyGoalMs)) missed.push('latency p50 over the goal');
  if (row.missed > 0) missed.push(`${row.missed} change(s) not posted`);
  if (row.rssMaxMb >= RSS_GOAL_MB) missed.push(`RSS ${row.rssMaxMb} MB`);
  return missed;
}

/** The poller's interval as of its last word on it (poller time): configured, or stretched. */
function currentIntervalMs(warnings: readonly { msg: string; [field: string]: unknown }[]): number {
  const stretched = warnings.filter((w) => w.msg === STRETCHED).at(-1);
  return stretched ? Number(stretched.stretchedMs) : INTERVAL_MS;
}

/**
 * What the platform libraries add to a bot's RSS: a fresh process (npm start's flags, no loader) imports
 * what the poller uses, then Bolt, then discord.js, and reports its RSS after a GC at each step. The
 * poller rows above load neither; a bot serving Slack and Discord carries both.
 */
export function platformLibraryRss(): Promise<Record<string, number>> {
  const script = `
    const rss = () => { globalThis.gc(); return Math.round(process.memoryUsage().rss / 1048576); };
    const figures = { node: rss() };
    await import('ky'); await import('better-sqlite3'); figures.pollerLibraries = rss();
    await import('@slack/bolt'); figures.withBolt = rss();
    await import('discord.js'); figures.withBoltAndDiscordJs = rss();
    process.stdout.write(JSON.stringify(figures));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...NPM_START_FLAGS, '--expose-gc', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '..') },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as Record<string, number>)),
    );
  });
}

/**
 * Part 3: the poller at 1,000 / 10,000 / 50,000 livestreams. Requests per cycle against the minimum,
 * CPU of a full sweep beside the floor (the same pages fetched and JSON-parsed by a bare `fetch`), CPU of
 * a light cycle, RSS, and the time from a status change in the emulator to the message reaching the
 * platform. Run from a bundle (see run.ts), as `npm start` runs the bot.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.js';
import { DEFAULT_POLL_INTERVAL_SECONDS } from '../src/config.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { silentLogger } from '../src/log.js';
import { RequestBudget } from '../src/notify/budget.js';
import { DeliveryWorker } from '../src/notify/delivery.js';
import { Poller, type PollerOptions } from '../src/notify/poller.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { MAX_PER_PAGE } from '../src/realtimekit/types.js';
import type { Sink } from '../src/sink.js';
import { NPM_START_FLAGS, startChild } from './child.js';
import { median } from './stats.js';

export interface PollerRow {
  livestreams: number;
  /** A full sweep: every livestream, every page. */
  fullRequests: number;
  minimumRequests: number;
  /** The first cycle of a fresh process (the baseline, a full sweep): before the JIT has warmed up. */
  coldFullCpuMs: number;
  /** Medians over `SAMPLES` cycles, after `WARMUP_REQUESTS` of warm-up: the steady state of a running bot. */
  fullWallMs: number;
  fullCpuMs: number;
  /** The same pages through a bare `fetch` + `JSON.parse`: what any client pays. */
  floorCpuMs: number;
  /** Median over the pairs of (full sweep - floor sweep): the poller's own CPU (ky, parsing, diff, SQLite). */
  ownCpuMs: number;
  /** A light cycle: the LIVE and ERRORED lists only (19 of every 20 cycles). */
  lightRequests: number;
  lightWallMs: number;
  lightCpuMs: number;
  /** After the back-to-back full sweeps above and a forced GC: the high-water mark. */
  rssAfterSweepsMb: number;
  /** Median and maximum from a fresh process's start, polling at the default interval (see RUNNING_MS). */
  rssRunningMb: number;
  rssRunningMaxMb: number;
  heapAfterGcMb: number;
  notifyLatencyMs: number;
  intervalMs: number;
}

/** Cycles per median: single cycles on a shared machine vary by up to 2x. */
export const SAMPLES = 9;
/**
 * Requests' worth of full and floor sweeps run before any is measured. A fresh process's sweeps cost about
 * twice the steady state's for their first ~1,200 requests (V8 compiles the hot paths of ky, undici and
 * the parser in tiers); the bot does that once per start, and then polls for hours.
 */
const WARMUP_REQUESTS = 1_500;
/**
 * How long RSS is sampled from a fresh process's start at the default 15 s interval: the baseline (a full
 * sweep) at 0 s, light cycles at 0, 15 and 30 s. V8's memory reducer shrinks the heap about 10 s after
 * the sweep.
 */
const RUNNING_MS = 30_000;

export interface SinkFactory {
  sink: Sink;
  channelId: string;
  /** Resolves with the epoch ms at which the platform received the next post. */
  nextPostAt(): Promise<number>;
}

export async function benchPoller(
  sizes: number[],
  makeSink: () => Promise<SinkFactory & { close(): Promise<void> }>,
  /** bench/emulator-child.ts (passed in: a bundle does not sit beside it). */
  emulatorScript: string,
): Promise<PollerRow[]> {
  const rows: PollerRow[] = [];
  for (const size of sizes) {
    const emulator = await startChild(emulatorScript);
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({ seed: size });
    const dir = mkdtempSync(join(tmpdir(), 'bench-poller-'));
    const store = openSqliteStore(dir);
    const platform = await makeSink();
    store.upsertSubscription({
      platform: platform.sink.platform,
      channelId: platform.channelId,
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
    const budget = new RequestBudget(1_000_000);
    const client = createRealtimeKitClient({
      ...clientSettingsOf(settings),
      onRequest: () => budget.record(Date.now()),
    });
    const intervalMs = 1_000;
    const delivery = new DeliveryWorker({
      store,
      sinks: new Map([[platform.sink.platform, platform.sink]]),
      clock: systemClock,
      log: silentLogger,
      cooldownMs: 0,
    });
    const pollerWith = (options: Partial<PollerOptions>) =>
      new Poller({
        client,
        store,
        clock: systemClock,
        log: silentLogger,
        budget,
        intervalMs,
        alertAfterMs: 3_600_000,
        onEnqueued: () => delivery.wake(),
        ...options,
      });
    const poller = pollerWith({});

    const sample = async (run: () => Promise<number>) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const requests = await run();
      const cpu = process.cpuUsage(cpu0);
      return { requests, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const cycleOf = (which: Poller) => async () => {
      const result = await which.runCycle();
      if (!result.ok) throw new Error(`bench cycle failed: ${result.error}`);
      return result.requests;
    };
    // A bot's start: the first cycle of a fresh process (the baseline, a full sweep, before the JIT has
    // warmed up), then polling at the default interval, RSS sampled every 500 ms for RUNNING_MS. No
    // forced GC: between two polls V8's memory reducer gives back what the sweep grew, as in the bot.
    const steady = pollerWith({ intervalMs: DEFAULT_POLL_INTERVAL_SECONDS * 1000 });
    const running: number[] = [];
    const cold = await sample(cycleOf(steady));
    running.push(process.memoryUsage().rss);
    steady.start();
    for (let t = 0; t < RUNNING_MS; t += 500) {
      await new Promise((r) => setTimeout(r, 500));
      running.push(process.memoryUsage().rss);
    }
    await steady.stop();

    // A poller that sweeps everything every cycle, on the same store (so not a baseline).
    const sweeper = pollerWith({ fullSweepEvery: 1 });
    const minimumRequests = Math.ceil(size / MAX_PER_PAGE);
    for (let i = 0; i < Math.ceil(WARMUP_REQUESTS / minimumRequests); i++) {
      await cycleOf(sweeper)();
      await bareSweep(settings, minimumRequests);
    }
    // Full sweeps and floor sweeps take turns, so each pair sees the same load from other processes;
    // our own CPU is the median of the pairs' differences.
    const fulls: Awaited<ReturnType<typeof sample>>[] = [];
    const floors: Awaited<ReturnType<typeof sample>>[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      fulls.push(await sample(cycleOf(sweeper)));
      floors.push(await sample(() => bareSweep(settings, minimumRequests)));
    }
    // A poller's first cycle is a full sweep; the next 19 are light ones: the steady state.
    await poller.runCycle();
    const lights: Awaited<ReturnType<typeof sample>>[] = [];
    for (let i = 0; i < SAMPLES; i++) lights.push(await sample(cycleOf(poller)));
    // RSS is the whole process after back-to-back full (and floor) sweeps and light cycles: a high-water
    // mark the bot, sweeping everything once per 20 cycles, does not reach. The heap after a GC is what
    // the poller itself keeps.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    const med = (samples: { cpuMs: number; wallMs: number; requests: number }[]) => ({
      requests: samples.at(-1)?.requests ?? 0,
      wallMs: median(samples.map((s) => s.wallMs)),
      cpuMs: median(samples.map((s) => s.cpuMs)),
    });
    const full = med(fulls);
    const floor = med(floors);
    const light = med(lights);
    const ownCpuMs = median(fulls.map((f, i) => f.cpuMs - floors[i]!.cpuMs));

    // Latency: the loops run on the real clock; a stream goes LIVE at a random point of the interval.
    delivery.start();
    poller.start();
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, Math.random() * intervalMs));
      const received = platform.nextPostAt();
      const { at } = await emulator.ask<{ at: number }>({ live: 1 });
      latencies.push((await received) - at);
    }
    await poller.stop();
    await delivery.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    await platform.close();
    await emulator.stop();
    rows.push({
      livestreams: size,
      fullRequests: full.requests,
      minimumRequests,
      coldFullCpuMs: round(cold.cpuMs),
      fullWallMs: round(full.wallMs),
      fullCpuMs: round(full.cpuMs),
      floorCpuMs: round(floor.cpuMs),
      ownCpuMs: round(ownCpuMs),
      lightRequests: light.requests,
      lightWallMs: round(light.wallMs),
      lightCpuMs: round(light.cpuMs),
      rssAfterSweepsMb: round(rss / 1024 / 1024),
      rssRunningMb: round(median(running) / 1024 / 1024),
      rssRunningMaxMb: round(Math.max(...running) / 1024 / 1024),
      heapAfterGcMb: round(heapUsed / 1024 / 1024),
      notifyLatencyMs: round(Math.max(...latencies)),
      intervalMs,
    });
  }
  return rows;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The pages of a full sweep through a bare `fetch` and `JSON.parse`, one after another like the poller. */
async function bareSweep(settings: EmulatorSettings, pages: number): Promise<number> {
  const base =
    `${settings.CLOUDFLARE_API_BASE_URL}/accounts/${settings.CLOUDFLARE_ACCOUNT_ID}` +
    `/realtime/kit/${settings.REALTIMEKIT_APP_ID}/livestreams`;
  const headers = { authorization: `Bearer ${settings.CLOUDFLARE_API_TOKEN}` };
  for (let pageNo = 1; pageNo <= pages; pageNo++) {
    const response = await fetch(`${base}?per_page=${MAX_PER_PAGE}&page_no=${pageNo}`, { headers });
    JSON.parse(await response.text());
  }
  return pages;
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

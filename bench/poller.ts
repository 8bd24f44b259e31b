/**
 * Part 3: the poller at 1,000 / 10,000 / 50,000 livestreams. Requests per cycle against the minimum,
 * wall and CPU time of a steady-state cycle, RSS, and the time from a status change in the emulator to
 * the message reaching the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/clock.js';
import type { EmulatorSettings } from '../src/emulator/emulator.js';
import { silentLogger } from '../src/log.js';
import { RequestBudget } from '../src/notify/budget.js';
import { DeliveryWorker } from '../src/notify/delivery.js';
import { Poller } from '../src/notify/poller.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { MAX_PER_PAGE } from '../src/realtimekit/types.js';
import type { Sink } from '../src/sink.js';
import { startChild } from './child.js';

export interface PollerRow {
  livestreams: number;
  /** A full sweep: every livestream, every page. */
  fullRequests: number;
  minimumRequests: number;
  fullWallMs: number;
  fullCpuMs: number;
  /** A light cycle: the LIVE and ERRORED lists only (19 of every 20 cycles). */
  lightRequests: number;
  lightWallMs: number;
  lightCpuMs: number;
  rssMb: number;
  heapAfterGcMb: number;
  notifyLatencyMs: number;
  intervalMs: number;
}

export interface SinkFactory {
  sink: Sink;
  channelId: string;
  /** Resolves with the epoch ms at which the platform received the next post. */
  nextPostAt(): Promise<number>;
}

export async function benchPoller(
  sizes: number[],
  makeSink: () => Promise<SinkFactory & { close(): Promise<void> }>,
): Promise<PollerRow[]> {
  const rows: PollerRow[] = [];
  for (const size of sizes) {
    const emulator = await startChild(join(import.meta.dirname, 'emulator-child.ts'));
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
      baseUrl: settings.CLOUDFLARE_API_BASE_URL,
      apiToken: settings.CLOUDFLARE_API_TOKEN,
      accountId: settings.CLOUDFLARE_ACCOUNT_ID,
      appId: settings.REALTIMEKIT_APP_ID,
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
    const poller = new Poller({
      client,
      store,
      clock: systemClock,
      log: silentLogger,
      budget,
      intervalMs,
      alertAfterMs: 3_600_000,
      onEnqueued: () => delivery.wake(),
    });

    await poller.runCycle(); // baseline (a full sweep), which also warms up the client
    const measure = async (which: Poller) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await which.runCycle();
      const cpu = process.cpuUsage(cpu0);
      if (!result.ok) throw new Error(`bench cycle failed: ${result.error}`);
      return {
        requests: result.requests,
        wallMs: performance.now() - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    };
    const light = await measure(poller);
    // A new poller on the same store starts with a full sweep, as after a restart.
    const full = await measure(
      new Poller({
        client,
        store,
        clock: systemClock,
        log: silentLogger,
        budget,
        intervalMs,
        alertAfterMs: 3_600_000,
      }),
    );
    // RSS is the whole process (Node + tsx's loader, about 80 MB before any work); the heap after a GC
    // is what the poller itself keeps.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const { rss, heapUsed } = process.memoryUsage();

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
      minimumRequests: Math.ceil(size / MAX_PER_PAGE),
      fullWallMs: round(full.wallMs),
      fullCpuMs: round(full.cpuMs),
      lightRequests: light.requests,
      lightWallMs: round(light.wallMs),
      lightCpuMs: round(light.cpuMs),
      rssMb: round(rss / 1024 / 1024),
      heapAfterGcMb: round(heapUsed / 1024 / 1024),
      notifyLatencyMs: round(Math.max(...latencies)),
      intervalMs,
    });
  }
  return rows;
}

const round = (n: number) => Math.round(n * 10) / 10;

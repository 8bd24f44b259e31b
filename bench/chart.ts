/**
 * The stats chart's cost, in a fresh child process run as `npm start` runs the bot (bundled, its Node
 * flags): the first chart (it loads resvg and the fonts), then charts of 30 and 90 days, then `stats`
 * end to end through the core (both analytics calls to the emulator, the chart, the reply). And the
 * RSS: resvg-js 2.6 does not tell V8 about the native memory a render holds until its wrapper is
 * collected, so it is measured after charts back to back with nothing else to do (the worst case),
 * after a GC, and after `stats` commands (a command's own work lets minor GCs collect as it goes).
 *
 * Run alone: BENCH_PARTS=chart npm run bench
 */
import { ManualClock } from '../src/clock.js';
import { createCore } from '../src/core.js';
import { DEMO_HISTORY_DAYS } from '../src/emulator/analytics.js';
import { clientSettingsOf, createEmulator } from '../src/emulator/emulator.js';
import { silentLogger } from '../src/log.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { type ChartInput, renderChart } from '../src/stats/chart.js';
import { startChild } from './child.js';
import { summarize } from './stats.js';

export interface ChartBench {
  rows: Record<string, string | number>[];
  memory: Record<string, number>;
}

const NOW = Date.parse('2026-11-30T12:00:00Z');

function input(days: number): ChartInput {
  return {
    title: `Livestreams, the last ${days} days: 1,034.5 viewer hours, 96.2 ingest hours`,
    subtitle: '1 Nov – 30 Nov 2026, by UTC day · 14 livestreams, 83 sessions',
    days: Array.from({ length: days }, (_, i) => ({
      date: new Date(NOW - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
      viewerHours: 20 + 40 * Math.abs(Math.sin(i * 1.3)),
      ingestHours: 2 + 4 * Math.abs(Math.cos(i)),
    })),
  };
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1_048_576);

async function timed(n: number, run: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times;
}

function row(what: string, times: number[]): Record<string, string | number> {
  const s = summarize(times);
  return { what, n: times.length, 'p50 ms': s.p50, 'p95 ms': s.p95, 'max ms': s.max };
}

/** In the child: every measurement, in order. */
export async function measureChart(renders: number): Promise<ChartBench> {
  const memory: Record<string, number> = { 'RSS at start': rssMb() };
  const first = await timed(1, () => renderChart(input(30)));
  memory['RSS after the first chart'] = rssMb();
  const thirty = await timed(renders, () => renderChart(input(30)));
  const ninety = await timed(renders, () => renderChart(input(90)));
  memory[`RSS after ${renders * 2} charts back to back`] = rssMb();
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setImmediate(resolve));
  memory['RSS after a GC'] = rssMb();

  const clock = new ManualClock(NOW);
  // The demo's history: sixty days of sessions of four livestreams.
  const emulator = createEmulator({
    seed: 1,
    now: () => new Date(clock.now()),
    historyDays: DEMO_HISTORY_DAYS,
  });
  await emulator.start();
  const core = createCore({
    client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
    log: silentLogger,
    clock,
  });
  const context = { platform: 'console' as const, channelId: null, userId: 'bench' };
  const commands = await timed(renders, () => core.replyToText('stats 30', context));
  memory[`RSS after ${renders} stats commands`] = rssMb();
  await emulator.stop();
  return {
    rows: [
      row('first chart (loads resvg and the font)', first),
      row('chart of 30 days, 1200x600', thirty),
      row('chart of 90 days', ninety),
      row('stats 30 through the core: 2 API calls to the emulator + chart', commands),
    ],
    memory,
  };
}

/** From run.ts: the measurements in a fresh child (bundled `chart-child.js`). */
export async function benchChart(options: { renders: number; childScript: string }): Promise<ChartBench> {
  const child = await startChild(options.childScript);
  try {
    return await child.ask<ChartBench>({ renders: options.renders });
  } finally {
    await child.stop();
  }
}

/** Small numeric helpers shared by the benches: percentiles, medians, rate windows, rounding. */
import { pathToFileURL } from 'node:url';
import type { Core } from '../src/core.js';
import type { Child } from './child.js';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile (p in 0..100) of already sorted values; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The round whose `key` is the median (lower median for an even count): a whole, real round. */
export function medianRound<T>(rounds: readonly T[], key: (round: T) => number): T {
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Our adapter, or the bare framework it is compared with. */
export type Target = 'adapter' | 'bare';

/**
 * Runs `rounds` measured rounds of every target, after one warm-up round (JIT, connections) that is not
 * counted. The order rotates, so none always runs first; a short pause separates the runs.
 */
export async function pairedRounds<T extends string, R>(
  targets: readonly T[],
  rounds: number,
  run: (target: T, label: string) => Promise<R>,
): Promise<Record<T, R[]>> {
  const all = Object.fromEntries(targets.map((t) => [t, []])) as unknown as Record<T, R[]>;
  for (let r = 0; r <= rounds; r++) {
    const shift = r % targets.length;
    const order = [...targets.slice(shift), ...targets.slice(0, shift)];
    for (const target of order) {
      const result = await run(target, `${target}-${r}`);
      if (r > 0) all[target].push(result);
      await sleep(100);
    }
  }
  return all;
}

/**
 * The median round of ours and of a baseline by p99 of `latency`, the ratios ours/baseline of their p99
 * and p50, and the median over rounds of the p99 ratio within the same round (steadier on a busy
 * machine: both sides of a round see the same load).
 */
export function compareRounds<R>(ours: readonly R[], baseline: readonly R[], latency: (round: R) => Summary) {
  const oursMedian = medianRound(ours, (x) => latency(x).p99);
  const baselineMedian = medianRound(baseline, (x) => latency(x).p99);
  return {
    ours: oursMedian,
    bare: baselineMedian,
    p99Ratio: ratio(latency(oursMedian).p99, latency(baselineMedian).p99),
    p50Ratio: ratio(latency(oursMedian).p50, latency(baselineMedian).p50),
    pairedP99Ratio: round(median(ours.map((x, i) => latency(x).p99 / latency(baseline[i]!).p99)), 2),
  };
}

/** The most events inside any half-open window [t, t + windowMs) (times in ms, any order). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** The smallest gap between consecutive times (ms); NaN with fewer than two. */
export function minGap(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let gap = Number.NaN;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i]! - sorted[i - 1]!;
    if (!(d >= gap)) gap = d;
  }
  return gap;
}

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** `a / b` rounded to two decimals. */
export const ratio = (a: number, b: number): number => round(a / b, 2);

/** True when the module at `url` is the script node was started with (a bench file forked as a child). */
export function isMainModule(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === url;
}

/** Rejects after `ms` with `what` in the message; the timer does not keep the process alive. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * With BENCH_CPU_PROF=<dir>, profiles this process (the V8 sampling profiler, as `node --cpu-prof`,
 * which cannot go through NODE_OPTIONS) and returns a function that writes `<dir>/<name>-<pid>.cpuprofile`
 * (open it in Chrome DevTools or speedscope). Without it, a no-op.
 */
export async function startCpuProfile(name: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return async () => {};
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

/** Wraps a Core so that every call's duration (ms) is pushed to `durations`: the API part of a figure. */
export function timedCore(core: Core, durations: number[]): Core {
  const time = async <T>(run: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      durations.push(performance.now() - t0);
    }
  };
  return {
    replyToText: (text, context) => time(() => core.replyToText(text, context)),
    replyToCommand: (command, context) => time(() => core.replyToCommand(command, context)),
  };
}

/** What a bench child reports between rounds: its CPU time so far and the core calls since last asked. */
export interface ChildStats {
  cpu: NodeJS.CpuUsage;
  coreMs: number[];
}

/** Stops a bench child; one that is already gone is fine, one that does not stop in time is killed. */
export async function stopChild(child: Child, ms = 10_000): Promise<void> {
  if (child.process.exitCode !== null || !child.process.connected) return;
  await deadline(child.stop(), ms, 'stopping a bench child').catch(() => {
    child.process.kill();
  });
}

/**
 * `npm run bench`: every figure in one run, all servers on 127.0.0.1; prints tables and writes JSON
 * (a timestamped copy of this run, and bench/results/latest.json: each part's figures from the last run
 * of that part). Environment:
 *   BENCH_PARTS   which parts, comma separated: slack,slack-metrics,discord,poller,delivery,push (default
 *                 all, in that order); slack-metrics is the Slack part with METRICS_PORT on; delivery
 *                 includes the broken-channel run and the outbox read times; push is the webhook latency
 *                 (bench/push.ts); chart is the stats chart's render time and memory (bench/chart.ts);
 *                 replicas is 1 vs 3 replicas on PostgreSQL and the failover time (bench/replicas.ts)
 *   BENCH_SIZES   livestream counts for the poller part, 200 of them LIVE (default 10000,100000,1000000)
 *   BENCH_LIVE    LIVE counts among 100,000 for the poller part (default 200,2000,10000)
 *   BENCH_POLLER_SECONDS  real seconds per poller scenario (default 22: 5.5 minutes of poller time)
 *   BENCH_ROUNDS  measured rounds of the Slack and Discord parts (default 15, plus one warm-up)
 *   BENCH_CPU_PROF=<dir>  write a .cpuprofile of each Slack/Discord server under test
 *   BENCH_NODE_FLAGS      Node flags for the processes under test (default: npm start's)
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchChart } from './chart.js';
import { benchBrokenChannel, benchDelivery, benchOutboxRead } from './delivery.js';
import { benchDiscord } from './discord.js';
import { startChild } from './child.js';
import { missedGoals, platformLibraryRss, type PollerRow, pollerScenarios, TIME_SCALE } from './poller.js';
import { benchPush, PUSH_GOAL } from './push.js';
import { benchReplicas } from './replicas.js';
import { benchSlack } from './slack.js';
import { round } from './stats.js';

function consoleTable(title: string, rows: object[]): void {
  process.stdout.write(`\n${title}\n`);
  console.table(rows);
}

const PARTS = [
  'slack',
  'slack-metrics',
  'discord',
  'poller',
  'delivery',
  'push',
  'chart',
  'replicas',
] as const;
type Part = (typeof PARTS)[number];
const asked = (process.env.BENCH_PARTS ?? PARTS.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
const unknown = asked.filter((p) => !(PARTS as readonly string[]).includes(p));
if (unknown.length > 0) {
  process.stderr.write(`BENCH_PARTS: unknown part(s) ${unknown.join(', ')}; known: ${PARTS.join(', ')}\n`);
  process.exit(2);
}
const parts = PARTS.filter((p) => asked.includes(p)) as Part[];
const sizes = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const liveCounts = (process.env.BENCH_LIVE ?? '200,2000,10000').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
// Every process under test runs bundled, as `npm start` runs the bot: no TypeScript loader, whose
// per-function `__name` wrappers add allocation to closure-heavy code that the real bot never pays.
const root = join(import.meta.dirname, '..');
const bundleDir = join(root, 'dist-bench');
execFileSync(
  process.execPath,
  [
    'scripts/build.mjs',
    '--outdir',
    bundleDir,
    'bench/slack.ts',
    'bench/discord.ts',
    'bench/poller-child.ts',
    'bench/chart-child.ts',
    'bench/replicas-child.ts',
  ],
  { cwd: root, stdio: 'inherit' },
);
const bundled = (name: string) => join(bundleDir, 'bench', `${name}.js`);

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  parts,
};

if (parts.includes('slack')) {
  const slack = await benchSlack({ concurrency: 100, rounds, childScript: bundled('slack') });
  results.slack = slack;
  consoleTable(
    `Slack HTTP mode: 100 concurrent signed /livestream list, median of ${slack.rounds} rounds (ms)`,
    slack.rows,
  );
  process.stdout.write(
    `ack ratio ours/bare: p99 ${slack.ackP99Ratio}x, p50 ${slack.ackP50Ratio}x; ` +
      `p99 ratio within each round, median: ${slack.pairedAckP99Ratio}x (goal ≤ 1.2x)\n`,
  );
}

if (parts.includes('slack-metrics')) {
  // The same run with health and metrics on: their cost on the command path (the ack ratio must hold).
  const slack = await benchSlack({ concurrency: 100, rounds, childScript: bundled('slack'), metrics: true });
  results.slackMetrics = slack;
  consoleTable(`Slack HTTP mode with METRICS_PORT on, median of ${slack.rounds} rounds (ms)`, slack.rows);
  process.stdout.write(
    `ack ratio ours (metrics on)/bare: p99 ${slack.ackP99Ratio}x, p50 ${slack.ackP50Ratio}x; ` +
      `p99 ratio within each round, median: ${slack.pairedAckP99Ratio}x (goal ≤ 1.2x)\n`,
  );
}

if (parts.includes('discord')) {
  const discord = await benchDiscord({ concurrency: 100, rounds, childScript: bundled('discord') });
  results.discord = discord;
  consoleTable(
    `Discord: 100 concurrent /livestream list via the gateway, time to the interaction callback, median of ${discord.rounds} rounds (ms)`,
    discord.rows,
  );
  process.stdout.write(
    `callback ratio ours/bare: p99 ${discord.callbackP99Ratio}x, p50 ${discord.callbackP50Ratio}x; ` +
      `p99 ratio within each round, median: ${discord.pairedCallbackP99Ratio}x (goal ≤ 1.2x)\n` +
      `ours/bare with the same API call: p99 ${discord.vsBareApi.callbackP99Ratio}x, ` +
      `p50 ${discord.vsBareApi.callbackP50Ratio}x; within each round: ${discord.vsBareApi.pairedCallbackP99Ratio}x\n`,
  );
}

if (parts.includes('poller')) {
  // Each scenario in a fresh child process, so its RSS is the poller's alone (not the load generators'
  // and fakes' of the parts before it); the emulator in another.
  const poller: PollerRow[] = [];
  const emulatorScript = join(import.meta.dirname, 'poller-emulator-child.ts');
  for (const scenario of pollerScenarios(sizes, liveCounts)) {
    const child = await startChild(bundled('poller-child'));
    poller.push(await child.ask<PollerRow>({ scenario, emulatorScript }));
    await child.stop();
  }
  results.poller = poller;
  results.pollerTimeScale = TIME_SCALE;
  const realIntervalMs = (poller[0]?.intervalS ?? 15) * (1000 / TIME_SCALE);
  consoleTable(
    `Poller at scale, bundled as npm start runs it. The poller's clock (and so its budget's 5-minute window) runs ` +
      `${TIME_SCALE}x faster than the wall: it polls every ${poller[0]?.intervalS ?? 15} s and keeps ` +
      `${poller[0]?.budget ?? 900} requests per 5 minutes as configured, in ${Math.round(realIntervalMs)} ms and ` +
      `${300 / TIME_SCALE} s of real time. Requests and intervals are in poller time; latencies, CPU and RSS real`,
    poller.map((row) => ({
      livestreams: row.livestreams,
      live: row.live,
      cycles: row.cycles,
      'baseline req': row.baselineRequests,
      'req/cycle': row.requestsPerCycle,
      'req last 5 min': row.requestsLast5Min,
      'max in any 5 min': `${row.maxIn5MinWindow} / ${row.budget}`,
      'interval s': row.stretchedToS === null ? row.intervalS : `${row.intervalS} -> ${row.stretchedToS}`,
      'CPU ms/cycle': `${row.cpuPerCycleMs} (max ${row.cpuPerCycleMaxMs})`,
      'LIVE -> post p50 ms': `${row.latencyP50Ms} (max ${row.latencyMaxMs}, goal ${row.latencyGoalMs}, n ${row.probes - row.missed}/${row.probes})`,
      'RSS MB': `${row.rssMedianMb} (max ${row.rssMaxMb})`,
      'emulator seed ms / RSS MB': `${row.emulatorSeedMs} / ${row.emulatorRssMb}`,
      goals: missedGoals(row).join('; ') || 'met',
    })),
  );
  for (const row of poller) {
    if (row.stretchedToS === null) continue;
    process.stdout.write(
      `${row.live.toLocaleString('en')} LIVE among ${row.livestreams.toLocaleString('en')}: ${row.stretchedForRequests} requests a ` +
        `cycle do not fit ${row.budget} per 5 minutes at ${row.intervalS} s; the poller logged ` +
        `'poll interval stretched to stay within API_REQUEST_BUDGET' and polls every ${row.stretchedToS} s ` +
        `(the budget requires ${row.requiredS} s: 300 s x requests per cycle / ${row.budget}). Webhooks are the way past it.\n`,
    );
  }
  const libraries = await platformLibraryRss();
  results.platformLibraries = libraries;
  process.stdout.write(
    `RSS of a bundled process after importing the platform libraries (MB): ${JSON.stringify(libraries)}\n`,
  );
}

if (parts.includes('delivery')) {
  const delivery = await benchDelivery({ transitions: 500 });
  results.delivery = delivery;
  consoleTable(
    `Delivery: ${delivery.transitions} streams go LIVE at once -> one Slack and one Discord channel (poll cycle ${delivery.pollCycleMs} ms)`,
    delivery.rows,
  );

  const brokenChannel = await benchBrokenChannel({ backlog: 10_000, intervalMs: 1_000 });
  results.brokenChannel = brokenChannel;
  consoleTable(
    `One broken channel: a Slack channel failing every post (HTTP 500) with ${brokenChannel.backlog} notifications waiting; a stream goes LIVE (poll interval ${brokenChannel.intervalMs} ms)`,
    [brokenChannel],
  );
  const outboxReads: Awaited<ReturnType<typeof benchOutboxRead>>[] = [];
  // One after another: each times its own reads.
  for (const pending of [10_000, 100_000]) outboxReads.push(await benchOutboxRead(pending));
  results.outboxReads = outboxReads;
  consoleTable(
    'Outbox read per sender pass (median ms): every channel’s next digest-full, vs. the old read of the first 10,000 pending rows',
    outboxReads,
  );
}

if (parts.includes('push')) {
  const push = await benchPush({ changes: 100 });
  results.push = push;
  consoleTable(
    `Push: a change in the emulator -> its signed webhook -> the message at the fake Slack and Discord; ` +
      `${push.changes} streams go LIVE ${push.spacingMs} ms apart, polling every ${push.pollIntervalMs} ms beside ` +
      `(goal p50 < ${PUSH_GOAL.p50Ms} ms, p99 < ${PUSH_GOAL.p99Ms} ms); deliveries answered ${JSON.stringify(push.deliveryAnswers)}`,
    push.rows,
  );
}

if (parts.includes('chart')) {
  const chart = await benchChart({ renders: 50, childScript: bundled('chart-child') });
  results.chart = chart;
  consoleTable('Stats chart: render time in a fresh bundled process (resvg, SVG -> PNG)', chart.rows);
  process.stdout.write(`RSS (MB): ${JSON.stringify(chart.memory)}\n`);
}

if (parts.includes('replicas')) {
  const replicas = await benchReplicas({ childScript: bundled('replicas-child') });
  results.replicas = replicas;
  consoleTable(
    `Replicas on ${replicas.postgres}: delivery throughput, waiting notifications sent by 1 and 3 replicas (and the bot alone on SQLite)`,
    replicas.throughput.map(({ shares, ...row }) => ({ ...row, shares: JSON.stringify(shares) })),
  );
  consoleTable(
    'Replicas: a change in the emulator -> the post at the fake platform (poll: found by the polling replica; hint: a webhook hint to a replica that does not poll)',
    replicas.latency.map(({ shares, ...row }) => ({ ...row, shares: JSON.stringify(shares) })),
  );
  const { failover } = replicas;
  consoleTable(
    `Failover: the polling replica SIGKILLed, a stream changes right after (POLL_INTERVAL_SECONDS=${failover.pollIntervalSeconds}, ` +
      `lease ${failover.leaseTtlMs} ms renewed every ${failover.leaseTickMs} ms, channel claims ${failover.channelClaimMs} ms); ` +
      `ms after the kill; takeover bound ${failover.takeoverBoundMs} ms: ${failover.withinBound ? 'met' : 'MISSED'}`,
    failover.trials,
  );
  process.stdout.write(`replicas part: ${round(replicas.runMs / 1000)} s\n`);
}

const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
// latest.json holds every part's latest figures: a run of some parts keeps the others' from their own
// last run, and `partDates` says when each part ran.
const latestFile = join(dir, 'latest.json');
const previous = existsSync(latestFile)
  ? (JSON.parse(readFileSync(latestFile, 'utf8')) as Record<string, unknown>)
  : {};
const previousDates =
  (previous.partDates as Record<string, unknown> | undefined) ??
  Object.fromEntries(((previous.parts as string[] | undefined) ?? []).map((part) => [part, previous.date]));
const partDates = { ...previousDates, ...Object.fromEntries(parts.map((part) => [part, results.date])) };
const latest = { ...previous, ...results, parts: PARTS.filter((part) => part in partDates), partDates };
writeFileSync(latestFile, `${JSON.stringify(latest, null, 2)}\n`);
process.stdout.write(`\nwrote ${file}\n`);

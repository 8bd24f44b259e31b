/**
 * Part 1: Slack HTTP mode. 100 concurrent signed `/livestream list` slash commands against the real
 * adapter (startSlackAdapter + real core + real RealtimeKit client + the emulator), side by side with a
 * bare Bolt App (same options, HTTPReceiver) whose listener only calls `ack()`. Figures: time to the
 * HTTP ack (p50/p95/p99; the ratio ours/bare is the goal, p99 ≤ 1.2x) and, for ours, time until the
 * response_url receives the answer.
 *
 * Processes: the server under test (ours or bare) runs alone in a child (this file, forked); the
 * emulator runs in another child (emulator-child.ts); this process only sends the requests, hosts the
 * fake Web API (auth.test) and the response_url recorder, and takes the times. So the measured bot
 * shares its event loop with nothing but itself, and the load generator's own work (signing, 100
 * fetches, recording) does not land in either figure's server side. Both targets get the same client,
 * the same connections and alternate round by round; the median round (by p99 of the ack) is reported.
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { App, HTTPReceiver, type webApi } from '@slack/bolt';
import { SLACK_EVENTS_PATH, type SlackAdapter, startSlackAdapter } from '../adapters/slack/app.js';
import { createBoltLogger } from '../adapters/slack/bolt-logger.js';
import { SLACK_CLIENT_OPTIONS } from '../adapters/slack/sink.js';
import type { SlackConfig } from '../src/config.js';
import { createCore } from '../src/core.js';
import { clientSettingsOf, type EmulatorSettings } from '../src/emulator/settings.js';
import { systemClock } from '../src/clock.js';
import { createLogger } from '../src/log.js';
import { startOps } from '../src/ops/ops.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { signSlackRequest, slashCommandForm } from '../test/fakes/slack-signer.js';
import { startFakeSlackWebApi } from '../test/fakes/slack-web-api.js';
import { type Child, startChild } from './child.js';
import {
  type ChildStats,
  compareRounds,
  pairedRounds,
  type Target,
  deadline,
  isMainModule,
  round,
  type Summary,
  startCpuProfile,
  stopChild,
  summarize,
  timedCore,
} from './stats.js';

/** In the child: how long each core call took (the RealtimeKit part), collected between rounds. */
const coreMs: number[] = [];

const SIGNING_SECRET = 'bench-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-bench-0000-bot-token';
const COMMAND_TEXT = 'list';
const ROUND_TIMEOUT_MS = 30_000;

type ChildMessage =
  | { start: Target; apiUrl: string; emulator: EmulatorSettings; metrics?: boolean }
  | { stats: true }
  | { stop: true };

export interface SlackBenchOptions {
  concurrency?: number;
  rounds?: number;
  /** Livestreams in the emulator (`list` shows the first page of 10). */
  livestreams?: number;
  /** The script forked for each server under test: this file, or its bundle (run.ts builds one). */
  childScript?: string;
  /** Our adapter with health and metrics on (METRICS_PORT served, every hook live): their cost. */
  metrics?: boolean;
}

export interface SlackRound {
  ack: Summary;
  /** Ours only: request sent -> response_url received the answer. */
  respond: Summary | null;
  /** Ours only: the core call alone (parse + RealtimeKit request to the emulator + reply model). */
  core: Summary | null;
  /** CPU time of the server process per command, in ms. */
  cpuMsPerCommand: number;
  errors: number;
}

export interface SlackRow {
  target: string;
  ackP50Ms: number;
  ackP95Ms: number;
  ackP99Ms: number;
  respondP50Ms: number | null;
  respondP99Ms: number | null;
  coreP50Ms: number | null;
  coreP99Ms: number | null;
  cpuMsPerCommand: number;
  errors: number;
}

export interface SlackResult {
  concurrency: number;
  rounds: number;
  rows: SlackRow[];
  /** p99 ack ours / p99 ack bare, from the median rounds. The goal is ≤ 1.2. */
  ackP99Ratio: number;
  ackP50Ratio: number;
  /** The median over rounds of (ours p99 / bare p99) within the same round: robust to a busy machine. */
  pairedAckP99Ratio: number;
  /** Every round, for the record. */
  all: { adapter: SlackRound[]; bare: SlackRound[] };
}

export async function benchSlack(options: SlackBenchOptions = {}): Promise<SlackResult> {
  const concurrency = options.concurrency ?? 100;
  const rounds = options.rounds ?? 5;
  const emulator = await startChild(join(import.meta.dirname, 'emulator-child.ts'));
  const webApi = await startFakeSlackWebApi();
  const recorder = await startArrivalRecorder();
  const children: Record<Target, { child: Child; url: string } | null> = { adapter: null, bare: null };
  try {
    const { settings } = await emulator.ask<{ settings: EmulatorSettings }>({
      seed: options.livestreams ?? 50,
    });
    for (const target of ['adapter', 'bare'] as const) {
      const child = await startChild(options.childScript ?? import.meta.filename);
      children[target] = { child, url: '' };
      const started = await deadline(
        child.ask<{ port: number } | { error: string }>({
          start: target,
          apiUrl: webApi.apiUrl,
          emulator: settings,
          metrics: options.metrics ?? false,
        } satisfies ChildMessage),
        60_000,
        `starting the ${target} child`,
      );
      if ('error' in started) throw new Error(`Slack ${target} did not start: ${started.error}`);
      children[target].url = `http://127.0.0.1:${started.port}${SLACK_EVENTS_PATH}`;
    }
    const all = await pairedRounds(['adapter', 'bare'] as const, rounds, (target, label) => {
      const { child, url } = children[target]!;
      return runRound({ target, child, url, recorder, concurrency, label });
    });
    const { ours, bare, p99Ratio, p50Ratio, pairedP99Ratio } = compareRounds(
      all.adapter,
      all.bare,
      (x) => x.ack,
    );
    const row = (target: string, x: SlackRound): SlackRow => ({
      target,
      ackP50Ms: x.ack.p50,
      ackP95Ms: x.ack.p95,
      ackP99Ms: x.ack.p99,
      respondP50Ms: x.respond?.p50 ?? null,
      respondP99Ms: x.respond?.p99 ?? null,
      coreP50Ms: x.core?.p50 ?? null,
      coreP99Ms: x.core?.p99 ?? null,
      cpuMsPerCommand: x.cpuMsPerCommand,
      errors: x.errors,
    });
    return {
      concurrency,
      rounds,
      rows: [
        row('bare Bolt (ack only)', bare),
        row(options.metrics ? 'our adapter (list, metrics on)' : 'our adapter (list)', ours),
      ],
      ackP99Ratio: p99Ratio,
      ackP50Ratio: p50Ratio,
      pairedAckP99Ratio: pairedP99Ratio,
      all,
    };
  } finally {
    for (const entry of Object.values(children)) if (entry) await stopChild(entry.child);
    await stopChild(emulator);
    await recorder.close();
    await webApi.close();
  }
}

async function runRound(args: {
  target: Target;
  child: Child;
  url: string;
  recorder: ArrivalRecorder;
  concurrency: number;
  label: string;
}): Promise<SlackRound> {
  const { target, child, url, recorder, concurrency, label } = args;
  // Everything signed before the burst, so signing is not inside any timing.
  const timestamp = Math.floor(Date.now() / 1000);
  const requests = Array.from({ length: concurrency }, (_, i) => {
    const id = `${label}-${i}`;
    const body = new URLSearchParams(
      slashCommandForm({
        text: COMMAND_TEXT,
        response_url: recorder.urlFor(id),
        trigger_id: `trigger-${id}`,
      }),
    ).toString();
    return { id, body, signature: signSlackRequest({ signingSecret: SIGNING_SECRET, body, timestamp }) };
  });
  const arrived = target === 'adapter' ? recorder.expect(requests.map((r) => r.id)) : null;
  const before = await deadline(
    child.ask<ChildStats>({ stats: true } satisfies ChildMessage),
    10_000,
    'child stats',
  );
  let errors = 0;
  const sentAt = new Map<string, number>();
  const acks = await Promise.all(
    requests.map(async ({ id, body, signature }) => {
      const t0 = performance.now();
      sentAt.set(id, t0);
      const response = await fetch(url, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(ROUND_TIMEOUT_MS),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(timestamp),
          'x-slack-signature': signature,
        },
      });
      const t1 = performance.now();
      await response.arrayBuffer();
      if (response.status !== 200) errors++;
      return t1 - t0;
    }),
  );
  let respond: Summary | null = null;
  if (arrived) {
    const times = await deadline(arrived, ROUND_TIMEOUT_MS, `Slack ${label}: response_url answers`);
    respond = summarize([...times].map(([id, at]) => at - sentAt.get(id)!));
  }
  const after = await deadline(
    child.ask<ChildStats>({ stats: true } satisfies ChildMessage),
    10_000,
    'child stats',
  );
  const cpuMs = (after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system) / 1000;
  return {
    ack: summarize(acks),
    respond,
    core: after.coreMs.length ? summarize(after.coreMs) : null,
    cpuMsPerCommand: round(cpuMs / concurrency, 2),
    errors,
  };
}

interface ArrivalRecorder {
  urlFor(id: string): string;
  /** Resolves with id -> performance.now() of arrival once every id has posted. */
  expect(ids: string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Stands in for Slack's response_url endpoint: records when each id's answer arrived, nothing else. */
async function startArrivalRecorder(): Promise<ArrivalRecorder> {
  let pending: {
    ids: Set<string>;
    times: Map<string, number>;
    done: (t: Map<string, number>) => void;
  } | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').replace(/^\/commands\//, ''));
    req.resume();
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      if (pending?.ids.has(id) && !pending.times.has(id)) {
        pending.times.set(id, at);
        if (pending.times.size === pending.ids.size) pending.done(pending.times);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (id) => `http://127.0.0.1:${port}/commands/${encodeURIComponent(id)}`,
    expect: (ids) =>
      new Promise((resolve) => {
        pending = { ids: new Set(ids), times: new Map(), done: resolve };
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// The child: one server under test, driven over IPC.

async function startTarget(message: Extract<ChildMessage, { start: Target }>) {
  const started = await startServer(message);
  const stopProfile = await startCpuProfile(`slack-${message.start}`);
  return {
    port: started.port,
    stop: async () => {
      await stopProfile();
      await started.stop();
    },
  };
}

async function startServer(message: Extract<ChildMessage, { start: Target }>) {
  // As in production: info level, every line formatted and redacted, then dropped (not the bench's stderr).
  const log = createLogger({ level: 'info', secrets: [SIGNING_SECRET, BOT_TOKEN], write: () => {} });
  if (message.start === 'adapter') {
    // Metrics on: the production wiring (startApp's), a served port and every hook on the command path.
    const ops = await startOps({
      port: message.metrics ? 0 : null,
      host: '127.0.0.1',
      clock: systemClock,
      log,
      pollIntervalMs: 15_000,
    });
    const observe = ops.enabled ? { onResponse: ops.metrics.apiAnswer } : {};
    const client = createRealtimeKitClient({ ...clientSettingsOf(message.emulator), ...observe });
    const config: SlackConfig = {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      appToken: null,
      apiUrl: message.apiUrl,
      port: 0,
      notifyChannel: null,
      managers: [],
    };
    const adapter: SlackAdapter = await startSlackAdapter({
      config,
      core: timedCore(ops.timeCommands(createCore({ client, log })), coreMs),
      log,
      host: '127.0.0.1',
    });
    return {
      port: adapter.port!,
      stop: async () => {
        await adapter.stop();
        await ops.stop();
      },
    };
  }
  // The bare framework: the adapter's App and HTTPReceiver options, a listener that only acks.
  const logger = createBoltLogger({ log: log.child({ component: 'slack' }) });
  const clientOptions: webApi.WebClientOptions = {
    ...SLACK_CLIENT_OPTIONS,
    slackApiUrl: `${message.apiUrl}/`,
  };
  const receiver = new HTTPReceiver({
    signingSecret: SIGNING_SECRET,
    endpoints: SLACK_EVENTS_PATH,
    logger,
    processBeforeResponse: false,
  });
  const app = new App({ token: BOT_TOKEN, receiver, logger, clientOptions, deferInitialization: true });
  app.command('/livestream', async ({ ack }) => {
    await ack();
  });
  await app.init();
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  return { port: (server.address() as AddressInfo).port, stop: () => app.stop() };
}

if (isMainModule(import.meta.url)) {
  let running: { stop(): Promise<unknown> } | null = null;
  process.on('message', (message: ChildMessage) => {
    if ('start' in message) {
      startTarget(message).then(
        (started) => {
          running = started;
          process.send?.({ port: started.port });
        },
        (error: unknown) => process.send?.({ error: String(error) }),
      );
    } else if ('stats' in message) {
      process.send?.({ cpu: process.cpuUsage(), coreMs: coreMs.splice(0) } satisfies ChildStats);
    } else {
      void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
  process.send?.({ ready: true });
}

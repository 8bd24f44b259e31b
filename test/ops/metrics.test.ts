/**
 * /metrics after a scripted run of the whole app (startApp): Slack in HTTP mode against the fake Web
 * API with a notify channel, the emulator as the RealtimeKit API, SQLite, a clock the test moves. The
 * run: a baseline sweep, a stream goes LIVE, the first post fails (Slack's service_unavailable) and the
 * retry 2 s later goes through, a /livestream list whose first API try gets a 503, two webhook
 * deliveries. Every count read from /metrics must match what happened, and no secret, stream name or id
 * may appear in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import type { Config } from '../../src/config.js';
import {
  clientSettingsOf,
  createEmulator,
  type Emulator,
  type RecordedRequest,
} from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { type SlackScript, scriptSlack } from '../fakes/platform-outage.js';
import { type ResponseRecorder, startResponseRecorder } from '../fakes/slack-responses.js';
import { sendSlashCommand } from '../fakes/slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const SIGNING_SECRET = 'metrics-test-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-metrics-test-bot-token';
const CHANNEL = 'C0NOTIFY';

let emulator: Emulator;
let fake: FakeSlackWebApi;
let slack: SlackScript;
let responses: ResponseRecorder;
let dataDir: string;
let app: RunningApp | null = null;
const apiRequests: RecordedRequest[] = [];

beforeEach(async () => {
  emulator = createEmulator({ seed: 71 });
  await emulator.start();
  emulator.onRequest((request) => apiRequests.push(request));
  fake = await startFakeSlackWebApi();
  slack = scriptSlack(fake);
  responses = await startResponseRecorder();
  dataDir = mkdtempSync(join(tmpdir(), 'metrics-'));
});
afterEach(async () => {
  await app?.stop();
  app = null;
  apiRequests.length = 0;
  await Promise.all([emulator.stop(), fake.close(), responses.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

/** One sample's value from the Prometheus text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g))
      found[pair[1]!] = pair[2]!;
    const same =
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => found[key] === value);
    if (same) return Number(match[3]);
  }
  return undefined;
}

/** The sum of every sample of `name` whose labels include `labels`. */
function total(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

it('counts after a scripted run match what happened', async () => {
  const show = emulator.addLivestream({ name: 'Quarterly Secret Plans', status: 'IDLE' });
  emulator.addLivestream({ name: 'Other Show', status: 'IDLE' });
  const clock = new ManualClock();
  const records: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      records.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of [...waiters]) wake();
    },
  });
  const waitForLog = (text: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log "${text}"`)), 10_000);
      const check = () => {
        const hit = records.find((record) => String(record.msg).includes(text));
        if (!hit) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      waiters.add(check);
      check();
    });
  const config: Config = {
    realtimekit: { mode: 'api', ...clientSettingsOf(emulator.settings()) },
    logLevel: 'debug',
    slack: {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      appToken: null,
      apiUrl: fake.apiUrl,
      port: 0,
      notifyChannel: CHANNEL,
      managers: [],
    },
    discord: null,
    notify: {
      pollIntervalSeconds: 15,
      requestBudget: 900,
      dataDir,
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
    },
  };
  app = await startApp(config, log, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    interactive: false,
    clock,
    metricsPort: 0,
  });
  const slackPort = Number((await waitForLog('Slack adapter started')).port);
  await waitForLog('baseline recorded');
  // Both loops (poller and sender) parked on the clock before it moves: a move before a sleep is lost.
  const parked = () => vi.waitFor(() => expect(clock.sleeping).toBe(2), { timeout: 5_000, interval: 5 });
  await parked();

  // A stream goes live; the first post is refused for now (Slack's service_unavailable), the retry after
  // the 2 s backoff goes through.
  slack.fail({ body: { ok: false, error: 'service_unavailable' } });
  emulator.setStatus(show.id, 'LIVE');
  clock.advance(15_000);
  await slack.waitForCalls(1);
  await waitForLog('delivery failed; will retry');
  await parked();
  clock.advance(2_000);
  await slack.waitForCalls(2);
  expect(slack.accepted).toHaveLength(1);

  // A command whose first API try gets a 503 (the client retries it).
  emulator.injectFault({ status: 503, path: 'per_page=10' });
  const sent = await sendSlashCommand({
    url: `http://127.0.0.1:${slackPort}/slack/events`,
    signingSecret: SIGNING_SECRET,
    fields: {
      text: 'list',
      channel_id: 'C0CMD',
      response_url: responses.urlFor('list-1'),
      trigger_id: 'trigger-1',
    },
  });
  expect(sent.status).toBe(200);
  expect(String((await responses.next('list-1')).body.text)).toContain('Livestreams');

  // The webhook receiver reports through the same interface.
  app.metrics.webhook('accepted');
  app.metrics.webhook('refused', 'signature');

  const response = await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  const p = 'livestream_chatops_';

  // Two cycles ended (the baseline and the one that found the change), both fine; one transition.
  expect(sample(text, `${p}poll_cycles_total`, { outcome: 'ok' })).toBe(2);
  expect(total(text, `${p}poll_cycles_total`, { outcome: 'failed' })).toBe(0);
  expect(sample(text, `${p}poll_cycle_duration_seconds_count`)).toBe(2);
  expect(sample(text, `${p}poll_transitions_total`)).toBe(1);

  // Deliveries: one failure (Transient), then sent; nothing left; latency 2 s on the test's clock.
  expect(sample(text, `${p}deliveries_failed_total`, { platform: 'slack', kind: 'Transient' })).toBe(1);
  expect(sample(text, `${p}deliveries_sent_total`, { platform: 'slack' })).toBe(1);
  expect(sample(text, `${p}notification_latency_seconds_count`, { platform: 'slack' })).toBe(1);
  expect(sample(text, `${p}notification_latency_seconds_sum`, { platform: 'slack' })).toBe(2);
  expect(sample(text, `${p}deliveries_pending`)).toBe(0);
  expect(total(text, `${p}deliveries_dropped_total`)).toBe(0);

  // One command, on Slack.
  expect(sample(text, `${p}command_duration_seconds_count`, { platform: 'slack' })).toBe(1);

  // API requests: every one the emulator saw, by route template and outcome; the 503 among them.
  expect(total(text, `${p}api_requests_total`)).toBe(apiRequests.length);
  expect(
    sample(text, `${p}api_requests_total`, {
      method: 'GET',
      endpoint: 'livestreams',
      outcome: 'server_error',
    }),
  ).toBe(1);
  const lookups = apiRequests.filter((r) => r.path.endsWith('/active-livestream-session')).length;
  expect(lookups).toBeGreaterThan(0);
  expect(
    sample(text, `${p}api_requests_total`, {
      method: 'GET',
      endpoint: 'livestreams/:id/active-livestream-session',
      outcome: 'ok',
    }),
  ).toBe(lookups);
  // The budget counts the same requests (all within its 5-minute window on the test's clock).
  expect(sample(text, `${p}api_budget_used_requests`)).toBe(apiRequests.length);
  expect(sample(text, `${p}api_budget_limit_requests`, { ceiling: 'poller' })).toBe(900);

  expect(sample(text, `${p}webhook_deliveries_total`, { outcome: 'accepted', reason: '' })).toBe(1);
  expect(sample(text, `${p}webhook_deliveries_total`, { outcome: 'refused', reason: 'signature' })).toBe(1);

  // Process metrics come along; no secret, stream name or id in any of it.
  expect(text).toContain(`${p}process_resident_memory_bytes`);
  for (const secret of [
    BOT_TOKEN,
    SIGNING_SECRET,
    emulator.token,
    show.id,
    'Quarterly Secret Plans',
    CHANNEL,
  ])
    expect(text).not.toContain(secret);
});

/**
 * /metrics after a scripted run of the whole app (startApp): Slack in HTTP mode against the fake Web
 * API with a notify channel, the emulator as the RealtimeKit API, SQLite, a clock the test moves. The
 * run: a baseline sweep, a stream goes LIVE, the first post fails (Slack's service_unavailable) and the
 * retry 2 s later goes through, a /livestream list whose first API try gets a 503, two webhook
 * deliveries. Every count read from /metrics must match what happened, and no secret, stream name or id
 * may appear in it.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import {
  createSlackAppRig,
  RIG_SLACK_BOT_TOKEN as BOT_TOKEN,
  RIG_SLACK_SIGNING_SECRET as SIGNING_SECRET,
  type SlackAppRig,
} from '../fakes/app-rig.js';
import { type SlackScript, scriptSlack } from '../fakes/platform-outage.js';

const CHANNEL = 'C0NOTIFY';

let rig: SlackAppRig;
let slack: SlackScript;

beforeEach(async () => {
  rig = await createSlackAppRig({ seed: 71 });
  slack = scriptSlack(rig.slackApi);
});
afterEach(() => rig.close());

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
  const { emulator, apiRequests } = rig;
  const show = emulator.addLivestream({ name: 'Quarterly Secret Plans', status: 'IDLE' });
  emulator.addLivestream({ name: 'Other Show', status: 'IDLE' });
  const clock = new ManualClock();
  const started = await rig.start({
    notify: { pollIntervalSeconds: 15, requestBudget: 900 },
    slack: { notifyChannel: CHANNEL },
    clock,
    metricsPort: 0,
  });
  const { app, waitForLog } = started;
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
  // Meanwhile it waits in the outbox, for Slack.
  const waiting = await (await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`)).text();
  expect(sample(waiting, 'livestream_chatops_deliveries_pending', { platform: 'slack' })).toBe(1);
  clock.advance(2_000);
  await slack.waitForCalls(2);
  expect(slack.accepted).toHaveLength(1);

  // A command whose first API try gets a 503 (the client retries it).
  emulator.injectFault({ status: 503, path: 'per_page=10' });
  const answer = await started.slash('list', { channel_id: 'C0CMD' });
  expect(String(answer.body.text)).toContain('Livestreams');

  // The webhook receiver reports through the same interface.
  app.metrics.webhook('accepted');
  app.metrics.webhook('refused', 'bad-signature');

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
  expect(sample(text, `${p}deliveries_pending`, { platform: 'slack' })).toBe(0);
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
  expect(sample(text, `${p}webhook_deliveries_total`, { outcome: 'refused', reason: 'bad-signature' })).toBe(
    1,
  );

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

it('a transition a webhook hint finds (poller.check, no poll cycle) is counted in poll_transitions_total', async () => {
  const { emulator, slackApi } = rig;
  const show = emulator.addLivestream({ name: 'Pushed', status: 'IDLE' });
  const started = await rig.start({
    // No poll in the test's time: only the baseline cycle runs, so any transition came from the hint.
    notify: { pollIntervalSeconds: 3_600, requestBudget: 900 },
    slack: { notifyChannel: CHANNEL },
    webhooks: {
      publicUrl: 'http://127.0.0.1',
      url: 'http://127.0.0.1/webhooks/realtimekit',
      port: 0,
      publicKeyPem: null,
      keyUrl: emulator.settings().REALTIMEKIT_WEBHOOK_KEY_URL,
    },
    metricsPort: 0,
  });
  const port = Number((await started.waitForLog('HTTP server listening')).port);
  await started.waitForLog('RealtimeKit webhooks on');
  await started.waitForLog('baseline recorded');
  const client = createRealtimeKitClient(clientSettingsOf(emulator.settings()));
  await client.createWebhook({
    name: 'bot',
    url: `http://127.0.0.1:${port}/webhooks/realtimekit`,
    events: ['livestreaming.statusUpdate'],
    enabled: true,
  });
  emulator.setStatus(show.id, 'LIVE');
  await slackApi.waitForCall('chat.postMessage');

  const text = await (await fetch(`http://127.0.0.1:${started.app.metricsPort}/metrics`)).text();
  const p = 'livestream_chatops_';
  expect(sample(text, `${p}poll_cycles_total`, { outcome: 'ok' })).toBe(1); // the baseline
  expect(sample(text, `${p}poll_transitions_total`)).toBe(1);
});

it('a channel Slack says is gone: its notification is dropped, and deliveries_dropped_total says so', async () => {
  const { emulator } = rig;
  const show = emulator.addLivestream({ name: 'Nowhere', status: 'IDLE' });
  const clock = new ManualClock();
  const started = await rig.start({
    notify: { pollIntervalSeconds: 15, requestBudget: 900 },
    slack: { notifyChannel: CHANNEL },
    clock,
    metricsPort: 0,
  });
  await started.waitForLog('baseline recorded');
  await vi.waitFor(() => expect(clock.sleeping).toBe(2), { timeout: 5_000, interval: 5 });
  slack.fail({ body: { ok: false, error: 'channel_not_found' } });
  emulator.setStatus(show.id, 'LIVE');
  clock.advance(15_000);
  await slack.waitForCalls(1);
  await started.waitForLog('subscription is paused');

  const text = await (await fetch(`http://127.0.0.1:${started.app.metricsPort}/metrics`)).text();
  const p = 'livestream_chatops_';
  expect(sample(text, `${p}deliveries_failed_total`, { platform: 'slack', kind: 'Permanent' })).toBe(1);
  expect(sample(text, `${p}deliveries_dropped_total`, { platform: 'slack' })).toBe(1);
  expect(total(text, `${p}deliveries_sent_total`)).toBe(0);
  expect(total(text, `${p}deliveries_pending`)).toBe(0);
});

/**
 * The whole bot as `npm start` wires it (`startApp`), with Slack in HTTP mode and webhooks on: one HTTP
 * server serves `/slack/events` and `/webhooks/realtimekit` on the same port. The emulator's signed
 * delivery makes the LIVE post at the fake Slack long before the next poll (the interval is a minute).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { blocksText } from '../fakes/slack-harness.js';
import { type ResponseRecorder, startResponseRecorder } from '../fakes/slack-responses.js';
import { sendSlashCommand } from '../fakes/slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const SIGNING_SECRET = 'webhook-app-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-webhook-app-bot-token';

let emulator: Emulator;
let slackApi: FakeSlackWebApi;
let responses: ResponseRecorder;
let dataDir: string;
let app: RunningApp | null = null;

beforeEach(async () => {
  emulator = createEmulator({ seed: 23 });
  await emulator.start();
  slackApi = await startFakeSlackWebApi();
  responses = await startResponseRecorder();
  dataDir = mkdtempSync(join(tmpdir(), 'webhook-app-'));
});
afterEach(async () => {
  await app?.stop();
  app = null;
  await Promise.all([emulator.stop(), slackApi.close(), responses.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

async function start() {
  const settings = emulator.settings();
  const config: Config = {
    realtimekit: { mode: 'api', ...clientSettingsOf(settings) },
    logLevel: 'debug',
    slack: {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      appToken: null,
      apiUrl: slackApi.apiUrl,
      port: 0,
      notifyChannel: 'C0LIVE',
      managers: [],
    },
    discord: null,
    notify: {
      pollIntervalSeconds: 60,
      requestBudget: 900,
      dataDir,
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
    },
    webhooks: {
      publicUrl: 'http://127.0.0.1',
      url: 'http://127.0.0.1/webhooks/realtimekit',
      port: 0,
      publicKeyPem: null,
      keyUrl: settings.REALTIMEKIT_WEBHOOK_KEY_URL,
    },
  };
  const records: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const log = createLogger({
    level: 'debug',
    secrets: [BOT_TOKEN, SIGNING_SECRET, settings.CLOUDFLARE_API_TOKEN],
    write: (line) => {
      records.push(JSON.parse(line) as Record<string, unknown>);
      for (const waiter of waiters) waiter();
    },
  });
  const waitForLog = (text: string, timeoutMs = 5_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const waiter = () => {
        const hit = records.find((record) => String(record.msg).includes(text));
        if (!hit) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no log line with "${text}" within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(waiter);
      waiter();
    });
  app = await startApp(config, log, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    interactive: false,
    metricsPort: 0,
  });
  const port = Number((await waitForLog('HTTP server listening')).port);
  return { port, waitForLog, records };
}

it('Slack commands and RealtimeKit webhooks share one port; a delivery posts LIVE without waiting for a poll', async () => {
  const show = emulator.addLivestream({ name: 'Pushed', status: 'IDLE' });
  const { port, waitForLog, records } = await start();
  expect((await waitForLog('Slack adapter started')).port).toBe(port);
  await waitForLog('RealtimeKit webhooks on');
  await waitForLog('baseline recorded');

  // Slack's HTTP mode on that port.
  const sent = await sendSlashCommand({
    url: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    fields: { text: 'help', response_url: responses.urlFor('help-1'), trigger_id: 'trigger-help-1' },
  });
  expect(sent.status).toBe(200);
  expect(blocksText((await responses.next('help-1')).body.blocks)).toContain('/livestream');

  // Webhooks on the same port: registered with the emulator, which signs and delivers.
  const client = (await import('../../src/realtimekit/client.js')).createRealtimeKitClient({
    ...clientSettingsOf(emulator.settings()),
  });
  await client.createWebhook({
    name: 'bot',
    url: `http://127.0.0.1:${port}/webhooks/realtimekit`,
    events: ['livestreaming.statusUpdate'],
    enabled: true,
  });
  const lists = () => emulator.requests.filter((r) => r.path === 'livestreams').length;
  const listsBefore = lists();
  emulator.setStatus(show.id, 'LIVE');
  const attempt = await emulator.webhooks.waitForAttempt((a) => a.answer !== null);
  expect(attempt.answer).toBe(200);
  const post = await slackApi.waitForCall('chat.postMessage');
  expect(post.params.channel).toBe('C0LIVE');
  expect(blocksText(post.params.blocks)).toContain('Pushed');
  // No poll ran in between: the post came from the webhook's check.
  expect(lists()).toBe(listsBefore);
  expect(JSON.stringify(records)).not.toContain(show.stream_key);

  // Any other path is a 404.
  expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);

  // A forged delivery is refused; /metrics counts both, by outcome and the refusal's reason word.
  const forged = await fetch(`http://127.0.0.1:${port}/webhooks/realtimekit`, {
    method: 'POST',
    headers: { 'rtk-signature': 'Zm9yZ2Vk', 'rtk-uuid': 'forged-1', 'content-type': 'application/json' },
    body: JSON.stringify({ event: 'livestreaming.statusUpdate', streamId: show.id, status: 'IDLE' }),
  });
  expect(forged.status).toBe(401);
  const metrics = await (await fetch(`http://127.0.0.1:${app!.metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/webhook_deliveries_total\{outcome="accepted",reason=""\} 1\b/);
  expect(metrics).toMatch(/webhook_deliveries_total\{outcome="refused",reason="bad-signature"\} 1\b/);

  await app!.stop();
  app = null;
  await expect(fetch(`http://127.0.0.1:${port}/webhooks/realtimekit`, { method: 'POST' })).rejects.toThrow();
});

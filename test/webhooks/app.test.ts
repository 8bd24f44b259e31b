/**
 * The whole bot as `npm start` wires it (`startApp`), with Slack in HTTP mode and webhooks on: one HTTP
 * server serves `/slack/events` and `/webhooks/realtimekit` on the same port. The emulator's signed
 * delivery makes the LIVE post at the fake Slack long before the next poll (the interval is a minute).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import {
  createSlackAppRig,
  RIG_SLACK_SIGNING_SECRET as SIGNING_SECRET,
  type SlackAppRig,
} from '../fakes/app-rig.js';
import { blocksText } from '../fakes/slack-harness.js';
import { sendSlashCommand } from '../fakes/slack-signer.js';

let rig: SlackAppRig;

beforeEach(async () => {
  rig = await createSlackAppRig({ seed: 23 });
});
afterEach(() => rig.close());

async function start() {
  const started = await rig.start({
    notify: { pollIntervalSeconds: 60, requestBudget: 900 },
    slack: { notifyChannel: 'C0LIVE' },
    webhooks: {
      publicUrl: 'http://127.0.0.1',
      url: 'http://127.0.0.1/webhooks/realtimekit',
      port: 0,
      publicKeyPem: null,
      keyUrl: rig.emulator.settings().REALTIMEKIT_WEBHOOK_KEY_URL,
    },
    metricsPort: 0,
  });
  const port = Number((await started.waitForLog('HTTP server listening')).port);
  return { ...started, port };
}

it('Slack commands and RealtimeKit webhooks share one port; a delivery posts LIVE without waiting for a poll', async () => {
  const { emulator, slackApi, responses } = rig;
  const show = emulator.addLivestream({ name: 'Pushed', status: 'IDLE' });
  const { app, port, waitForLog, records, stop } = await start();
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
  const metrics = await (await fetch(`http://127.0.0.1:${app.metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/webhook_deliveries_total\{outcome="accepted",reason=""\} 1\b/);
  expect(metrics).toMatch(/webhook_deliveries_total\{outcome="refused",reason="bad-signature"\} 1\b/);

  await stop();
  await expect(fetch(`http://127.0.0.1:${port}/webhooks/realtimekit`, { method: 'POST' })).rejects.toThrow();
});

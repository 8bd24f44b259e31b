/**
 * Socket Mode end to end: the adapter opens apps.connections.open with the app token on the fake Web
 * API, connects to the fake WebSocket, acks a slash_commands envelope and answers through respond().
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SlackAdapter, startSlackAdapter } from '../../adapters/slack/app.js';
import { createCore } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { blocksText } from '../fakes/slack-harness.js';
import { type ResponseRecorder, startResponseRecorder } from '../fakes/slack-responses.js';
import { slashCommandForm } from '../fakes/slack-signer.js';
import { type FakeSocketModeServer, startFakeSocketModeServer } from '../fakes/slack-socket.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const APP_TOKEN = 'xapp-1-A0FAKE-0000-apptoken';

let emulator: Emulator;
let webApi: FakeSlackWebApi;
let responses: ResponseRecorder;
let socket: FakeSocketModeServer;
let adapter: SlackAdapter;
let coreCalls = 0;

beforeAll(async () => {
  emulator = createEmulator({ seed: 11 });
  await emulator.start();
  const settings = emulator.settings();
  const client = createRealtimeKitClient({
    ...clientSettingsOf(settings),
    retries: 0,
  });
  const log = createLogger({ write: () => {} });
  const core = createCore({ client, log });
  webApi = await startFakeSlackWebApi();
  responses = await startResponseRecorder();
  socket = await startFakeSocketModeServer();
  webApi.script('apps.connections.open', { body: { ok: true, url: socket.url } }, 10);
  adapter = await startSlackAdapter({
    config: {
      botToken: 'xoxb-socket-test',
      signingSecret: null,
      appToken: APP_TOKEN,
      apiUrl: webApi.apiUrl,
      port: 3000,
      notifyChannel: null,
      managers: [],
    },
    core: {
      ...core,
      replyToText: (text, context) => {
        coreCalls += 1;
        return core.replyToText(text, context);
      },
    },
    log,
  });
});

afterAll(async () => {
  await adapter?.stop();
  // Pitfall S5: let the client finish its close handshake before the server goes.
  await socket?.closed;
  await Promise.all([socket?.close(), webApi?.close(), responses?.close(), emulator?.stop()]);
});

it('connects with the app token and listens on no port', async () => {
  expect(adapter.mode).toBe('socket');
  expect(adapter.port).toBeUndefined();
  const open = await webApi.waitForCall('apps.connections.open');
  expect(open.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
  await socket.connected;
});

it('acks the envelope, then answers through the response_url', async () => {
  emulator.addLivestream({ name: 'Socket show', status: 'LIVE' });
  const payload = slashCommandForm({
    text: 'list live',
    response_url: responses.urlFor('s1'),
    trigger_id: 't-s1',
  });
  const ack = await socket.deliver({ type: 'slash_commands', payload, envelopeId: 'env-s1' });
  expect(ack.envelope_id).toBe('env-s1');
  const response = await responses.next('s1');
  expect(response.at).toBeGreaterThanOrEqual(ack.at);
  expect(response.body.response_type).toBe('ephemeral');
  expect(blocksText(response.body.blocks)).toContain('Socket show');
});

it('acks before a slow API answer', async () => {
  emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 1_500 });
  const payload = slashCommandForm({
    text: 'list',
    response_url: responses.urlFor('s2'),
    trigger_id: 't-s2',
  });
  const ack = await socket.deliver({ type: 'slash_commands', payload });
  expect(responses.responses.filter((r) => r.id === 's2')).toHaveLength(0);
  const response = await responses.next('s2');
  expect(response.at - ack.at).toBeGreaterThanOrEqual(1_400);
});

it('acks a redelivered envelope but runs the command once', async () => {
  const before = coreCalls;
  const payload = slashCommandForm({
    text: 'create Socket once',
    response_url: responses.urlFor('s3'),
    trigger_id: 't-s3',
  });
  await socket.deliver({ type: 'slash_commands', payload, envelopeId: 'env-s3' });
  const again = await socket.deliver({
    type: 'slash_commands',
    payload,
    envelopeId: 'env-s3b',
    retryAttempt: 1,
  });
  expect(again.envelope_id).toBe('env-s3b');
  await responses.next('s3');
  expect(coreCalls - before).toBe(1);
  expect(emulator.livestreams().filter((l) => l.name === 'Socket once')).toHaveLength(1);
});

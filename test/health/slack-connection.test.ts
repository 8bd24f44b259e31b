/**
 * What /readyz reads of Slack: in Socket Mode, whether the WebSocket is up (the real Bolt receiver
 * against the fake Socket Mode endpoint, which then goes away); in HTTP mode, always (it listens).
 */
import { afterEach, expect, it, vi } from 'vitest';
import { type SlackAdapter, startSlackAdapter } from '../../adapters/slack/app.js';
import type { Core } from '../../src/core.js';
import { silentLogger } from '../../src/log.js';
import { reply } from '../../src/reply.js';
import { type FakeSocketModeServer, startFakeSocketModeServer } from '../fakes/slack-socket.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const core: Core = {
  replyToText: async () => reply({ title: 'unused' }),
  replyToCommand: async () => reply({ title: 'unused' }),
};

let webApi: FakeSlackWebApi | null = null;
let socket: FakeSocketModeServer | null = null;
let adapter: SlackAdapter | null = null;
afterEach(async () => {
  await adapter?.stop();
  adapter = null;
  await Promise.all([socket?.close(), webApi?.close()]);
  socket = null;
  webApi = null;
});

const config = (apiUrl: string, appToken: string | null) => ({
  botToken: 'xoxb-connection-test',
  signingSecret: appToken ? null : 'secret',
  appToken,
  apiUrl,
  port: 0,
  notifyChannel: null,
  managers: [],
});

it('Socket Mode: connected while the WebSocket is up, not once it drops', async () => {
  webApi = await startFakeSlackWebApi();
  socket = await startFakeSocketModeServer();
  webApi.script('apps.connections.open', { body: { ok: true, url: socket.url } }, 1);
  // Reconnecting finds no endpoint: Slack is unreachable for as long as the test looks.
  webApi.script('apps.connections.open', { body: { ok: false, error: 'internal_error' } }, 100);
  adapter = await startSlackAdapter({
    config: config(webApi.apiUrl, 'xapp-1-connection'),
    core,
    log: silentLogger,
  });
  expect(adapter.connected()).toBe(true);
  await socket.close();
  await vi.waitFor(() => expect(adapter!.connected()).toBe(false), { timeout: 5_000 });
});

it('HTTP mode: connected once listening', async () => {
  webApi = await startFakeSlackWebApi();
  adapter = await startSlackAdapter({
    config: config(webApi.apiUrl, null),
    core,
    log: silentLogger,
    host: '127.0.0.1',
  });
  expect(adapter.connected()).toBe(true);
});

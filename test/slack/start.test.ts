/** Starting and stopping: clear errors for bad configuration, and nothing left listening. */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSlackAdapter } from '../../adapters/slack/app.js';
import type { SlackConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { silentLogger } from '../../src/log.js';
import { reply } from '../../src/reply.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const core: Core = {
  replyToText: async () => reply({ title: 'unused' }),
  replyToCommand: async () => reply({ title: 'unused' }),
};

let webApi: FakeSlackWebApi;
beforeAll(async () => {
  webApi = await startFakeSlackWebApi();
});
afterAll(async () => {
  await webApi?.close();
});

const config = (overrides: Partial<SlackConfig> = {}): SlackConfig => ({
  botToken: 'xoxb-start-test',
  signingSecret: 'secret',
  appToken: null,
  apiUrl: webApi.apiUrl,
  port: 0,
  notifyChannel: null,
  managers: [],
  ...overrides,
});

it('a rejected bot token stops the start with a message naming SLACK_BOT_TOKEN', async () => {
  webApi.script('auth.test', { body: { ok: false, error: 'invalid_auth' } });
  await expect(
    startSlackAdapter({ config: config(), core, log: silentLogger, host: '127.0.0.1' }),
  ).rejects.toThrow(/SLACK_BOT_TOKEN.*invalid_auth/);
});

it('a busy port stops the start with a message naming PORT', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    await expect(
      startSlackAdapter({ config: config({ port }), core, log: silentLogger, host: '127.0.0.1' }),
    ).rejects.toThrow(/PORT/);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

it('HTTP mode without a signing secret is refused', async () => {
  await expect(
    startSlackAdapter({ config: config({ signingSecret: null }), core, log: silentLogger }),
  ).rejects.toThrow(/SLACK_SIGNING_SECRET/);
});

it('stop() closes the HTTP port', async () => {
  const adapter = await startSlackAdapter({ config: config(), core, log: silentLogger, host: '127.0.0.1' });
  expect(adapter.mode).toBe('http');
  const url = `http://127.0.0.1:${adapter.port}/slack/events`;
  await adapter.stop();
  await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
});

it('a refused app token stops a Socket Mode start with a message naming SLACK_APP_TOKEN', async () => {
  webApi.script('apps.connections.open', { body: { ok: false, error: 'invalid_auth' } });
  await expect(
    startSlackAdapter({
      config: config({ appToken: 'xapp-1-bad', signingSecret: null }),
      core,
      log: silentLogger,
    }),
  ).rejects.toThrow(/SLACK_APP_TOKEN.*invalid_auth/);
});

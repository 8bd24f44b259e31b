/**
 * Slack start-up says what is really wrong: a Slack it cannot reach (no network, DNS, a timeout) is
 * not a refused token, and people must not regenerate good tokens because the network is down.
 * Through the real adapter (Bolt's auth.test) and, for the whole sentence, the real bot process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type SlackAdapterOptions, startSlackAdapter } from '../../adapters/slack/app.js';
import type { SlackConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { reply } from '../../src/reply.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';
import { botEnv, startBot, stopAll } from './bot-process.js';

const core: Core = {
  replyToText: async () => reply({ title: 'unused' }),
  replyToCommand: async () => reply({ title: 'unused' }),
};

let slackApi: FakeSlackWebApi;
/** Accepts connections and never answers. */
let silent: Server;
const silentSockets = new Set<Socket>();
beforeAll(async () => {
  slackApi = await startFakeSlackWebApi();
  silent = createServer(() => {});
  silent.on('connection', (socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await slackApi?.close();
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

let emulator: Emulator | null = null;
let dataDir = '';
afterEach(async () => {
  await stopAll();
  await emulator?.stop();
  emulator = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = '';
});

const config = (overrides: Partial<SlackConfig> = {}): SlackConfig => ({
  botToken: 'xoxb-start-test',
  signingSecret: 'secret',
  appToken: null,
  apiUrl: slackApi.apiUrl,
  port: 0,
  notifyChannel: null,
  managers: [],
  ...overrides,
});

/** A port nothing listens on: bound, read, and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startError(
  overrides: Partial<SlackConfig>,
  options: Pick<SlackAdapterOptions, 'clientTimeoutMs'> = {},
): Promise<string> {
  try {
    const adapter = await startSlackAdapter({
      config: config(overrides),
      core,
      log: silentLogger,
      host: '127.0.0.1',
      ...options,
    });
    await adapter.stop();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('the adapter started');
}

it('a Slack that refuses connections is "could not reach Slack", not a refused token', async () => {
  const port = await closedPort();
  const message = await startError({ apiUrl: `http://127.0.0.1:${port}/api` });
  expect(message).toMatch(/^could not reach Slack \(ECONNREFUSED 127\.0\.0\.1:\d+\)/);
  expect(message).not.toMatch(/did not accept|refused the token/);
  expect(message).toContain('SLACK_API_URL');
});

it('a name that does not resolve (no network, no DNS) is "could not reach Slack (ENOTFOUND host)"', async () => {
  const message = await startError({ apiUrl: 'http://slack.invalid/api' });
  expect(message).toMatch(/^could not reach Slack \(ENOTFOUND slack\.invalid\)/);
  expect(message).toContain('network');
});

it("a refused token says so, with Slack's code", async () => {
  slackApi.script('auth.test', { body: { ok: false, error: 'invalid_auth' } });
  const message = await startError({});
  expect(message).toMatch(/^Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
  expect(message).toContain('OAuth & Permissions');
});

it('Slack answering with a server error is neither a refused token nor unreachable', async () => {
  slackApi.script('auth.test', { status: 503, body: { ok: false } });
  const message = await startError({});
  expect(message).toMatch(/^Slack answered HTTP 503/);
  expect(message).not.toContain('refused');
});

it('a Slack that never answers is "could not reach Slack (no answer after N s)"', async () => {
  // Through the adapter, with a short client timeout (its default is SLACK_CLIENT_OPTIONS' 15 s).
  const { port } = silent.address() as AddressInfo;
  const asked = performance.now();
  const message = await startError({ apiUrl: `http://127.0.0.1:${port}/api` }, { clientTimeoutMs: 300 });
  expect(performance.now() - asked).toBeLessThan(5_000);
  expect(message).toMatch(/^could not reach Slack \(no answer after 0\.3 s\)/);
  expect(message).not.toMatch(/did not accept|refused the token/);
});

it('the bot process with no way to Slack says "could not reach Slack" in one plain sentence and exits 1', async () => {
  emulator = createEmulator({ seed: 41 });
  await emulator.start();
  dataDir = mkdtempSync(join(tmpdir(), 'startup-slack-'));
  const bot = startBot({
    ...botEnv(emulator, dataDir),
    SLACK_BOT_TOKEN: 'xoxb-good-token-0000',
    SLACK_SIGNING_SECRET: 'secret',
    SLACK_API_URL: 'http://slack.invalid/api',
    PORT: '0',
  });
  expect(await bot.exited).toMatchObject({ code: 1 });
  const lines = bot.stderr().split('\n');
  const failure = lines.find((line) => line.includes('could not reach Slack'));
  expect(failure).toMatch(/^Start-up failed: could not reach Slack \(ENOTFOUND slack\.invalid\)/);
  // A sentence, not a JSON log record, and no token in it.
  expect(bot.stderr()).not.toContain('"start-up failed"');
  expect(bot.stderr()).not.toContain('xoxb-good-token-0000');
});

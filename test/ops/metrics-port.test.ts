/**
 * METRICS_PORT must be a port of its own: the same number as PORT, where the public Slack HTTP mode or
 * webhooks are served, is a configuration problem naming both (health and metrics must never ride on
 * the public ingress), told by the real bot process like every other one, before anything starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { botEnv, startBot, stopAll } from '../faults/bot-process.js';

let emulator: Emulator | null = null;
const scratch: string[] = [];
afterEach(async () => {
  await stopAll();
  await emulator?.stop();
  emulator = null;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function apiEnv(seed: number): Promise<Record<string, string>> {
  emulator = createEmulator({ seed });
  await emulator.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'metrics-port-'));
  scratch.push(dataDir);
  return botEnv(emulator, dataDir);
}

const slackHttp = { SLACK_BOT_TOKEN: 'xoxb-metrics-port', SLACK_SIGNING_SECRET: 'secret' };

it.each([
  ['Slack in HTTP mode', slackHttp, "Slack's HTTP mode"],
  ['webhooks', { PUBLIC_URL: 'https://bot.example.com' }, 'RealtimeKit webhooks'],
])('METRICS_PORT equal to PORT with %s is a configuration problem naming both', async (_, env, what) => {
  const bot = startBot({ ...(await apiEnv(91)), ...env, PORT: '39123', METRICS_PORT: '39123' });
  expect(await bot.exited).toMatchObject({ code: 1 });
  const text = bot.stderr();
  expect(text).toMatch(/^Configuration problem:\n {2}- METRICS_PORT \(39123\) is also PORT/);
  expect(text).toContain(what);
  expect(bot.logs()).toEqual([]); // nothing started
});

it('METRICS_PORT equal to PORT is fine when nothing listens on PORT (Slack over Socket Mode)', async () => {
  const bot = startBot({
    ...(await apiEnv(92)),
    ...slackHttp,
    SLACK_APP_TOKEN: 'xapp-metrics-port',
    SLACK_API_URL: 'http://127.0.0.1:9/api', // refused at once
    PORT: '39124',
    METRICS_PORT: '39124',
  });
  // It gets past the configuration (and fails later, reaching a Slack that is not there).
  expect(await bot.exited).toMatchObject({ code: 1 });
  expect(bot.stderr()).not.toContain('Configuration problem');
});

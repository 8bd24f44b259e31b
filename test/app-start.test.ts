/**
 * A start that fails part-way (here: Slack refuses the bot token) undoes what it had started: the state
 * store is closed, so its DATA_DIR lock is released, and a demo's temporary DATA_DIR is removed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createEmulator, type Emulator } from '../src/emulator/emulator.js';
import { silentLogger } from '../src/log.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from './fakes/slack-web-api.js';

let slack: FakeSlackWebApi;
let scratch: string;
const savedTmp = process.env.TMPDIR;
beforeEach(async () => {
  slack = await startFakeSlackWebApi();
  slack.script('auth.test', { body: { ok: false, error: 'invalid_auth' } });
  scratch = mkdtempSync(join(tmpdir(), 'app-start-'));
});
afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await slack.close();
  rmSync(scratch, { recursive: true, force: true });
});

const io = () => ({ stdin: new PassThrough(), stdout: new PassThrough(), interactive: false });
const slackEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-refused',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_API_URL: slack.apiUrl,
  PORT: '0',
});

it('a failed start closes the store: its DATA_DIR is free again', async () => {
  const emulator: Emulator = createEmulator({ seed: 3 });
  await emulator.start();
  try {
    const dataDir = join(scratch, 'data');
    const config = loadConfig({ ...emulator.settings(), ...slackEnv(), DATA_DIR: dataDir });
    await expect(startApp(config, silentLogger, io())).rejects.toThrow(/SLACK_BOT_TOKEN/);
    // The pid file is written while the lock is held and removed when the store closes.
    expect(existsSync(join(dataDir, 'livestream-chatops.pid'))).toBe(false);
  } finally {
    await emulator.stop();
  }
});

it('a failed demo start removes its temporary DATA_DIR', async () => {
  process.env.TMPDIR = scratch;
  const config = loadConfig({ ...slackEnv() });
  await expect(startApp(config, silentLogger, { ...io(), allowDemo: true })).rejects.toThrow(
    /SLACK_BOT_TOKEN/,
  );
  expect(readdirSync(scratch).filter((name) => name.startsWith('livestream-chatops-demo-'))).toEqual([]);
});

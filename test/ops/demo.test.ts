/**
 * Demo data never reaches real people unmarked: without Cloudflare settings a chat platform starts only
 * with DEMO=1 (startApp's `allowDemo`), and then every reply (through the real Bolt app) and every
 * notification (through the real Slack and Discord sinks) carries the DEMO notice in its footer, which
 * each renderer shows. The terminal demo, which says DEMO in its banner, is left as it was.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { REST } from 'discord.js';
import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../../adapters/slack/sink.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { demoSink } from '../../src/ops/demo.js';
import { DEMO_NOTICE, reply } from '../../src/reply.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { blocksText } from '../fakes/slack-harness.js';
import { type ResponseRecorder, startResponseRecorder } from '../fakes/slack-responses.js';
import { sendSlashCommand } from '../fakes/slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const SIGNING_SECRET = 'demo-test-signing-secret-0123456789';

let fake: FakeSlackWebApi;
let responses: ResponseRecorder;
let scratch: string;
let app: RunningApp | null = null;
const savedTmp = process.env.TMPDIR;
beforeEach(async () => {
  fake = await startFakeSlackWebApi();
  responses = await startResponseRecorder();
  scratch = mkdtempSync(join(tmpdir(), 'demo-marker-'));
  process.env.TMPDIR = scratch; // the demo's temporary DATA_DIR goes here
});
afterEach(async () => {
  await app?.stop();
  app = null;
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await Promise.all([fake.close(), responses.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

const io = () => ({ stdin: new PassThrough(), stdout: new PassThrough(), interactive: false });
const slackEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-demo-marker',
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: fake.apiUrl,
  PORT: '0',
});
const demoFolders = () => readdirSync(scratch).filter((name) => name.startsWith('livestream-chatops-demo-'));

it('without DEMO=1, Slack on demo data is a configuration problem, and nothing is started', async () => {
  const error = await startApp(loadConfig(slackEnv()), silentLogger, io()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(/^Slack is configured but Cloudflare is not/),
  ]);
  expect(fake.calls).toEqual([]); // not even auth.test
  expect(demoFolders()).toEqual([]);
});

it('with DEMO=1, every answer in Slack says DEMO', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
  app = await startApp(loadConfig(slackEnv()), log, { ...io(), allowDemo: true });
  const port = (JSON.parse(lines.find((line) => line.includes('Slack adapter started'))!) as { port: number })
    .port;
  for (const [id, text] of [
    ['list', 'list'],
    ['help', 'help'],
    ['typo', 'frobnicate'],
  ] as const) {
    const sent = await sendSlashCommand({
      url: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      fields: { text, channel_id: 'C0DEMO', response_url: responses.urlFor(id), trigger_id: `trigger-${id}` },
    });
    expect(sent.status).toBe(200);
    const answer = await responses.next(id);
    expect(`${String(answer.body.text)}\n${blocksText(answer.body.blocks)}`).toContain(DEMO_NOTICE);
  }
});

it('with DEMO=1, the app marks its notifications: a demo stream going LIVE posts to SLACK_NOTIFY_CHANNEL with the DEMO notice', async () => {
  const clock = new ManualClock();
  app = await startApp(loadConfig({ ...slackEnv(), SLACK_NOTIFY_CHANNEL: 'C0NOTIFY' }), silentLogger, {
    ...io(),
    allowDemo: true,
    clock,
  });
  // The poller, the sender and the demo script all wait on the clock; the script's first change is due
  // 5 s after the first poll.
  await vi.waitFor(() => expect(clock.sleeping).toBe(3), { timeout: 5_000, interval: 5 });
  clock.advance(5_000);
  const post = await fake.waitForCall('chat.postMessage', (call) => call.params.channel === 'C0NOTIFY');
  expect(blocksText(post.params.blocks)).toMatch(/is live/);
  expect(blocksText(post.params.blocks)).toContain(DEMO_NOTICE);
});

it('notifications through the real Slack and Discord sinks carry the DEMO notice, posts and edits', async () => {
  const slack = demoSink(
    createSlackSink({
      client: new webApi.WebClient('xoxb-demo-marker', {
        ...SLACK_CLIENT_OPTIONS,
        slackApiUrl: `${fake.apiUrl}/`,
      }),
      log: silentLogger,
    }),
  );
  const notice = reply({ title: 'Town hall is live', tone: 'live', visibility: 'channel' });
  const { messageId } = await slack.post('C0DEMO', notice);
  await slack.edit('C0DEMO', messageId, { ...notice, title: 'Town hall ended' });
  const [post, edit] = fake.calls.filter((call) => call.method.startsWith('chat.'));
  expect(blocksText(post!.params.blocks)).toContain(DEMO_NOTICE);
  expect(blocksText(edit!.params.blocks)).toContain(DEMO_NOTICE);

  const discord = await startFakeDiscord({ applicationId: '1100000000000000001' });
  try {
    const rest = new REST(discordSinkRestOptions({ apiUrl: discord.restUrl })).setToken('demo-token');
    await demoSink(createDiscordSink({ rest })).post('1100000000000000003', notice);
    const [message] = discord.messages;
    expect(JSON.stringify(message!.body)).toContain(DEMO_NOTICE);
  } finally {
    await discord.close();
  }
});

it('the terminal demo is not marked reply by reply (its banner says DEMO)', async () => {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  app = await startApp(loadConfig({}), silentLogger, { stdin, stdout, interactive: false });
  stdin.end('list\n');
  await app.done;
  expect(printed).toContain('livestream-chatops DEMO');
  expect(printed).toContain('Livestreams');
  expect(printed).not.toContain(DEMO_NOTICE);
});

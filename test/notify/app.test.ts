/**
 * The whole app as `npm start` wires it (`startApp`): Bolt in HTTP mode against the fake Slack Web API,
 * the emulator as the RealtimeKit API, the real poller and sender on real time (POLL_INTERVAL_SECONDS
 * 0.05) and SQLite in a temporary DATA_DIR. Every wait is for an event: a log line, a response_url
 * answer, a Slack call, an API request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import {
  clientSettingsOf,
  createEmulator,
  type Emulator,
  type RecordedRequest,
} from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { type PlatformCall, type SlackScript, scriptSlack } from '../fakes/platform-outage.js';
import { blocksText } from '../fakes/slack-harness.js';
import { type ResponseRecorder, startResponseRecorder } from '../fakes/slack-responses.js';
import { sendSlashCommand } from '../fakes/slack-signer.js';
import { type FakeSlackWebApi, type SlackApiCall, startFakeSlackWebApi } from '../fakes/slack-web-api.js';

const SIGNING_SECRET = 'app-test-signing-secret-0123456789';
const BOT_TOKEN = 'xoxb-app-test-bot-token';

let emulator: Emulator;
let fake: FakeSlackWebApi;
let slack: SlackScript;
let responses: ResponseRecorder;
let dataDir: string;
const running = new Set<RunningApp>();

beforeEach(async () => {
  emulator = createEmulator({ seed: 17 });
  await emulator.start();
  fake = await startFakeSlackWebApi();
  slack = scriptSlack(fake);
  responses = await startResponseRecorder();
  dataDir = mkdtempSync(join(tmpdir(), 'app-notify-'));
});
afterEach(async () => {
  for (const app of running) await app.stop();
  running.clear();
  await Promise.all([emulator.stop(), fake.close(), responses.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  app: RunningApp;
  eventsUrl: string;
  /** Resolves with the first log record (past or future) whose message contains `text`. */
  waitForLog(text: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** One process: `startApp` with this config; another call on the same DATA_DIR is a restart. */
async function start(options: { notifyChannel?: string } = {}): Promise<Started> {
  const settings = emulator.settings();
  const config: Config = {
    realtimekit: {
      mode: 'api',
      ...clientSettingsOf(settings),
    },
    logLevel: 'debug',
    slack: {
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      appToken: null,
      apiUrl: fake.apiUrl,
      port: 0,
      notifyChannel: options.notifyChannel ?? null,
      managers: [],
    },
    discord: null,
    notify: {
      pollIntervalSeconds: 0.05,
      // Large enough that 0.05 s is never stretched.
      requestBudget: 1_000_000,
      dataDir,
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
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
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), interactive: false };
  const app = await startApp(config, log, io);
  running.add(app);
  const find = (text: string) => records.find((record) => String(record.msg).includes(text));
  const waitForLog = (text: string, timeoutMs = 5_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const waiter = () => {
        const hit = find(text);
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
  const started = await waitForLog('Slack adapter started');
  return {
    app,
    eventsUrl: `http://127.0.0.1:${String(started.port)}/slack/events`,
    waitForLog,
    async stop() {
      running.delete(app);
      await app.stop();
    },
  };
}

let commands = 0;
/** A signed `/livestream <text>` typed in `channelId`; resolves with what the bot answered there. */
async function slash(started: Started, channelId: string, text: string) {
  commands += 1;
  const id = `app-${commands}`;
  const sent = await sendSlashCommand({
    url: started.eventsUrl,
    signingSecret: SIGNING_SECRET,
    fields: { text, channel_id: channelId, response_url: responses.urlFor(id), trigger_id: `trigger-${id}` },
  });
  expect(sent.status).toBe(200);
  const answer = await responses.next(id);
  return `${String(answer.body.text)}\n${blocksText(answer.body.blocks)}`;
}

/** Resolves with the next API request (from now on) that matches. */
function nextApiRequest(match: (request: RecordedRequest) => boolean, timeoutMs = 5_000) {
  return new Promise<RecordedRequest>((resolve, reject) => {
    const off = emulator.onRequest((request) => {
      if (!match(request)) return;
      off();
      clearTimeout(timer);
      resolve(request);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching API request within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

const isErroredList = (request: RecordedRequest) =>
  request.path === 'livestreams' && request.query.status === 'ERRORED';

function titleOf(call: PlatformCall<SlackApiCall>): string {
  const blocks = call.request.params.blocks as { type: string; text?: { text?: string } }[];
  return blocks.find((block) => block.type === 'header')?.text?.text ?? '';
}
const summary = () => slack.accepted.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);

it('a /livestream subscribe made in Slack gets the LIVE post; a restart on the same DATA_DIR repeats nothing and announces what changed while it was down, once', async () => {
  const launch = emulator.addLivestream({ name: 'Launch', status: 'IDLE' });
  const second = emulator.addLivestream({ name: 'Second', status: 'IDLE' });
  const third = emulator.addLivestream({ name: 'Third', status: 'IDLE' });

  const first = await start();
  await first.waitForLog('baseline recorded');
  expect(await slash(first, 'C0SUB', 'subscribe')).toContain('Subscribed');
  emulator.setStatus(launch.id, 'LIVE');
  await slack.waitForCalls(1);
  expect(summary()).toEqual(['post C0SUB Launch is live']);
  expect(slack.accepted[0]!.request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  expect(blocksText(slack.accepted[0]!.request.params.blocks)).toContain(launch.id);
  await first.stop();

  // While no bot runs: Launch ends, Second goes live.
  emulator.setStatus(launch.id, 'IDLE');
  emulator.setStatus(second.id, 'LIVE');

  const restarted = await start();
  await slack.waitForCalls(3, 10_000);
  // Both changes were seen by the same cycle: their order is the API's listing order.
  expect(summary().slice(1).sort()).toEqual(['edit C0SUB Launch ended', 'post C0SUB Second is live']);
  // The edit is of the message the first process posted.
  expect(slack.accepted.find((call) => call.op === 'edit')!.messageId).toBe(slack.accepted[0]!.messageId);

  // Let the new process run a further cycle, then make one more change: deliveries to a channel go in
  // order, so when its post arrives anything repeated by an earlier cycle would have arrived first.
  await nextApiRequest(isErroredList, 10_000);
  emulator.setStatus(third.id, 'LIVE');
  await slack.waitForCalls(4, 10_000);
  expect(summary()).toHaveLength(4);
  expect(summary()[3]).toBe('post C0SUB Third is live');
  expect(slack.refused).toEqual([]);
  for (const stream of [launch, second, third])
    expect(JSON.stringify(fake.calls)).not.toContain(stream.stream_key);
  await restarted.stop();
});

it('SLACK_NOTIFY_CHANNEL is an always-on default channel: notified with no subscribe, and listed as set by the configuration', async () => {
  const show = emulator.addLivestream({ name: 'Default show', status: 'IDLE' });
  const app = await start({ notifyChannel: 'C0DEFAULT' });
  await app.waitForLog('baseline recorded');
  emulator.setStatus(show.id, 'LIVE');
  await slack.waitForCalls(1);
  expect(summary()).toEqual(['post C0DEFAULT Default show is live']);

  const listed = await slash(app, 'C0DEFAULT', 'subscriptions');
  expect(listed).toContain('Every livestream');
  expect(listed).toContain('configuration');
  await app.stop();
});

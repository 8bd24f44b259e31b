/**
 * The whole app as `npm start` wires it (`startApp`): Bolt in HTTP mode against the fake Slack Web API,
 * the emulator as the RealtimeKit API, the real poller and sender on real time (POLL_INTERVAL_SECONDS
 * 0.05) and SQLite in a temporary DATA_DIR. Every wait is for an event: a log line, a response_url
 * answer, a Slack call, an API request.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/emulator/emulator.js';
import {
  answerText,
  createSlackAppRig,
  RIG_SLACK_BOT_TOKEN as BOT_TOKEN,
  type SlackAppRig,
  type StartedSlackApp,
} from '../fakes/app-rig.js';
import { type PlatformCall, type SlackScript, scriptSlack } from '../fakes/platform-outage.js';
import { blocksText } from '../fakes/slack-harness.js';
import type { SlackApiCall } from '../fakes/slack-web-api.js';

let rig: SlackAppRig;
let slack: SlackScript;

beforeEach(async () => {
  rig = await createSlackAppRig({ seed: 17 });
  slack = scriptSlack(rig.slackApi);
});
afterEach(() => rig.close());

/** One process: `startApp` on the rig's DATA_DIR; another call is a restart. */
function start(options: { notifyChannel?: string } = {}): Promise<StartedSlackApp> {
  return rig.start({
    // Large enough that 0.05 s is never stretched.
    notify: { pollIntervalSeconds: 0.05, requestBudget: 1_000_000 },
    slack: { notifyChannel: options.notifyChannel ?? null },
  });
}

/** A signed `/livestream <text>` typed in `channelId`; resolves with what the bot answered there. */
async function slash(started: StartedSlackApp, channelId: string, text: string) {
  return answerText(await started.slash(text, { channel_id: channelId }));
}

/** Resolves with the next API request (from now on) that matches. */
function nextApiRequest(match: (request: RecordedRequest) => boolean, timeoutMs = 5_000) {
  return new Promise<RecordedRequest>((resolve, reject) => {
    const off = rig.emulator.onRequest((request) => {
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
  const launch = rig.emulator.addLivestream({ name: 'Launch', status: 'IDLE' });
  const second = rig.emulator.addLivestream({ name: 'Second', status: 'IDLE' });
  const third = rig.emulator.addLivestream({ name: 'Third', status: 'IDLE' });

  const first = await start();
  await first.waitForLog('baseline recorded');
  expect(await slash(first, 'C0SUB', 'subscribe')).toContain('Subscribed');
  rig.emulator.setStatus(launch.id, 'LIVE');
  await slack.waitForCalls(1);
  expect(summary()).toEqual(['post C0SUB Launch is live']);
  expect(slack.accepted[0]!.request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
  expect(blocksText(slack.accepted[0]!.request.params.blocks)).toContain(launch.id);
  await first.stop();

  // While no bot runs: Launch ends, Second goes live.
  rig.emulator.setStatus(launch.id, 'IDLE');
  rig.emulator.setStatus(second.id, 'LIVE');

  const restarted = await start();
  await slack.waitForCalls(3, 10_000);
  // Both changes were seen by the same cycle: their order is the API's listing order.
  expect(summary().slice(1).sort()).toEqual(['edit C0SUB Launch ended', 'post C0SUB Second is live']);
  // The edit is of the message the first process posted.
  expect(slack.accepted.find((call) => call.op === 'edit')!.messageId).toBe(slack.accepted[0]!.messageId);

  // Let the new process run a further cycle, then make one more change: deliveries to a channel go in
  // order, so when its post arrives anything repeated by an earlier cycle would have arrived first.
  await nextApiRequest(isErroredList, 10_000);
  rig.emulator.setStatus(third.id, 'LIVE');
  await slack.waitForCalls(4, 10_000);
  expect(summary()).toHaveLength(4);
  expect(summary()[3]).toBe('post C0SUB Third is live');
  expect(slack.refused).toEqual([]);
  for (const stream of [launch, second, third])
    expect(JSON.stringify(rig.slackApi.calls)).not.toContain(stream.stream_key);
  await restarted.stop();
});

it('SLACK_NOTIFY_CHANNEL is an always-on default channel: notified with no subscribe, and listed as set by the configuration', async () => {
  const show = rig.emulator.addLivestream({ name: 'Default show', status: 'IDLE' });
  const app = await start({ notifyChannel: 'C0DEFAULT' });
  await app.waitForLog('baseline recorded');
  rig.emulator.setStatus(show.id, 'LIVE');
  await slack.waitForCalls(1);
  expect(summary()).toEqual(['post C0DEFAULT Default show is live']);

  const listed = await slash(app, 'C0DEFAULT', 'subscriptions');
  expect(listed).toContain('Every livestream');
  expect(listed).toContain('configuration');
  await app.stop();
});

/**
 * Slack and Discord configured together in one `startApp`, as a bot serving both runs: a channel
 * subscribed on each, one livestream goes LIVE, and each platform gets exactly one post, in its own
 * channel. Real Bolt (HTTP mode) and discord.js against their fakes, the emulator as the API, the real
 * poller and sender on real time (POLL_INTERVAL_SECONDS 0.05); every wait is for an event.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecordedRequest } from '../../src/emulator/emulator.js';
import {
  answerText,
  createSlackAndDiscordAppRig,
  type SlackAndDiscordAppRig,
  type StartedSlackApp,
} from '../fakes/app-rig.js';
import { chatInputInteraction } from '../fakes/discord-interactions.js';
import {
  type DiscordScript,
  type SlackScript,
  scriptDiscord,
  scriptSlack,
} from '../fakes/platform-outage.js';

const APP_ID = '1400000000000000001';
const GUILD_ID = '1400000000000000002';
const DISCORD_CHANNEL = '1400000000000000003';
const SLACK_CHANNEL = 'C0BOTH';

let rig: SlackAndDiscordAppRig;
let slack: SlackScript;
let discord: DiscordScript;
let app: StartedSlackApp;

beforeAll(async () => {
  rig = await createSlackAndDiscordAppRig({
    seed: 43,
    discord: { applicationId: APP_ID, guilds: [{ id: GUILD_ID, channels: [{ id: DISCORD_CHANNEL }] }] },
  });
  slack = scriptSlack(rig.slackApi);
  discord = scriptDiscord(rig.discord);
  // Large enough that 0.05 s is never stretched.
  app = await rig.start({ notify: { pollIntervalSeconds: 0.05, requestBudget: 1_000_000 } });
  await app.waitForLog('discord connected');
  await app.waitForLog('baseline recorded');
});
afterAll(() => rig?.close());

/** `/livestream subscribe` in the Discord channel; resolves with the text of the answer. */
async function subscribeOnDiscord(): Promise<string> {
  const interaction = chatInputInteraction({
    applicationId: APP_ID,
    guildId: GUILD_ID,
    channelId: DISCORD_CHANNEL,
    subcommand: 'subscribe',
    options: {},
    userId: '1400000000000000009',
  });
  const callback = rig.discord.waitForRequest(
    (r) => r.method === 'POST' && r.route === `/interactions/${interaction.id}/${interaction.token}/callback`,
  );
  rig.discord.dispatch('INTERACTION_CREATE', interaction.payload);
  return JSON.stringify((await callback).body);
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

it('a channel subscribed on each platform: one stream goes LIVE, exactly one post on each, in its channel', async () => {
  const show = rig.emulator.addLivestream({ name: 'Both platforms show', status: 'IDLE' });
  expect(answerText(await app.slash('subscribe', { channel_id: SLACK_CHANNEL }))).toContain('Subscribed');
  expect(await subscribeOnDiscord()).toContain('Subscribed');

  rig.emulator.setStatus(show.id, 'LIVE');
  await Promise.all([slack.waitForCalls(1), discord.waitForCalls(1)]);
  // Two more full cycles after both posts: a repeat, or a post crossing platforms, would have come.
  await nextApiRequest(isErroredList);
  await nextApiRequest(isErroredList);

  expect(slack.accepted.map((call) => [call.op, call.channelId])).toEqual([['post', SLACK_CHANNEL]]);
  expect(discord.accepted.map((call) => [call.op, call.channelId])).toEqual([['post', DISCORD_CHANNEL]]);
  expect(JSON.stringify(slack.accepted[0]!.request.params)).toContain('Both platforms show is live');
  expect(JSON.stringify(discord.accepted[0]!.request.body)).toContain('Both platforms show is live');
  expect([...slack.refused, ...discord.refused]).toEqual([]);
});

/**
 * Slack and Discord down (5xx) and then rate limiting (429) for a while, through the real sinks (Slack's
 * WebClient with the adapter's options, Discord's REST) against the fake platforms: notifications wait in
 * the outbox (a restart in the middle loses none) and afterwards all arrive, once each, in order.
 */
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../../adapters/slack/sink.js';
import { silentLogger } from '../../src/log.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';
import { createRig, queryState, type Rig, subscribe, TimedSink, toldStreams } from './support.js';

const DISCORD_CHANNEL = '1100000000000000100';
const SLACK_CHANNEL = 'C0NOTIFY';
const DOWN_CALLS = 6;

let slackApi: FakeSlackWebApi;
let discordApi: FakeDiscord;
let slack: TimedSink;
let discord: TimedSink;
let rig: Rig;

beforeEach(async () => {
  slackApi = await startFakeSlackWebApi();
  discordApi = await startFakeDiscord({ applicationId: '1100000000000000001' });
  rig = await createRig({
    sinks: (clock) => {
      const client = new webApi.WebClient('xoxb-faults-token', {
        ...SLACK_CLIENT_OPTIONS,
        slackApiUrl: `${slackApi.apiUrl}/`,
      });
      slack = new TimedSink(createSlackSink({ client, log: silentLogger }), clock);
      const rest = new REST({ api: discordApi.restUrl, version: '10', retries: 0 }).setToken('faults-token');
      discord = new TimedSink(createDiscordSink({ rest }), clock);
      return [slack, discord];
    },
  });
  await subscribe(rig.store, 'slack', SLACK_CHANNEL);
  await subscribe(rig.store, 'discord', DISCORD_CHANNEL);
});
afterEach(async () => {
  await rig.close();
  await slackApi.close();
  await discordApi.close();
});

const DISCORD_MESSAGES = /^\/channels\/\d+\/messages(\/\d+)?$/;

describe('Slack and Discord down, then rate limiting', () => {
  it('messages wait in the outbox, survive a restart, and all arrive once, in order', async () => {
    const names = ['First', 'Second', 'Third', 'Fourth'];
    const streams = names.map((name) => rig.emulator.addLivestream({ name, status: 'IDLE' }));
    await rig.poller.runCycle();

    // Down: every call a 5xx, for longer than the streams take to change.
    slackApi.script('chat.postMessage', { status: 503, body: { ok: false } }, DOWN_CALLS);
    discordApi.answer(
      'POST',
      DISCORD_MESSAGES,
      { status: 503, body: { message: 'down', code: 0 } },
      DOWN_CALLS,
    );
    // Then "slow down" twice: Slack says wait 30 s; Discord's REST waits out its own short Retry-After.
    slackApi.script(
      'chat.postMessage',
      { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } },
      2,
    );
    discordApi.answer(
      'POST',
      DISCORD_MESSAGES,
      {
        status: 429,
        headers: { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: 0.05, global: false },
      },
      2,
    );

    for (const [i, stream] of streams.entries()) {
      rig.emulator.setStatus(stream.id, 'LIVE');
      expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
      await rig.delivery.drainOnce();
      rig.clock.advance(15_000);
      if (i === 1) await rig.restart(); // the process restarts in the middle of the outage
    }
    expect(slack.accepted).toEqual([]);
    expect(discord.accepted).toEqual([]);
    expect(await rig.rawStore.countPending()).toBe(2 * names.length);
    expect(slack.refused.length).toBeGreaterThan(0);
    expect(new Set([...slack.refused, ...discord.refused].map((r) => r.kind))).toEqual(
      new Set(['Transient']),
    );

    await rig.drainAll();
    expect(toldStreams(slack.accepted)).toEqual(names);
    expect(toldStreams(discord.accepted)).toEqual(names);
    // Slack's 429 was waited out (30 s by the bot's clock), not dropped and not hammered.
    const lastRateLimit = slack.refused.filter((r) => r.kind === 'RateLimited').at(-1)!;
    expect(slack.refused.filter((r) => r.kind === 'RateLimited')).toHaveLength(2);
    expect(slack.accepted[0]!.at - lastRateLimit.at).toBeGreaterThanOrEqual(30_000);
    // Each scripted failure was met exactly once, then as few posts as the messages needed.
    expect(slackApi.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(
      DOWN_CALLS + 2 + slack.accepted.length,
    );
    expect(
      discordApi.requests.filter((r) => r.method === 'POST' && DISCORD_MESSAGES.test(r.route)),
    ).toHaveLength(DOWN_CALLS + 2 + discord.accepted.length);
    // Every delivery done: none dropped, none left.
    const states = queryState<{ state: string; n: number }>(
      rig.dataDir,
      'SELECT state, count(*) AS n FROM delivery GROUP BY state',
    );
    expect(states).toEqual([{ state: 'done', n: 2 * names.length }]);
  });

  it('a change after the outage edits the post that finally went out, on both platforms', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await rig.poller.runCycle();
    slackApi.script('chat.postMessage', { status: 500, body: { ok: false } }, 3);
    discordApi.answer(
      'POST',
      DISCORD_MESSAGES,
      { status: 502, body: { message: 'bad gateway', code: 0 } },
      3,
    );
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    await rig.drainAll();
    rig.emulator.setStatus(show.id, 'IDLE');
    await rig.poller.runCycle();
    await rig.drainAll();
    for (const sink of [slack, discord]) {
      expect(sink.accepted.map((c) => `${c.op} ${c.reply.title}`)).toEqual([
        'post Show is live',
        'edit Show ended',
      ]);
      expect(sink.accepted[1]!.messageId).toBe(sink.accepted[0]!.messageId);
    }
    expect(slackApi.calls.filter((c) => c.method === 'chat.update')).toHaveLength(1);
  });
});

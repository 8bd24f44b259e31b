/**
 * One broken channel must not silence the others, end to end: the real Slack sink (a WebClient with the
 * adapter's options) and Discord sink (REST with the adapter's sink options) against the fake platforms,
 * the real poller, sender and SQLite store. One Slack channel answers HTTP 500 to every post and has
 * 10,000 notifications waiting; the other channels, on both platforms, are told as usual, and the broken
 * one is paused (with the reason, shown by `subscriptions`) a day later. A refused Slack token stops
 * Slack alone.
 */
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../../adapters/slack/sink.js';
import { silentLogger } from '../../src/log.js';
import { platformRefusedKey } from '../../src/notify/store.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { scriptSlack, type SlackScript } from '../fakes/platform-outage.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';
import { createRig, PERSON, queryState, type Rig, subscribe, TimedSink } from './support.js';

const BROKEN = PERSON.channelId!; // the channel `rig.command` speaks in
const SLACK_OK = 'C0FINE';
const DISCORD_CHANNEL = '1100000000000000200';
const INTERVAL_MS = 15_000;
const BACKLOG = 10_000;

let slackApi: FakeSlackWebApi;
let slackScript: SlackScript;
let discordApi: FakeDiscord;
let slack: TimedSink;
let discord: TimedSink;
let rest: REST;
let rig: Rig;

beforeEach(async () => {
  slackApi = await startFakeSlackWebApi();
  discordApi = await startFakeDiscord({ applicationId: '1100000000000000001' });
  rig = await createRig({
    intervalMs: INTERVAL_MS,
    sinks: (clock) => {
      const client = new webApi.WebClient('xoxb-broken-channel', {
        ...SLACK_CLIENT_OPTIONS,
        slackApiUrl: `${slackApi.apiUrl}/`,
      });
      slack = new TimedSink(createSlackSink({ client, log: silentLogger }), clock);
      rest = new REST(discordSinkRestOptions({ apiUrl: discordApi.restUrl })).setToken('broken-channel');
      discord = new TimedSink(createDiscordSink({ rest }), clock);
      return [slack, discord];
    },
  });
  slackScript = scriptSlack(slackApi, { now: () => rig.clock.now() });
  await subscribe(rig.store, 'slack', BROKEN);
  await subscribe(rig.store, 'slack', SLACK_OK);
  await subscribe(rig.store, 'discord', DISCORD_CHANNEL);
});
afterEach(async () => {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
  await rig.close();
  await slackApi.close();
  await discordApi.close();
});

const pendingIn = (channelId: string) =>
  queryState<{ n: number }>(
    rig.dataDir,
    `SELECT count(*) AS n FROM delivery WHERE state = 'pending' AND channel_id = '${channelId}'`,
  )[0]!.n;

/** Runs the sender pass by pass, moving the clock to each next wake-up, for `ms` of the rig's time. */
async function sendFor(ms: number): Promise<void> {
  const end = rig.clock.now() + ms;
  while (rig.clock.now() < end) {
    await rig.delivery.drainOnce();
    rig.clock.advance(Math.max(1, Math.min(await rig.delivery.nextWakeMs(), end - rig.clock.now())));
  }
}

describe('one channel failing with 10,000 notifications waiting', () => {
  it('the other channels on both platforms still get each LIVE post within an interval; a day later the broken one is paused', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await rig.poller.runCycle();
    slackScript.fail({ status: 500, body: 'boom' }, { channelId: BROKEN, times: Number.POSITIVE_INFINITY });
    await rig.rawStore.transaction(async (tx) => {
      for (let i = 0; i < BACKLOG; i++) {
        await tx.enqueue(
          {
            kind: 'live',
            stream: { id: `old-${i}`, name: `Old ${i}`, status: 'LIVE', playbackUrl: null },
            previousStatus: 'IDLE',
            at: new Date(rig.clock.now()).toISOString(),
          },
          [{ platform: 'slack', channelId: BROKEN, mention: null }],
        );
      }
    });
    await sendFor(60_000); // the broken channel has been failing for a minute

    const changedAt = rig.clock.now();
    rig.emulator.setStatus(show.id, 'LIVE');
    rig.clock.advance(INTERVAL_MS); // the next poll
    await rig.poller.runCycle();
    await rig.delivery.drainOnce();
    for (const [sink, channelId] of [
      [slack, SLACK_OK],
      [discord, DISCORD_CHANNEL],
    ] as const) {
      const told = sink.accepted.filter((c) => c.channelId === channelId);
      expect(told.map((c) => c.reply.title)).toEqual(['Show is live']);
      expect(told[0]!.at - changedAt).toBeLessThanOrEqual(INTERVAL_MS + 1_000);
    }
    expect(pendingIn(BROKEN)).toBe(BACKLOG + 1);
    // Tried as its backoff allows: a handful of times in that minute, not once per pass.
    const brokenTries = slackScript.refused.length;
    expect(brokenTries).toBeGreaterThanOrEqual(4);
    expect(brokenTries).toBeLessThanOrEqual(7);

    await sendFor(24 * 3_600_000 + 10 * 60_000);
    expect(pendingIn(BROKEN)).toBe(0);
    const listed = await rig.command('subscriptions');
    expect(listed).toContain('PAUSED');
    expect(listed).toContain('http_500');
    expect(rig.logs.matching('subscription is paused')).toEqual([
      expect.objectContaining({ level: 'error', channelId: BROKEN }),
    ]);
    // Everything else went out, once.
    rig.emulator.setStatus(show.id, 'IDLE');
    await rig.poller.runCycle();
    await rig.drainAll();
    for (const sink of [slack, discord])
      expect(sink.accepted.map((c) => `${c.op} ${c.reply.title}`)).toEqual([
        'post Show is live',
        'edit Show ended',
      ]);
  });
});

describe('a refused Slack token', () => {
  it('stops Slack alone: Discord is told, Slack’s notifications wait, and the reason is recorded once', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await rig.poller.runCycle();
    slackScript.fail({ body: { ok: false, error: 'token_revoked' } }, { times: Number.POSITIVE_INFINITY });
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    await sendFor(10 * 60_000);
    expect(discord.accepted.map((c) => c.reply.title)).toEqual(['Show is live']);
    expect(slack.accepted).toEqual([]);
    expect(slackScript.refused.length).toBeLessThanOrEqual(2);
    expect(pendingIn(BROKEN) + pendingIn(SLACK_OK)).toBe(2);
    expect(await rig.rawStore.getMeta(platformRefusedKey('slack'))).toContain('token_revoked');
    expect(rig.logs.records.filter((r) => r.level === 'error')).toHaveLength(1);
  });
});

/**
 * Buttons on notifications, through the real poller, delivery and each platform's sink: a meeting's
 * LIVE post offers Watch, Details and Stop; the edit that says it ended takes Stop away. Slack over a
 * real WebClient against the fake Web API; Discord over the real REST client against the fake Discord.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../adapters/discord/render.js';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../../adapters/slack/sink.js';
import { ManualClock } from '../../src/clock.js';
import { decodeButton } from '../../src/commands/buttons.js';
import { silentLogger } from '../../src/log.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { buttonsIn } from '../fakes/slack-harness.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from '../fakes/slack-web-api.js';
import { createNotifyRig, type NotifyRig } from './harness.js';

const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const APP_ID = '1100000000000000001';
const CHANNEL = '1100000000000000003';

async function subscribeAll(
  store: NotifyStore,
  platform: 'slack' | 'discord',
  channelId: string,
): Promise<void> {
  await store.upsertSubscription({
    platform,
    channelId,
    livestreamId: null,
    onLive: true,
    onErrored: true,
    mention: null,
    source: 'chat',
  });
}

/** A meeting's livestream and an independent one go LIVE, then the meeting's ends. */
async function liveThenEnded(rig: NotifyRig): Promise<{ meetingStream: string; plain: string }> {
  const meetingStream = rig.emulator.addLivestream({
    name: 'Town hall',
    status: 'IDLE',
    meeting_id: MEETING,
  });
  const plain = rig.emulator.addLivestream({ name: 'Radio', status: 'IDLE' });
  await rig.poller.runCycle();
  rig.clock.advance(15_000);
  rig.emulator.setStatus(meetingStream.id, 'LIVE');
  rig.emulator.setStatus(plain.id, 'LIVE');
  await rig.poller.runCycle();
  await rig.drainAll();
  rig.clock.advance(15_000);
  rig.emulator.setStatus(meetingStream.id, 'IDLE');
  await rig.poller.runCycle();
  await rig.drainAll();
  return { meetingStream: meetingStream.id, plain: plain.id };
}

const commandsOf = (values: (string | undefined)[]) =>
  values.map((value) => {
    if (value === undefined) return 'link';
    const decoded = decodeButton(value);
    return decoded.ok ? decoded.text : `unreadable ${value}`;
  });

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('notification buttons', () => {
  it('Slack: Watch, Details and Stop on a meeting’s LIVE post; the ended edit has no Stop', async () => {
    const clock = new ManualClock();
    const fake: FakeSlackWebApi = await startFakeSlackWebApi();
    const client = new webApi.WebClient('xoxb-buttons', {
      ...SLACK_CLIENT_OPTIONS,
      logLevel: LogLevel.ERROR,
      slackApiUrl: `${fake.apiUrl}/`,
    });
    const rig = await createNotifyRig({
      sink: createSlackSink({ client, log: silentLogger }),
      clock,
      seed: 5,
    });
    cleanup = async () => {
      await rig.close();
      await fake.close();
    };
    await subscribeAll(rig.store, 'slack', 'C0LIVE');
    const { meetingStream, plain } = await liveThenEnded(rig);

    const posts = fake.calls.filter((c) => c.method === 'chat.postMessage');
    const postFor = (id: string) => posts.find((c) => JSON.stringify(c.params.blocks).includes(id))!;
    const meetingPost = buttonsIn(postFor(meetingStream).params.blocks);
    expect(meetingPost.map((b) => b.text?.text)).toEqual(['Watch', 'Details', 'Stop']);
    expect(meetingPost[0]?.url).toMatch(/^https:\/\//);
    expect(commandsOf(meetingPost.map((b) => b.value))).toEqual([
      'link',
      `show ${meetingStream}`,
      `stop ${MEETING}`,
    ]);
    expect(meetingPost[2]?.style).toBe('danger');
    // Not a meeting's: nothing to stop.
    expect(buttonsIn(postFor(plain).params.blocks).map((b) => b.text?.text)).toEqual(['Watch', 'Details']);

    const [ended] = fake.calls.filter((c) => c.method === 'chat.update');
    expect(JSON.stringify(ended?.params.blocks)).toContain('ended');
    expect(commandsOf(buttonsIn(ended?.params.blocks).map((b) => b.value))).toEqual([
      `show ${meetingStream}`,
    ]);
  });

  it('Discord: the same buttons as components; the ended edit replaces them, Stop gone', async () => {
    const clock = new ManualClock();
    const fake: FakeDiscord = await startFakeDiscord({ applicationId: APP_ID });
    const rest = new REST(discordSinkRestOptions({ apiUrl: fake.restUrl })).setToken('buttons-token');
    const rig = await createNotifyRig({ sink: createDiscordSink({ rest }), clock, seed: 5 });
    cleanup = async () => {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
      await rig.close();
      await fake.close();
    };
    await subscribeAll(rig.store, 'discord', CHANNEL);
    const { meetingStream } = await liveThenEnded(rig);

    const bodies = fake.requests
      .filter((r) => r.route.startsWith(`/channels/${CHANNEL}/messages`))
      .map((r) => ({ method: r.method, body: r.body as DiscordMessage }));
    const livePost = bodies.find(
      (b) => b.method === 'POST' && JSON.stringify(b.body).includes(meetingStream),
    );
    const buttons = (message: DiscordMessage) =>
      message.components.flatMap((row) => row.components) as { label: string; custom_id?: string }[];
    expect(buttons(livePost!.body).map((b) => b.label)).toEqual(['Watch', 'Details', 'Stop']);
    expect(commandsOf(buttons(livePost!.body).map((b) => b.custom_id))).toEqual([
      'link',
      `show ${meetingStream}`,
      `stop ${MEETING}`,
    ]);
    const edit = bodies.find((b) => b.method === 'PATCH');
    // Sent even when empty of Stop: a PATCH without `components` would keep the old buttons.
    expect(commandsOf(buttons(edit!.body).map((b) => b.custom_id))).toEqual([`show ${meetingStream}`]);
  });
});

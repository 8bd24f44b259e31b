/**
 * Issue 6's guarantees through the real Discord sink: the real Poller, DeliveryWorker and SQLite store,
 * the emulator as RealtimeKit, and `createDiscordSink` over the real @discordjs/rest REST (the adapter's
 * sink options: its queues and 429 handling, no retries of its own) pointed at the fake Discord. The delivery runs on a
 * ManualClock; only the 429 case runs on real time, because @discordjs/rest sleeps it out itself.
 */
import { REST, type RESTOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DiscordMessage, messageSize, renderReply } from '../../adapters/discord/render.js';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { ManualClock } from '../../src/clock.js';
import type { Command } from '../../src/commands/command.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { DISCORD_PACING_MS } from '../../adapters/discord/sink.js';
import type { Reply } from '../../src/reply.js';
import type { DiscordRequest, FakeDiscord } from '../fakes/discord-server.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { type DiscordScript, type PlatformCall, scriptDiscord } from '../fakes/platform-outage.js';
import { createNotifyRig, type NotifyRig } from './harness.js';

const TOKEN = 'fake-delivery-bot-token';
const APP_ID = '1200000000000000001';
const PACING = DISCORD_PACING_MS;
const CH = {
  all: '1200000000000000011',
  errored: '1200000000000000012',
  other: '1200000000000000013',
  left: '1200000000000000014',
  gone: '1200000000000000015',
  ok: '1200000000000000016',
} as const;
const ROLE = '1200000000000000099';

interface Rig extends NotifyRig {
  fake: FakeDiscord;
  discord: DiscordScript;
  rest: REST;
  logs: Record<string, unknown>[];
  /** What `/livestream <subcommand>` in `channelId` reaches the core as (the adapter builds the Command). */
  command(channelId: string, command: Command): Promise<Reply>;
}

async function startRig(options: { rest?: Partial<RESTOptions> } = {}): Promise<Rig> {
  const clock = new ManualClock();
  const fake = await startFakeDiscord({ applicationId: APP_ID });
  const discord = scriptDiscord(fake, { now: () => clock.now() });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'debug',
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  // REST exactly as the adapter configures the sink's (429s waited out by @discordjs/rest, never a retry).
  const rest = new REST(discordSinkRestOptions({ apiUrl: fake.restUrl }, options.rest)).setToken(TOKEN);
  const rig = await createNotifyRig({ sink: createDiscordSink({ rest }), clock, seed: 13, log });
  const closeRig = rig.close;
  return Object.assign(rig, {
    fake,
    discord,
    rest,
    logs,
    command(channelId: string, command: Command) {
      const context: RequestContext = { platform: 'discord', channelId, userId: '42', canManage: true };
      return createCore({ client: rig.commandsClient, log, store: rig.store }).replyToCommand(
        command,
        context,
      );
    },
    async close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
      await Promise.all([closeRig(), fake.close()]);
    },
  });
}

const subscribe = (extra: Partial<Extract<Command, { name: 'subscribe' }>> = {}): Command => ({
  name: 'subscribe',
  onLive: true,
  onErrored: true,
  livestreamIds: [],
  ...extra,
});

const bodyOf = (call: PlatformCall<DiscordRequest>) => call.request.body as DiscordMessage;
const titleOf = (call: PlatformCall<DiscordRequest>) => bodyOf(call).embeds[0]?.title ?? '';
const summary = (calls: PlatformCall<DiscordRequest>[]) =>
  calls.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);
const to = (calls: PlatformCall<DiscordRequest>[], channelId: string) =>
  calls.filter((call) => call.channelId === channelId);
const fieldsOf = (call: PlatformCall<DiscordRequest>) =>
  Object.fromEntries(
    bodyOf(call)
      .embeds.flatMap((embed) => embed.fields ?? [])
      .map((f) => [f.name, f.value]),
  );

let r: Rig;
beforeEach(async () => {
  r = await startRig();
});
afterEach(async () => {
  await r.close();
});

describe('Discord: what each subscribed channel is told', () => {
  it('LIVE is POSTed once to each subscribed channel, "ended" PATCHes the same message, ERRORED carries err_message, others get nothing', async () => {
    const already = r.emulator.addLivestream({ name: 'Already live', status: 'LIVE' });
    const show = r.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
    const other = r.emulator.addLivestream({ name: 'Other show', status: 'IDLE' });
    expect((await r.command(CH.all, subscribe())).title).toBe('Subscribed');
    await r.command(CH.errored, subscribe({ onLive: false }));
    await r.command(CH.other, subscribe({ livestreamIds: [other.id] }));
    await r.command(CH.left, subscribe());
    expect((await r.command(CH.left, { name: 'unsubscribe', livestreamIds: [] })).title).toBe('Unsubscribed');

    expect(await r.poller.runCycle()).toMatchObject({ ok: true, baseline: true });
    r.clock.advance(15_000);
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.accepted)).toEqual([`post ${CH.all} Town hall is live`]);
    const live = r.discord.accepted[0]!;
    expect(live.request.method).toBe('POST');
    expect(live.request.route).toBe(`/channels/${CH.all}/messages`);
    expect(live.request.headers.authorization).toBe(`Bot ${TOKEN}`);
    expect(bodyOf(live).allowed_mentions).toEqual({ parse: [] });
    expect(bodyOf(live).content).toBeUndefined();
    expect(bodyOf(live).flags).toBeUndefined(); // a channel message, never ephemeral
    expect(fieldsOf(live)).toMatchObject({ Status: '🔴 LIVE', 'Livestream ID': `\`${show.id}\`` });
    expect(bodyOf(live).embeds[0]?.description).toContain(`[Watch](${show.playback_url})`);

    r.clock.advance(65 * 60_000);
    r.emulator.setStatus(show.id, 'ERRORED', 'RTMP ingest timed out');
    await r.poller.runCycle();
    await r.drainAll();
    const after = r.discord.accepted.slice(1);
    expect(summary(to(after, CH.all))).toEqual([
      `edit ${CH.all} Town hall ended`,
      `post ${CH.all} Town hall errored`,
    ]);
    expect(summary(to(after, CH.errored))).toEqual([`post ${CH.errored} Town hall errored`]);
    const ended = to(after, CH.all)[0]!;
    expect(ended.request.method).toBe('PATCH');
    expect(ended.request.route).toBe(`/channels/${CH.all}/messages/${live.messageId}`);
    expect(fieldsOf(ended).Duration).toMatch(/^1h 5m/);
    for (const errored of after.filter((call) => call.op === 'post')) {
      expect(fieldsOf(errored)).toMatchObject({ Status: '⛔ ERRORED', Error: 'RTMP ingest timed out' });
    }

    r.emulator.setStatus(other.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.accepted.slice(4)).sort()).toEqual(
      [`post ${CH.all} Other show is live`, `post ${CH.other} Other show is live`].sort(),
    );

    expect(to(r.discord.accepted, CH.left)).toEqual([]);
    expect(r.discord.refused).toEqual([]);
    const everything = JSON.stringify(r.fake.requests);
    for (const stream of [already, show, other]) expect(everything).not.toContain(stream.stream_key);
    expect(everything).not.toContain('Already live');
  });

  it('a role mention is the content, with allowed_mentions for that role only; the name cannot ping; edits ping nobody', async () => {
    const show = r.emulator.addLivestream({
      name: '@everyone party <@&1200000000000000077>',
      status: 'IDLE',
    });
    await r.command(CH.all, subscribe({ mention: `<@&${ROLE}>` }));
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    r.emulator.setStatus(show.id, 'IDLE');
    r.clock.advance(60_000);
    await r.poller.runCycle();
    await r.drainAll();

    const [post, edit] = r.discord.accepted;
    expect(bodyOf(post!).content).toBe(`<@&${ROLE}>`);
    expect(bodyOf(post!).allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
    expect(titleOf(post!)).toContain('@everyone party');
    expect(edit!.op).toBe('edit');
    expect(bodyOf(edit!).content).toBeUndefined();
    expect(bodyOf(edit!).allowed_mentions).toEqual({ parse: [] });
  });

  it('a flap inside the cooldown PATCHes the LIVE post back and posts nothing new', async () => {
    const show = r.emulator.addLivestream({ name: 'Flappy', status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    for (const status of ['LIVE', 'IDLE', 'LIVE']) {
      r.emulator.setStatus(show.id, status);
      await r.poller.runCycle();
      await r.drainAll();
      r.clock.advance(20_000);
    }
    expect(summary(r.discord.accepted)).toEqual([
      `post ${CH.all} Flappy is live`,
      `edit ${CH.all} Flappy ended`,
      `edit ${CH.all} Flappy is live`,
    ]);
    expect(new Set(r.discord.accepted.map((call) => call.messageId)).size).toBe(1);
    expect(bodyOf(r.discord.accepted[2]!).embeds[0]?.description).toContain('dropped briefly');
  });

  it('a LIVE post deleted in Discord (10008): "ended" becomes a new message', async () => {
    const show = r.emulator.addLivestream({ name: 'Deleted post', status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    r.discord.fail({ status: 404, body: { message: 'Unknown Message', code: 10008 } }, { op: 'edit' });
    r.emulator.setStatus(show.id, 'IDLE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.refused)).toEqual([`edit ${CH.all} Deleted post ended`]);
    expect(summary(r.discord.accepted)).toEqual([
      `post ${CH.all} Deleted post is live`,
      `post ${CH.all} Deleted post ended`,
    ]);
  });
});

describe('Discord: restarts and failures', () => {
  it('a restart between cycles (same DATA_DIR) neither repeats nor loses a notification', async () => {
    const a = r.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    const b = r.emulator.addLivestream({ name: 'B', status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    r.emulator.setStatus(a.id, 'LIVE');
    await r.poller.runCycle();
    r.restart();
    r.emulator.setStatus(b.id, 'LIVE');
    await r.poller.runCycle();
    await r.poller.runCycle();
    await r.drainAll();
    r.restart();
    r.emulator.setStatus(a.id, 'IDLE');
    await r.poller.runCycle();
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.accepted)).toEqual([
      `post ${CH.all} A is live`,
      `post ${CH.all} B is live`,
      `edit ${CH.all} A ended`,
    ]);
    expect(r.discord.accepted[2]!.messageId).toBe(r.discord.accepted[0]!.messageId);
  });

  it('5xx for several passes (each one POST: no retries inside REST), then recovery: every message once, in order', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    r.discord.fail(
      { status: 502, body: { message: 'Bad gateway', code: 0 } },
      { times: Number.POSITIVE_INFINITY },
    );
    for (const stream of streams) {
      r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      r.clock.advance(15_000);
    }
    for (let cycle = 0; cycle < 2; cycle++) {
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      r.clock.advance(15_000);
    }
    expect(r.discord.accepted).toEqual([]);
    const passes = r.logs.filter((line) => line.msg === 'delivery failed; will retry').length;
    expect(passes).toBeGreaterThanOrEqual(3);
    // Each failed pass is one POST: the sink's REST client does not retry on its own (the worker does).
    expect(r.discord.refused).toHaveLength(passes);
    expect(new Set(r.discord.refused.map(titleOf))).toEqual(new Set(['One is live']));

    r.discord.heal();
    await r.drainAll();
    expect(summary(r.discord.accepted)).toEqual([`post ${CH.all} One is live`, `post ${CH.all} Two is live`]);
  });

  it.each([
    [404, 10003, 'Unknown Channel', 'does not exist'],
    [403, 50001, 'Missing Access', 'cannot see the channel'],
  ])(
    'HTTP %i code %i pauses the subscription with the reason, shown by /livestream subscriptions',
    async (status, code, message, why) => {
      const show = r.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
      await r.command(CH.gone, subscribe());
      await r.command(CH.ok, subscribe());
      await r.poller.runCycle();
      r.discord.fail(
        { status, body: { message, code } },
        { channelId: CH.gone, times: Number.POSITIVE_INFINITY },
      );
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.discord.accepted)).toEqual([`post ${CH.ok} Show is live`]);
      expect(r.discord.refused).toHaveLength(1);

      const listed = renderReply(await r.command(CH.gone, { name: 'subscriptions' }));
      const shown = JSON.stringify(listed.embeds);
      expect(shown).toContain('PAUSED');
      expect(shown).toContain(String(code));
      expect(shown).toContain(why);
      expect(
        r.logs.find(
          (line) => String(line.msg).includes('subscription is paused') && line.channelId === CH.gone,
        ),
      ).toMatchObject({ level: 'error', code: String(code) });

      r.emulator.setStatus(show.id, 'ERRORED', 'boom');
      await r.poller.runCycle();
      await r.drainAll();
      expect(r.discord.refused).toHaveLength(1);

      r.discord.heal();
      await r.command(CH.gone, subscribe());
      expect(
        JSON.stringify(renderReply(await r.command(CH.gone, { name: 'subscriptions' })).embeds),
      ).toContain('ACTIVE');
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(to(r.discord.accepted, CH.gone))).toEqual([`post ${CH.gone} Show is live`]);
    },
  );

  it('a 429 with retry_after is waited out by @discordjs/rest itself (real time): the message arrives in the same pass', async () => {
    const show = r.emulator.addLivestream({ name: 'Limited', status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    r.discord.fail({
      status: 429,
      headers: { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: 0.05, global: false },
    });
    expect(await r.delivery.drainOnce()).toBe(1);
    expect(r.store.countPending()).toBe(0);
    expect(summary(r.discord.refused)).toEqual([`post ${CH.all} Limited is live`]);
    expect(summary(r.discord.accepted)).toEqual([`post ${CH.all} Limited is live`]);
    expect(r.discord.accepted[0]!.wallAt - r.discord.refused[0]!.wallAt).toBeGreaterThanOrEqual(50);
    // The delivery never saw it: no wait of its own, nothing retried later.
    expect(r.logs.filter((line) => String(line.msg).startsWith('platform rate limit'))).toEqual([]);
    expect(r.store.findPost({ platform: 'discord', channelId: CH.all }, show.id)?.messageId).toBe(
      r.discord.accepted[0]!.messageId,
    );
  });
});

describe('Discord: a burst', () => {
  it('200 transitions arrive as digests of at most 20, every livestream once, paced per channel, within embed limits', async () => {
    const streams = r.emulator.seed(200, { status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.command(CH.ok, subscribe());
    await r.poller.runCycle();
    for (const stream of streams) r.emulator.setStatus(stream.id, 'LIVE');
    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 200 });
    await r.drainAll();

    for (const channel of [CH.all, CH.ok]) {
      const posts = to(r.discord.accepted, channel);
      expect(posts).toHaveLength(10);
      expect(posts.every((post) => post.op === 'post' && titleOf(post) === '20 livestream updates')).toBe(
        true,
      );
      const text = posts.map((post) => JSON.stringify(bodyOf(post).embeds)).join('\n');
      for (const stream of streams) expect(text.split(stream.id).length - 1).toBe(1);
      for (const post of posts) {
        expect(messageSize(bodyOf(post))).toBeLessThanOrEqual(6_000);
        for (const embed of bodyOf(post).embeds) expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
      }
      const gaps = posts.slice(1).map((post, i) => post.at - posts[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PACING);
    }
    expect(r.discord.refused).toEqual([]);
  });
});

describe('Discord: no duplicates from the transport', () => {
  it('a post Discord accepted but answered too late becomes one message: no retry inside REST, and the worker’s retry carries the same nonce', async () => {
    await r.close();
    r = await startRig({ rest: { timeout: 300 } });
    const show = r.emulator.addLivestream({ name: 'Slow answer', status: 'IDLE' });
    await r.command(CH.all, subscribe());
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    // Discord creates the message, but the answer comes long after the client stopped waiting.
    r.fake.delay('POST', /^\/channels\/\d+\/messages$/, 5_000);
    expect(await r.delivery.drainOnce()).toBe(0);
    expect(r.logs.find((line) => line.msg === 'delivery failed; will retry')).toBeDefined();
    const posts = () =>
      r.fake.requests.filter((q) => q.method === 'POST' && q.route === `/channels/${CH.all}/messages`);
    expect(posts()).toHaveLength(1); // @discordjs/rest did not send it again on its own
    await r.drainAll();

    expect(posts()).toHaveLength(2);
    const [first, retry] = posts().map((q) => q.body as { nonce?: unknown; enforce_nonce?: unknown });
    expect(typeof first!.nonce).toBe('string');
    expect(String(first!.nonce).length).toBeLessThanOrEqual(25);
    expect(first!.enforce_nonce).toBe(true);
    expect(retry!.nonce).toBe(first!.nonce);
    // One message in the channel, and it is the one later edits target.
    expect(r.fake.messages.map((m) => m.channelId)).toEqual([CH.all]);
    expect(r.store.findPost({ platform: 'discord', channelId: CH.all }, show.id)?.messageId).toBe(
      r.fake.messages[0]!.id,
    );
    r.emulator.setStatus(show.id, 'IDLE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.accepted)).toEqual([
      `post ${CH.all} Slow answer is live`,
      `edit ${CH.all} Slow answer ended`,
    ]);
    expect(r.discord.accepted[1]!.messageId).toBe(r.fake.messages[0]!.id);
  });

  it('different notifications carry different nonces', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command(CH.all, subscribe());
    await r.command(CH.ok, subscribe());
    await r.poller.runCycle();
    for (const stream of streams) {
      r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
    }
    await r.drainAll();
    expect(r.fake.messages).toHaveLength(4);
    const nonces = r.fake.messages.map((m) => m.nonce);
    expect(new Set(nonces).size).toBe(4);
    for (const nonce of nonces) expect(nonce!.length).toBeLessThanOrEqual(25);
  });
});

describe('Discord: a refused bot token', () => {
  it('a 401 stops Discord deliveries, drops nothing, logs one error and records why', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command(CH.all, subscribe());
    await r.command(CH.ok, subscribe());
    await r.poller.runCycle();
    r.discord.fail(
      { status: 401, body: { message: '401: Unauthorized', code: 0 } },
      { times: Number.POSITIVE_INFINITY },
    );
    for (const stream of streams) {
      r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      r.clock.advance(15_000);
    }
    for (let pass = 0; pass < 10; pass++) {
      await r.delivery.drainOnce();
      r.clock.advance(Math.max(1, r.delivery.nextWakeMs()));
    }
    expect(r.discord.refused.length).toBeLessThanOrEqual(2);
    expect(r.discord.accepted).toEqual([]);
    expect(r.store.countPending()).toBe(4);
    expect(r.store.subscriptions({ platform: 'discord' }).every((s) => s.pausedReason === null)).toBe(true);
    expect(r.store.getMeta('platform_refused:discord')).toMatch(/DISCORD_BOT_TOKEN/);
    const errors = r.logs.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ platform: 'discord' });
    expect(JSON.stringify(r.logs)).not.toContain(TOKEN);
  });

  it('a digest pings the role any of its items asked for', async () => {
    const streams = ['A', 'B', 'C', 'D'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command(CH.all, subscribe());
    r.store.upsertSubscription({
      platform: 'discord',
      channelId: CH.all,
      livestreamId: streams[3]!.id,
      onLive: true,
      onErrored: true,
      mention: `<@&${ROLE}>`,
      source: 'chat',
    });
    await r.poller.runCycle();
    for (const stream of streams.slice(0, 3)) r.emulator.setStatus(stream.id, 'LIVE');
    await r.poller.runCycle();
    r.emulator.setStatus(streams[3]!.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.discord.accepted)).toEqual([`post ${CH.all} 4 livestream updates`]);
    expect(bodyOf(r.discord.accepted[0]!).content).toBe(`<@&${ROLE}>`);
    expect(bodyOf(r.discord.accepted[0]!).allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
  });
});

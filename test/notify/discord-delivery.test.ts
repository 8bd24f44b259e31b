/**
 * Issue 6's guarantees through the real Discord sink: the shared sink contract (sink-contract.ts) over
 * `createDiscordSink` and the real @discordjs/rest REST (the adapter's sink options: its queues and 429
 * handling, no retries of its own) pointed at the fake Discord, plus what only Discord does: its REST
 * client sleeps a 429 out itself (on real time), and a post carries a nonce that makes a retry return
 * the message already made. The rest runs on a ManualClock.
 */
import { REST, type RESTOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DiscordMessage, messageSize, renderReply } from '../../adapters/discord/render.js';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink, DISCORD_PACING_MS } from '../../adapters/discord/sink.js';
import { ManualClock } from '../../src/clock.js';
import type { Command } from '../../src/commands/command.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import type { DiscordRequest, FakeAnswer, FakeDiscord } from '../fakes/discord-server.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { type PlatformCall, scriptDiscord } from '../fakes/platform-outage.js';
import { createNotifyRig } from './harness.js';
import {
  describeSinkContract,
  type SinkRig,
  type SinkRigOptions,
  type SubscribeOptions,
} from './sink-contract.js';

const TOKEN = 'fake-delivery-bot-token';
const APP_ID = '1200000000000000001';
const ROLE = '1200000000000000099';
const MESSAGES = /^\/channels\/\d+\/messages$/;

interface DiscordRig extends SinkRig<DiscordRequest, FakeAnswer> {
  fake: FakeDiscord;
  rest: REST;
}

async function startRig(options: SinkRigOptions & { rest?: Partial<RESTOptions> } = {}): Promise<DiscordRig> {
  const clock = new ManualClock();
  const fake = await startFakeDiscord({ applicationId: APP_ID });
  const discord = scriptDiscord(fake, { now: () => clock.now() });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'debug',
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  const restOptions = options.postsAnsweredLate ? { ...options.rest, timeout: 300 } : options.rest;
  // Late answers: Discord creates the message, but the answer comes long after the client stopped waiting.
  if (options.postsAnsweredLate) fake.delay('POST', MESSAGES, 5_000);
  // REST exactly as the adapter configures the sink's (429s waited out by @discordjs/rest, never a retry).
  const rest = new REST(discordSinkRestOptions({ apiUrl: fake.restUrl }, restOptions)).setToken(TOKEN);
  const rig = await createNotifyRig({
    sink: createDiscordSink({ rest }),
    clock,
    seed: 13,
    log,
    ...(options.cooldownMs !== undefined ? { cooldownMs: options.cooldownMs } : {}),
  });
  const closeRig = rig.close;
  /** What `/livestream <subcommand>` in `channelId` reaches the core as (the adapter builds the Command). */
  const command = (channelId: string, command: Command) => {
    const context: RequestContext = { platform: 'discord', channelId, userId: '42', canManage: true };
    return createCore({ client: rig.commandsClient, log, store: rig.store }).replyToCommand(command, context);
  };
  const channels = new Map<string, string>();
  return Object.assign(rig, {
    fake,
    rest,
    script: discord,
    logs,
    botToken: TOKEN,
    platform: 'discord' as const,
    channel(name: string) {
      if (!channels.has(name)) channels.set(name, String(1200000000000000011n + BigInt(channels.size)));
      return channels.get(name)!;
    },
    subscribe(
      channelId: string,
      { erroredOnly = false, livestreamIds = [], mention }: SubscribeOptions = {},
    ) {
      return command(channelId, {
        name: 'subscribe',
        onLive: !erroredOnly,
        onErrored: true,
        livestreamIds,
        ...(mention ? { mention } : {}),
      });
    },
    unsubscribe: (channelId: string) => command(channelId, { name: 'unsubscribe', livestreamIds: [] }),
    async subscriptionsShown(channelId: string) {
      return JSON.stringify(renderReply(await command(channelId, { name: 'subscriptions' })).embeds);
    },
    view: (call: PlatformCall<DiscordRequest>) => ({
      title: titleOf(call),
      text: JSON.stringify(bodyOf(call).embeds),
      pings: pingsOf(bodyOf(call)),
    }),
    postRequests: () => fake.requests.filter((q) => q.method === 'POST' && MESSAGES.test(q.route)).length,
    everything: () => JSON.stringify(fake.requests),
    async close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
      await Promise.all([closeRig(), fake.close()]);
    },
  });
}

const bodyOf = (call: PlatformCall<DiscordRequest>) => call.request.body as DiscordMessage;
const titleOf = (call: PlatformCall<DiscordRequest>) => bodyOf(call).embeds[0]?.title ?? '';
const fieldsOf = (call: PlatformCall<DiscordRequest>) =>
  Object.fromEntries(
    bodyOf(call)
      .embeds.flatMap((embed) => embed.fields ?? [])
      .map((f) => [f.name, f.value]),
  );

/**
 * What Discord would ping for a message: mentions in its content (embeds never ping) that its
 * allowed_mentions let through; without allowed_mentions, every one.
 */
function pingsOf(body: DiscordMessage): string[] {
  const found = body.content?.match(/<@&\d+>|<@!?\d+>|@everyone|@here/g) ?? [];
  const allowed = body.allowed_mentions;
  const pings = found.filter((token) => {
    if (!allowed) return true;
    const parse = (allowed.parse ?? []) as string[];
    const id = /\d+/.exec(token)?.[0] ?? '';
    if (token.startsWith('<@&')) return parse.includes('roles') || (allowed.roles ?? []).includes(id);
    if (token.startsWith('<@')) return parse.includes('users') || (allowed.users ?? []).includes(id);
    return parse.includes('everyone');
  });
  return [...new Set(pings)];
}

describeSinkContract('Discord', {
  makeRig: startRig,
  pacingMs: DISCORD_PACING_MS,
  mention: { asked: `<@&${ROLE}>`, pings: `<@&${ROLE}>` },
  pingingName: '@everyone party <@&1200000000000000077>',
  answers: {
    serverError: { status: 502, body: { message: 'Bad gateway', code: 0 } },
    messageGone: { status: 404, body: { message: 'Unknown Message', code: 10008 } },
    rateLimited: {
      status: 429,
      headers: { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: 0.05, global: false },
    },
  },
  channelGone: [
    [404, 10003, 'Unknown Channel', 'does not exist'],
    [403, 50001, 'Missing Access', 'cannot see the channel'],
  ].map(([status, code, message, why]) => ({
    label: `HTTP ${status} code ${code}`,
    answer: { status: Number(status), body: { message, code } },
    shows: [String(code), String(why)],
    logged: { code: String(code) },
  })),
  refusedToken: [
    {
      label: 'HTTP 401',
      answer: { status: 401, body: { message: '401: Unauthorized', code: 0 } },
      recorded: /DISCORD_BOT_TOKEN/,
      logged: {},
    },
  ],
  wire: {
    live(post, stream) {
      expect(post.request.method).toBe('POST');
      expect(post.request.route).toBe(`/channels/${post.channelId}/messages`);
      expect(post.request.headers.authorization).toBe(`Bot ${TOKEN}`);
      expect(bodyOf(post).allowed_mentions).toEqual({ parse: [] });
      expect(bodyOf(post).content).toBeUndefined();
      expect(bodyOf(post).flags).toBeUndefined(); // a channel message, never ephemeral
      expect(fieldsOf(post)).toMatchObject({ Status: '🔴 LIVE', 'Livestream ID': `\`${stream.id}\`` });
      expect(bodyOf(post).embeds[0]?.description).toContain(`[Watch](${stream.playback_url})`);
    },
    ended(edit, live) {
      expect(edit.request.method).toBe('PATCH');
      expect(edit.request.route).toBe(`/channels/${edit.channelId}/messages/${live.messageId}`);
      expect(fieldsOf(edit).Duration).toMatch(/^1h 5m/);
    },
    errored(post) {
      expect(fieldsOf(post)).toMatchObject({ Status: '⛔ ERRORED', Error: 'RTMP ingest timed out' });
    },
    mentioned(post, edit) {
      expect(bodyOf(post).content).toBe(`<@&${ROLE}>`);
      expect(bodyOf(post).allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
      expect(titleOf(post)).toContain('@everyone party');
      expect(bodyOf(edit).content).toBeUndefined();
      expect(bodyOf(edit).allowed_mentions).toEqual({ parse: [] });
    },
    digestMentioned(digest) {
      expect(bodyOf(digest).content).toBe(`<@&${ROLE}>`);
      expect(bodyOf(digest).allowed_mentions).toEqual({ parse: [], roles: [ROLE] });
    },
    withinLimits(post) {
      expect(messageSize(bodyOf(post))).toBeLessThanOrEqual(6_000);
      for (const embed of bodyOf(post).embeds) expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
    },
    timedOut(logged) {
      expect(logged).toMatchObject({ platform: 'discord' });
    },
  },
});

describe('Discord: its own transport', () => {
  let r: DiscordRig;
  beforeEach(async () => {
    r = await startRig();
  });
  afterEach(async () => {
    await r.close();
  });

  const summary = (calls: PlatformCall<DiscordRequest>[]) =>
    calls.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);

  it('a 429 with retry_after is waited out by @discordjs/rest itself (real time): the message arrives in the same pass', async () => {
    const channel = r.channel('all');
    const show = r.emulator.addLivestream({ name: 'Limited', status: 'IDLE' });
    await r.subscribe(channel);
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    r.script.fail({
      status: 429,
      headers: { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' },
      body: { message: 'You are being rate limited.', retry_after: 0.05, global: false },
    });
    expect(await r.delivery.drainOnce()).toBe(1);
    expect(await r.store.countPending()).toBe(0);
    expect(summary(r.script.refused)).toEqual([`post ${channel} Limited is live`]);
    expect(summary(r.script.accepted)).toEqual([`post ${channel} Limited is live`]);
    expect(r.script.accepted[0]!.wallAt - r.script.refused[0]!.wallAt).toBeGreaterThanOrEqual(50);
    // The delivery never saw it: no wait of its own, nothing retried later.
    expect(r.logs.filter((line) => String(line.msg).startsWith('platform rate limit'))).toEqual([]);
    expect((await r.store.findPost({ platform: 'discord', channelId: channel }, show.id))?.messageId).toBe(
      r.script.accepted[0]!.messageId,
    );
  });

  it('a post Discord accepted but answered too late becomes one message: no retry inside REST, and the worker’s retry carries the same nonce', async () => {
    await r.close();
    r = await startRig({ postsAnsweredLate: true });
    const channel = r.channel('all');
    const show = r.emulator.addLivestream({ name: 'Slow answer', status: 'IDLE' });
    await r.subscribe(channel);
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    expect(await r.delivery.drainOnce()).toBe(0);
    expect(r.logs.find((line) => line.msg === 'delivery failed; will retry')).toBeDefined();
    const posts = () =>
      r.fake.requests.filter((q) => q.method === 'POST' && q.route === `/channels/${channel}/messages`);
    expect(posts()).toHaveLength(1); // @discordjs/rest did not send it again on its own
    await r.drainAll();

    expect(posts()).toHaveLength(2);
    const [first, retry] = posts().map((q) => q.body as { nonce?: unknown; enforce_nonce?: unknown });
    expect(typeof first!.nonce).toBe('string');
    expect(String(first!.nonce).length).toBeLessThanOrEqual(25);
    expect(first!.enforce_nonce).toBe(true);
    expect(retry!.nonce).toBe(first!.nonce);
    // One message in the channel, and it is the one later edits target.
    expect(r.fake.messages.map((m) => m.channelId)).toEqual([channel]);
    expect((await r.store.findPost({ platform: 'discord', channelId: channel }, show.id))?.messageId).toBe(
      r.fake.messages[0]!.id,
    );
    r.emulator.setStatus(show.id, 'IDLE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.script.accepted)).toEqual([
      `post ${channel} Slow answer is live`,
      `edit ${channel} Slow answer ended`,
    ]);
    expect(r.script.accepted[1]!.messageId).toBe(r.fake.messages[0]!.id);
  });

  it('different notifications carry different nonces', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.subscribe(r.channel('all'));
    await r.subscribe(r.channel('ok'));
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

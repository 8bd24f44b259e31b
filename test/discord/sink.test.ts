import { REST } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discordSinkRestOptions } from '../../adapters/discord/rest.js';
import { createDiscordSink } from '../../adapters/discord/sink.js';
import { reply } from '../../src/reply.js';
import { type Sink, SinkError } from '../../src/sink.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';

const TOKEN = 'fake-sink-token';
const CHANNEL = '1100000000000000010';
const notice = reply({
  title: 'Friday town hall is LIVE',
  tone: 'live',
  badge: { text: 'LIVE', tone: 'live' },
  fields: [{ label: 'Livestream ID', value: 'abc', format: 'code' }],
  visibility: 'channel',
});

async function failure(promise: Promise<unknown>): Promise<SinkError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  return error as SinkError;
}

describe('Discord sink', () => {
  let discord: FakeDiscord;
  let sink: Sink;

  beforeAll(async () => {
    discord = await startFakeDiscord({ applicationId: '1100000000000000001' });
  });
  beforeEach(() => {
    // A fresh REST client per test: no rate-limit state carried between tests.
    sink = createDiscordSink({
      rest: new REST({ api: discord.restUrl, version: '10', retries: 0 }).setToken(TOKEN),
    });
  });
  afterAll(async () => {
    await discord.close();
  });

  it('posts the reply as an embed to the channel, with the bot token, and returns the message id', async () => {
    const posted = await sink.post(CHANNEL, notice);
    const request = await discord.waitForRequest(
      (r) => r.method === 'POST' && r.route === `/channels/${CHANNEL}/messages`,
    );
    expect(request.headers.authorization).toBe(`Bot ${TOKEN}`);
    const body = request.body as { embeds: { title: string }[]; flags?: number; allowed_mentions: unknown };
    expect(body.embeds[0]?.title).toBe('Friday town hall is LIVE');
    expect(body.flags).toBeUndefined();
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(posted.messageId).toMatch(/^\d+$/);
  });

  it('pings exactly the reply’s mention', async () => {
    await sink.post(CHANNEL, { ...notice, title: 'mention test', mention: '<@&123456789012345678>' });
    const request = await discord.waitForRequest(
      (r) => r.method === 'POST' && JSON.stringify(r.body).includes('mention test'),
    );
    expect(request.body).toMatchObject({
      content: '<@&123456789012345678>',
      allowed_mentions: { parse: [], roles: ['123456789012345678'] },
    });
  });

  it('edits a posted message with PATCH', async () => {
    await sink.edit(CHANNEL, '1100000000000000020', {
      ...notice,
      title: 'Friday town hall ended',
      tone: 'idle',
    });
    const request = await discord.waitForRequest((r) => r.method === 'PATCH');
    expect(request.route).toBe(`/channels/${CHANNEL}/messages/1100000000000000020`);
    expect((request.body as { embeds: { title: string }[] }).embeds[0]?.title).toBe('Friday town hall ended');
  });

  it('refuses a reply with a secret before sending anything', async () => {
    const before = discord.requests.length;
    const secret = reply({ title: 'k', fields: [{ label: 'Stream key', value: 'k3y', format: 'secret' }] });
    expect((await failure(sink.post(CHANNEL, secret))).kind).toBe('Rejected');
    expect(discord.requests.length).toBe(before);
  });

  it.each([
    [403, 50001, 'Missing Access', 'cannot see the channel'],
    [404, 10003, 'Unknown Channel', 'does not exist'],
    [403, 50013, 'Missing Permissions', 'lacks Send Messages'],
  ])('maps HTTP %i code %i to a Permanent SinkError', async (status, code, message, why) => {
    const channel = `11000000000000${code}`;
    discord.answer('POST', `/channels/${channel}/messages`, { status, body: { message, code } }, 1);
    const error = await failure(sink.post(channel, notice));
    expect(error.kind).toBe('Permanent');
    expect(error.details.code).toBe(String(code));
    expect(error.message).toContain(why);
  });

  it('maps an unknown message on edit (10008) to MessageGone: the sender says it anew', async () => {
    discord.answer(
      'PATCH',
      /\/messages\/1100000000000000099$/,
      { status: 404, body: { message: 'Unknown Message', code: 10008 } },
      1,
    );
    const error = await failure(sink.edit(CHANNEL, '1100000000000000099', notice));
    expect(error).toMatchObject({ kind: 'MessageGone', details: { code: '10008' } });
  });

  it('maps a 5xx to Transient', async () => {
    const channel = '1100000000000000500';
    discord.answer(
      'POST',
      `/channels/${channel}/messages`,
      { status: 502, body: { message: 'Bad gateway', code: 0 } },
      1,
    );
    expect((await failure(sink.post(channel, notice))).kind).toBe('Transient');
  });

  it('rejects a channel id that is not a snowflake without a request', async () => {
    const before = discord.requests.length;
    expect(await failure(sink.post('general', notice))).toMatchObject({
      kind: 'Permanent',
      details: { code: 'invalid-id' },
    });
    expect(discord.requests.length).toBe(before);
  });

  it('waits out a 429 (handled by @discordjs/rest) and then posts', async () => {
    const channel = '1100000000000000429';
    discord.answer(
      'POST',
      `/channels/${channel}/messages`,
      {
        status: 429,
        headers: { 'retry-after': '0.1', 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: 0.1, global: false },
      },
      1,
    );
    const posted = await sink.post(channel, notice);
    expect(posted.messageId).toMatch(/^\d+$/);
    expect(discord.requests.filter((r) => r.route === `/channels/${channel}/messages`)).toHaveLength(2);
  });

  it('maps a 401 (the bot token refused) to Unauthorized, naming DISCORD_BOT_TOKEN', async () => {
    const channel = '1100000000000000401';
    discord.answer(
      'POST',
      `/channels/${channel}/messages`,
      { status: 401, body: { message: '401: Unauthorized', code: 0 } },
      1,
    );
    const error = await failure(sink.post(channel, notice));
    expect(error.kind).toBe('Unauthorized');
    expect(error.message).toContain('DISCORD_BOT_TOKEN');
    expect(error.message).not.toContain(TOKEN);
  });

  it('sends the idempotency key as a nonce Discord enforces, so a repeat returns the first message', async () => {
    const channel = '1100000000000000026';
    const first = await sink.post(channel, notice, { idempotencyKey: 'k1-abc' });
    const again = await sink.post(channel, notice, { idempotencyKey: 'k1-abc' });
    const requests = discord.requests.filter((r) => r.route === `/channels/${channel}/messages`);
    expect(requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ nonce: 'k1-abc', enforce_nonce: true }),
      expect.objectContaining({ nonce: 'k1-abc', enforce_nonce: true }),
    ]);
    expect(again.messageId).toBe(first.messageId);
    expect(discord.messages.filter((m) => m.channelId === channel)).toHaveLength(1);
  });

  it('keeps a long idempotency key within Discord’s 25 characters, stably', async () => {
    const channel = '1100000000000000027';
    const key = 'a-very-long-idempotency-key-0123456789';
    const first = await sink.post(channel, notice, { idempotencyKey: key });
    const again = await sink.post(channel, notice, { idempotencyKey: key });
    const nonces = discord.requests
      .filter((r) => r.route === `/channels/${channel}/messages`)
      .map((r) => (r.body as { nonce: string }).nonce);
    expect(nonces[0]!.length).toBeLessThanOrEqual(25);
    expect(nonces[1]).toBe(nonces[0]);
    expect(again.messageId).toBe(first.messageId);
  });

  it('posts without a nonce when given no key', async () => {
    const channel = '1100000000000000028';
    await sink.post(channel, notice);
    const request = await discord.waitForRequest((r) => r.route === `/channels/${channel}/messages`);
    expect(request.body).not.toHaveProperty('nonce');
    expect(request.body).not.toHaveProperty('enforce_nonce');
  });

  it('refuses a REST client that retries on its own: a retried POST is a second message', () => {
    const retrying = new REST({ api: discord.restUrl, version: '10' }).setToken(TOKEN);
    expect(() => createDiscordSink({ rest: retrying })).toThrow(/retries: 0/);
    expect(() =>
      createDiscordSink({ rest: new REST(discordSinkRestOptions({ apiUrl: discord.restUrl })) }),
    ).not.toThrow();
  });
});

/**
 * Discord interactions over HTTP (DISCORD_PUBLIC_KEY): real requests, signed with an Ed25519 key pair
 * made for the test, to the real endpoint on the bot's HTTP server; answers through the real REST
 * client to the fake Discord; the real core against the RealtimeKit emulator. The same commands and
 * clicks as over the gateway, answered the same way (the interaction callback, then 202 to the POST).
 */
import { InteractionResponseType, MessageFlags, SnowflakeUtil } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordAdapter } from '../../adapters/discord/app.js';
import { MAX_SIGNATURE_SKEW_MS } from '../../adapters/discord/http-interactions.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { createHttpServer } from '../../src/http/server.js';
import { type InputGate, memoryInputGate } from '../../src/inputs.js';
import { reply } from '../../src/reply.js';
import {
  APP_ID,
  BOT_TOKEN,
  CHANNEL_ID,
  type DiscordHarness,
  GUILD_ID,
  type InteractionCallback,
  startDiscordHarness,
} from '../fakes/discord-harness.js';
import type { ChatInputInteraction } from '../fakes/discord-interactions.js';
import { startFakeDiscord } from '../fakes/discord-server.js';
import { createDiscordSigner, postInteraction, signInteraction } from '../fakes/discord-signer.js';
import { recordingLogger } from '../faults/support.js';

const PONG = InteractionResponseType.Pong;
const CHANNEL_MESSAGE = InteractionResponseType.ChannelMessageWithSource;
const DEFERRED_CHANNEL_MESSAGE = InteractionResponseType.DeferredChannelMessageWithSource;
const UPDATE_MESSAGE = InteractionResponseType.UpdateMessage;
const EPHEMERAL = MessageFlags.Ephemeral;
const MANAGER_ROLE = '1100000000000000009';
const MANAGE_CHANNELS = String(0x10);
const ADMINISTRATOR = String(0x8);

type Body = NonNullable<InteractionCallback['data']>;
const titles = (body: { embeds?: Record<string, unknown>[] } | undefined) =>
  (body?.embeds ?? []).map((embed) => embed.title);
const buttons = (body: Body | undefined) => (body?.components ?? []).flatMap((row) => row.components);

const signer = createDiscordSigner();
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The callbacks the fake received for one interaction: exactly one, or none, is what matters. */
function callbacksFor(h: DiscordHarness, interaction: ChatInputInteraction) {
  const route = `/interactions/${interaction.id}/${interaction.token}/callback`;
  return h.discord.requests.filter((r) => r.method === 'POST' && r.route === route);
}

/** A store's gate as another replica shares it: `claim` decides each interaction id; clicks in memory. */
function claimsOnly(claim: (interactionId: string) => Promise<boolean>): InputGate {
  return {
    first: (key) => claim(key.replace(/^discord:/, '')),
    clicks: memoryInputGate().clicks,
  };
}

/** The edits of the interaction's first answer (after a deferral) the fake received. */
function editsFor(h: DiscordHarness, interaction: ChatInputInteraction) {
  const route = `/webhooks/${APP_ID}/${interaction.token}/messages/@original`;
  return h.discord.requests.filter((r) => r.method === 'PATCH' && r.route === route);
}

describe('interactions over HTTP, against fake Discord and the RealtimeKit emulator', () => {
  let h: DiscordHarness;
  let url: string;

  beforeAll(async () => {
    h = await startDiscordHarness({ http: signer, managerRoles: [MANAGER_ROLE] });
    url = h.interactionsUrl!;
    h.emulator.addLivestream({ name: 'Friday town hall', status: 'LIVE' });
    h.emulator.addLivestream({ name: 'Backup stream', status: 'IDLE' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers Discord's PING with PONG in the response (the check when the endpoint URL is saved)", async () => {
    const answer = await postInteraction({
      url,
      signer,
      body: JSON.stringify({ type: 1, id: '1', token: 't' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/json');
    expect(JSON.parse(answer.text)).toEqual({ type: PONG });
  });

  it('refuses a request without a signature, with a forged one, or with a body changed after signing: 401, and runs nothing', async () => {
    const interaction = h.issue('list');
    const body = JSON.stringify(interaction.payload);
    const before = h.contexts.length;
    const unsigned = await postInteraction({ url, signer, body, signature: null });
    const forger = createDiscordSigner();
    const timestamp = String(nowSeconds());
    const forged = await postInteraction({
      url,
      signer,
      body,
      timestamp: Number(timestamp),
      signature: signInteraction(forger, timestamp, body),
    });
    const changed = await postInteraction({
      url,
      signer,
      body: body.replace('"list"', '"stop"'),
      timestamp: Number(timestamp),
      signature: signInteraction(signer, timestamp, body),
    });
    const ping = JSON.stringify({ type: 1 });
    const garbled = await postInteraction({ url, signer, body: ping, signature: 'not hex at all' });
    expect([unsigned.status, forged.status, changed.status, garbled.status]).toEqual([401, 401, 401, 401]);
    // The answer is given after the request was judged: nothing of it reached the core or Discord.
    expect(h.contexts.length).toBe(before);
    expect(callbacksFor(h, interaction)).toEqual([]);
  });

  it('refuses a correctly signed request dated more than 5 minutes from now, either way; 4 minutes is fine', async () => {
    const ping = JSON.stringify({ type: 1 });
    const skew = MAX_SIGNATURE_SKEW_MS / 1000;
    const old = await postInteraction({ url, signer, body: ping, timestamp: nowSeconds() - skew - 5 });
    const ahead = await postInteraction({ url, signer, body: ping, timestamp: nowSeconds() + skew + 5 });
    const recent = await postInteraction({ url, signer, body: ping, timestamp: nowSeconds() - 240 });
    expect([old.status, ahead.status, recent.status]).toEqual([401, 401, 200]);
  });

  it('refuses a body over the cap (413) and anything but POST (405)', async () => {
    const huge = JSON.stringify({ type: 1, padding: 'x'.repeat(200 * 1024) });
    const tooLarge = await postInteraction({ url, signer, body: huge });
    expect(tooLarge.status).toBe(413);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('/livestream list: answered through the interaction callback, and the POST then with 202 and no body', async () => {
    const interaction = h.issue('list', { per_page: 1 });
    h.deliver(interaction);
    const answer = await h.answer(interaction);
    expect(answer.status).toBe(202);
    expect(answer.text).toBe('');
    // The 202 comes once the answer is out: Discord reads it as "answered through the callback".
    const [callback] = callbacksFor(h, interaction);
    expect(callback).toBeDefined();
    const body = callback!.body as InteractionCallback;
    expect(body.type).toBe(CHANNEL_MESSAGE);
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(titles(body.data)).toEqual(['Livestreams']);
    expect(JSON.stringify(body.data?.embeds)).toContain('Showing 1-1 of 2');
    // Authorised by the token in the route: the bot token is never sent with an answer.
    expect(callback!.headers.authorization).toBeUndefined();
  });

  it("takes the member's rights from the payload: Manage Channels, Administrator or a manager role may manage", async () => {
    const before = h.contexts.length;
    const asked = [
      h.issue('list', {}, { roles: [] }),
      h.issue('list', {}, { roles: [MANAGER_ROLE] }),
      h.issue('list', {}, { roles: [], permissions: MANAGE_CHANNELS }),
      h.issue('list', {}, { roles: [], permissions: ADMINISTRATOR }),
    ];
    for (const interaction of asked) {
      h.deliver(interaction);
      expect((await h.answer(interaction)).status).toBe(202);
    }
    const contexts = h.contexts.slice(before);
    expect(contexts.map((c) => c.canManage)).toEqual([false, true, true, true]);
    expect(contexts[0]).toMatchObject({
      platform: 'discord',
      channelId: CHANNEL_ID,
      userId: '1200000000000000001',
      canOperate: false,
      // Discord's time of the command, from its snowflake id.
      issuedAt: SnowflakeUtil.timestampFrom(asked[0]!.id),
    });
  });

  it('a click on Next: the ephemeral page is updated in place (UPDATE_MESSAGE), as over the gateway', async () => {
    const list = h.issue('list', { per_page: 1 });
    h.deliver(list);
    await h.answer(list);
    const first = (callbacksFor(h, list)[0]!.body as InteractionCallback).data!;
    const next = buttons(first).find((b) => b.label === 'Next');
    expect(next?.custom_id).toBeDefined();
    const click = h.click(next!.custom_id!, { message: { flags: EPHEMERAL, ...first } });
    expect((await h.answer(click)).status).toBe(202);
    const updated = (await h.callback(click)).body;
    expect(updated.type).toBe(UPDATE_MESSAGE);
    expect(JSON.stringify(updated.data?.embeds)).toContain('Showing 2-2 of 2');
    expect(buttons(updated.data).map((b) => b.label)).toContain('Previous');
  });

  it('the same interaction delivered twice is answered once', async () => {
    const interaction = h.issue('list');
    h.deliver(interaction);
    expect((await h.answer(interaction)).status).toBe(202);
    h.deliver(interaction);
    expect((await h.answer(interaction)).status).toBe(202);
    expect(callbacksFor(h, interaction)).toHaveLength(1);
  });

  it('registers /livestream, and opens no gateway session: an interaction can only come one way', async () => {
    const put = await h.discord.waitForRequest((r) => r.method === 'PUT');
    expect(put.route).toBe(`/applications/${APP_ID}/guilds/${GUILD_ID}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(h.discord.requests.some((r) => r.route === '/applications/@me')).toBe(true);
    expect(h.discord.requests.some((r) => r.route === '/gateway/bot')).toBe(false);
    expect(h.discord.identifies).toEqual([]);
    expect(h.adapter.client).toBeNull();
    expect(h.adapter.connected()).toBe(true);
    expect(h.logs.join('\n')).not.toContain(BOT_TOKEN);
  });
});

describe('over HTTP, a slow answer and claims shared with other replicas', () => {
  const claimed: string[] = [];
  /** Ids another replica has claimed. */
  const elsewhere = new Set<string>();
  let broken = false;
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await startDiscordHarness({
      http: signer,
      deferAfterMs: 200,
      inputs: claimsOnly((id) => {
        claimed.push(id);
        if (broken) return Promise.reject(new Error('the store is unreachable'));
        return Promise.resolve(!elsewhere.has(id));
      }),
    });
    h.emulator.addLivestream({ name: 'Slow show', status: 'IDLE' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a slow API: deferred (ephemeral) first, the POST answered 202, then the original response edited', async () => {
    h.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 800 });
    const interaction = h.issue('list');
    h.deliver(interaction);
    expect((await h.answer(interaction)).status).toBe(202);
    expect(callbacksFor(h, interaction).map((r) => r.body)).toEqual([
      { type: DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } },
    ]);
    // The 202 came with the deferral, not held until the answer: the API (800 ms) has not answered yet.
    expect(editsFor(h, interaction)).toEqual([]);
    const edit = await h.edit(interaction);
    expect(edit.headers.authorization).toBeUndefined();
    expect(titles(edit.body)).toEqual(['Livestreams']);
    h.emulator.clearFaults();
  });

  it('an interaction another replica claimed is not answered, and reaches no core', async () => {
    const interaction = h.issue('list');
    elsewhere.add(interaction.id);
    const before = h.contexts.length;
    h.deliver(interaction);
    // The POST is answered once the claim was decided: nothing was, or will be, sent for it.
    expect((await h.answer(interaction)).status).toBe(202);
    expect(claimed).toContain(interaction.id);
    expect(callbacksFor(h, interaction)).toEqual([]);
    expect(h.contexts.length).toBe(before);
  });

  it('a claim that fails runs nothing: the person is told it did not work', async () => {
    broken = true;
    try {
      const interaction = h.issue('list');
      const before = h.contexts.length;
      h.deliver(interaction);
      expect((await h.answer(interaction)).status).toBe(202);
      const [callback] = callbacksFor(h, interaction);
      expect((callback?.body as InteractionCallback).data?.flags).toBe(EPHEMERAL);
      expect(JSON.stringify((callback?.body as InteractionCallback).data?.embeds)).toContain('did not work');
      expect(h.contexts.length).toBe(before);
    } finally {
      broken = false;
    }
  });
});

describe('over the gateway, claims shared with other replicas', () => {
  const elsewhere = new Set<string>();
  const claimed: string[] = [];
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await startDiscordHarness({
      inputs: claimsOnly((id) => {
        claimed.push(id);
        return Promise.resolve(!elsewhere.has(id));
      }),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('an interaction another replica claimed is left to it; the next one is answered', async () => {
    // Theirs would be answered at once (help needs no API), ours only after the API's 300 ms: had
    // theirs been answered too, its callback would have come long before ours.
    h.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 300 });
    const theirs = h.issue('help');
    elsewhere.add(theirs.id);
    const ours = h.issue('list');
    h.deliver(theirs);
    h.deliver(ours);
    expect((await h.callback(ours)).body.type).toBe(CHANNEL_MESSAGE);
    // Both were claimed, in the order they came; only the one this replica won was answered.
    expect(claimed.slice(-2)).toEqual([theirs.id, ours.id]);
    expect(callbacksFor(h, theirs)).toEqual([]);
    h.emulator.clearFaults();
  });
});

describe('starting over HTTP', () => {
  const core: Core = {
    replyToText: async () => reply({ title: 'unused' }),
    replyToCommand: async () => reply({ title: 'unused' }),
  };
  const config = (apiUrl: string): DiscordConfig => ({
    botToken: 'discord-http-start-token',
    applicationId: APP_ID,
    guildId: null,
    apiUrl,
    notifyChannel: null,
    managerRoles: [],
    interactions: { publicKey: signer.publicKeyHex, port: 0 },
  });

  it('says when DISCORD_PUBLIC_KEY is not the application’s key, or Discord has no endpoint URL to post to', async () => {
    const other = createDiscordSigner();
    const discord = await startFakeDiscord({
      applicationId: APP_ID,
      application: { verifyKey: other.publicKeyHex },
    });
    const server = createHttpServer({ log: recordingLogger().log });
    await server.listen(0, '127.0.0.1');
    const { log, matching } = recordingLogger();
    const adapter = await startDiscordAdapter({
      config: config(discord.restUrl),
      core,
      log,
      server,
      rest: { retries: 0 },
    });
    try {
      expect(matching('DISCORD_PUBLIC_KEY is not this application')).toHaveLength(1);
      expect(matching('no Interactions Endpoint URL')).toHaveLength(1);
      expect(matching('in no Discord server')).toHaveLength(1);
    } finally {
      await adapter.stop();
      await server.close();
      await discord.close();
    }
  });

  it('a refused token stops the start with a sentence naming DISCORD_BOT_TOKEN', async () => {
    const discord = await startFakeDiscord({ applicationId: APP_ID });
    discord.answer('GET', '/applications/@me', {
      status: 401,
      body: { message: '401: Unauthorized', code: 0 },
    });
    const server = createHttpServer({ log: recordingLogger().log });
    await server.listen(0, '127.0.0.1');
    try {
      await expect(
        startDiscordAdapter({
          config: config(discord.restUrl),
          core,
          log: recordingLogger().log,
          server,
          rest: { retries: 0 },
        }),
      ).rejects.toThrow(/Discord refused DISCORD_BOT_TOKEN/);
      // Nothing was mounted: the endpoint is not there.
      const answer = await postInteraction({
        url: `http://127.0.0.1:${server.port}/discord/interactions`,
        signer,
        body: '{"type":1}',
      });
      expect(answer.status).toBe(404);
    } finally {
      await server.close();
      await discord.close();
    }
  });
});

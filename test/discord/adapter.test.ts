/**
 * The real discord.js client end to end: fake Discord REST + gateway, real core, RealtimeKit emulator.
 * Asserts on what the bot actually sent: registration, interaction callbacks, deferred edits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnowflakeUtil } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDiscordAdapter } from '../../adapters/discord/app.js';
import { applicationCommands } from '../../adapters/discord/commands.js';
import { TONE_COLOURS } from '../../adapters/discord/render.js';
import type { Core } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import {
  APP_ID,
  BOT_TOKEN,
  CHANNEL_ID,
  type DiscordHarness,
  GUILD_ID,
  startDiscordHarness,
} from '../fakes/discord-harness.js';
import { MEMBER_PERMISSIONS, NO_MENTION_EVERYONE } from '../fakes/discord-interactions.js';
import { startFakeDiscord } from '../fakes/discord-server.js';

const EPHEMERAL = 64;
const CHANNEL_MESSAGE = 4;
const DEFERRED_CHANNEL_MESSAGE = 5;
const MEETING_ID = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const MANAGER_ROLE = '1100000000000000009';

type Embed = {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string }[];
  footer?: { text: string };
};

function embedText(embeds: Embed[] | undefined): string {
  return JSON.stringify(embeds ?? []);
}

/** The embeds of a callback or edit body; an answer without them fails the test here. */
function embedsOf(body: { data?: { embeds?: unknown } } | { embeds?: unknown }): Embed[] {
  const embeds = 'data' in body ? body.data?.embeds : 'embeds' in body ? body.embeds : undefined;
  if (!Array.isArray(embeds)) throw new Error(`no embeds in ${JSON.stringify(body)}`);
  return embeds as Embed[];
}

describe('Discord adapter, guild-scoped, against fake Discord and the RealtimeKit emulator', () => {
  let h: DiscordHarness;
  let liveId: string;
  let liveSessionId: string;

  beforeAll(async () => {
    h = await startDiscordHarness({ managerRoles: [MANAGER_ROLE] });
    const live = h.emulator.addLivestream({
      name: 'Friday town hall',
      status: 'LIVE',
      meeting_id: MEETING_ID,
    });
    h.emulator.addLivestream({ name: 'Backup stream', status: 'IDLE' });
    liveId = live.id;
    liveSessionId = h.emulator.sessionsOf(live.id)[0]!.id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('identifies with the Guilds intent only and registers /livestream in the guild (bulk overwrite)', async () => {
    expect(h.discord.identifies).toEqual([{ token: BOT_TOKEN, intents: 1 }]);
    const put = await h.discord.waitForRequest((r) => r.method === 'PUT');
    expect(put.route).toBe(`/applications/${APP_ID}/guilds/${GUILD_ID}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(put.body).toEqual(applicationCommands('guild'));
    const [command] = put.body as { name: string; contexts?: unknown; options: { name: string }[] }[];
    expect(command?.name).toBe('livestream');
    expect(command?.contexts).toBeUndefined();
    expect(command?.options.map((o) => o.name)).toEqual([
      'list',
      'create',
      'status',
      'session',
      'meeting',
      'start',
      'stop',
      'show',
      'stats',
      'subscribe',
      'unsubscribe',
      'subscriptions',
      'help',
    ]);
  });

  it('list: answers directly with the livestreams as embed fields, status badges and a Showing footer', async () => {
    const interaction = h.run('list', { per_page: 1 });
    const { body, headers } = await h.callback(interaction);
    expect(body.type).toBe(CHANNEL_MESSAGE);
    const embeds = embedsOf(body);
    expect(embeds[0]?.title).toBe('Livestreams');
    expect(embeds[0]?.fields).toHaveLength(1);
    expect(embeds[0]?.footer?.text).toContain('Showing 1-1 of 2');
    expect(embeds[0]?.footer?.text).toContain('Next page: /livestream list page:2 per_page:1');
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(body.data?.allowed_mentions).toEqual({ parse: [] });
    // Interaction callbacks are authorised by the token in the route: the bot token is never sent.
    expect(headers.authorization).toBeUndefined();
    // The body goes out pre-encoded (passThroughBody), so its type is ours to send: Discord needs it.
    expect(headers['content-type']).toBe('application/json');
  });

  it('identical commands in flight: one RealtimeKit request, and each interaction gets its own callback', async () => {
    h.emulator.resetRequests();
    // The API takes a moment (well inside the 1.5 s before a defer), so the second arrives while the
    // first one's request is in flight.
    h.emulator.injectFault({ method: 'GET', path: 'livestreams', delayMs: 300 });
    const first = h.run('list', { per_page: 2 });
    const second = h.run('list', { per_page: 2 });
    const [a, b] = await Promise.all([h.callback(first), h.callback(second)]);
    expect(a.route).not.toBe(b.route);
    expect(a.body).toEqual(b.body);
    expect(a.body.data?.flags).toBe(EPHEMERAL);
    expect(embedsOf(a.body)[0]?.fields).toHaveLength(2);
    expect(h.emulator.requests.filter((r) => r.path === 'livestreams')).toHaveLength(1);
  });

  it('a command issued before an identical answer arrived gets that answer, however late we reach it', async () => {
    h.emulator.resetRequests();
    const listRequests = () => h.emulator.requests.filter((r) => r.path === 'livestreams');
    const early = h.issue('list', { per_page: 3 });
    const first = h.run('list', { per_page: 3 });
    const answered = await h.callback(first);
    // The list changes, and only now does `early` reach the bot (a busy gateway, a slow process). It was
    // issued while the first request was in flight: the answer that arrived after it serves it.
    h.emulator.addLivestream({ name: 'Added after the answer', status: 'IDLE' });
    h.deliver(early);
    const late = await h.callback(early);
    expect(late.body).toEqual(answered.body);
    expect(listRequests()).toHaveLength(1);

    // Issued after the answer arrived (a later millisecond): it asks again and sees the change.
    const answeredAt = Date.now();
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(answeredAt));
    const fresh = await h.callback(h.run('list', { per_page: 3 }));
    expect(embedText(embedsOf(fresh.body))).toContain('Added after the answer');
    expect(listRequests()).toHaveLength(2);
  });

  it('list status:LIVE: maps the options to the core query (no text parsing)', async () => {
    const request = h.emulator.waitForRequest((r) => r.path === 'livestreams' && r.query.status === 'LIVE');
    const interaction = h.run('list', {
      status: 'LIVE',
      sort: 'asc',
      exclude_meetings: false,
      since: '2020-01-01',
    });
    const { body } = await h.callback(interaction);
    const sent = await request;
    expect(sent.query).toMatchObject({ status: 'LIVE', sort_order: 'ASC', start_time: expect.any(String) });
    const text = embedText(embedsOf(body));
    expect(text).toContain('Friday town hall');
    expect(text).toContain('🔴 LIVE');
    expect(text).not.toContain('Backup stream');
  });

  it('status: shows the active session as an embed coloured for LIVE', async () => {
    const interaction = h.run('status', { livestream_id: liveId });
    const { body } = await h.callback(interaction);
    const [embed] = embedsOf(body);
    expect(embed?.color).toBe(TONE_COLOURS.live);
    expect(embed?.title).toBe('Active session of Friday town hall');
    expect(embedText([embed!])).toContain(liveSessionId);
    expect(embedText([embed!])).toMatch(/<t:\d+:f>/);
  });

  it('show with more than a page of sessions: the next page in Discord’s syntax, not the text grammar', async () => {
    const busy = h.emulator.addLivestream({ name: 'Busy', status: 'IDLE' });
    for (let i = 0; i < 7; i++) {
      h.emulator.setStatus(busy.id, 'LIVE');
      h.emulator.setStatus(busy.id, 'IDLE');
    }
    const { body } = await h.callback(h.run('show', { livestream_id: busy.id }));
    const footer = embedsOf(body)[0]?.footer?.text ?? '';
    expect(footer).toContain(`Next page: /livestream show livestream_id:${busy.id} page:2`);
    expect(embedText(embedsOf(body))).not.toContain('--page');
  });

  it('status of an IDLE livestream names no command in the text grammar: Details is the way on', async () => {
    const idle = h.emulator.addLivestream({ name: 'Quiet hours', status: 'IDLE' });
    const { body } = await h.callback(h.run('status', { livestream_id: idle.id }));
    const text = embedText(embedsOf(body));
    expect(embedsOf(body)[0]?.title).toBe('Quiet hours is not live now');
    expect(text).not.toContain(`/livestream show ${idle.id}`);
    expect(JSON.stringify(body.data?.components)).toContain(`v1:n:show ${idle.id}`);
  });

  it('session: shows one session by id', async () => {
    const { body } = await h.callback(h.run('session', { session_id: liveSessionId }));
    const [embed] = embedsOf(body);
    expect(embed?.title).toBe('Livestream session');
    expect(embedText([embed!])).toContain(liveId);
  });

  it('meeting: shows the active livestream of a meeting', async () => {
    const { body } = await h.callback(h.run('meeting', { meeting_id: MEETING_ID }));
    const [embed] = embedsOf(body);
    expect(embed?.title).toBe(`Active livestream of meeting ${MEETING_ID}`);
    expect(embedText([embed!])).toContain('Friday town hall');
  });

  it('create: replies ephemerally (flags 64) and the stream key appears only there', async () => {
    // create is an operator's (here: the subscription role, DISCORD_OPERATOR_ROLES being unset).
    const interaction = h.run('create', { name: 'Launch day' }, { roles: [MANAGER_ROLE] });
    const { body } = await h.callback(interaction);
    expect(body.type).toBe(CHANNEL_MESSAGE);
    expect(body.data?.flags).toBe(EPHEMERAL);
    const created = h.emulator.livestreams().find((l) => l.name === 'Launch day');
    expect(created).toBeDefined();
    const key = created!.stream_key;
    expect(embedText(embedsOf(body))).toContain(`\`${key}\``);
    // Nothing else the bot sent (registration, other replies) ever carried the key.
    const elsewhere = h.discord.requests.filter(
      (r) => r.route !== `/interactions/${interaction.id}/${interaction.token}/callback`,
    );
    for (const request of elsewhere) expect(JSON.stringify(request.body ?? '')).not.toContain(key);
  });

  it('help: answers at once in Discord syntax, without calling the API', async () => {
    const before = h.emulator.requests.length;
    const { body } = await h.callback(h.run('help', { command: 'list' }));
    expect(h.emulator.requests.length).toBe(before);
    const text = embedText(embedsOf(body));
    expect(text).toContain('per_page:');
    expect(text).not.toContain('--per-page');
  });

  it('bad options: the usage reply, ephemeral, without calling the API', async () => {
    const before = h.emulator.requests.length;
    const { body } = await h.callback(h.run('list', { since: 'last tuesday' }));
    expect(h.emulator.requests.length).toBe(before);
    expect(body.data?.flags).toBe(EPHEMERAL);
    const [embed] = embedsOf(body);
    expect(embed?.title).toBe('That command is not quite right');
    expect(embed?.color).toBe(TONE_COLOURS.error);
    expect(embedText([embed!])).toContain('since needs an ISO date');
  });

  it('an API error becomes an ephemeral error reply', async () => {
    h.emulator.injectFault({ path: 'livestreams', method: 'GET', status: 500 });
    const { body } = await h.callback(h.run('list'));
    expect(body.data?.flags).toBe(EPHEMERAL);
    const [embed] = embedsOf(body);
    expect(embed?.title).toBe('That did not work');
    expect(embed?.description).toContain('RealtimeKit is having trouble (HTTP 500)');
  });

  it('a not-found id becomes an ephemeral "Not found"', async () => {
    const { body } = await h.callback(h.run('status', { livestream_id: 'no-such-stream' }));
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(embedsOf(body)[0]?.title).toBe('Not found');
  });

  it('a slow API: defers (ephemeral) within Discord’s 3 s, then edits the reply', async () => {
    h.emulator.injectFault({ path: `livestreams/${liveId}/active-livestream-session`, delayMs: 2_200 });
    const started = Date.now();
    const interaction = h.run('status', { livestream_id: liveId });
    const deferred = await h.callback(interaction);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(deferred.body).toEqual({ type: DEFERRED_CHANNEL_MESSAGE, data: { flags: EPHEMERAL } });
    const edit = await h.edit(interaction);
    expect(edit.headers.authorization).toBeUndefined();
    expect(embedsOf(edit.body)[0]?.title).toBe('Active session of Friday town hall');
  });

  it('passes the platform context to the core: channel, user, the manager and operator checks and when it was issued', async () => {
    const before = h.contexts.length;
    const plain = h.run('list', {}, { roles: [] });
    await h.callback(plain);
    const byRole = h.run('list', {}, { roles: [MANAGER_ROLE] });
    await h.callback(byRole);
    const byPermission = h.run('list', {}, { roles: [], permissions: String(0x10) });
    await h.callback(byPermission);
    const context = (canManage: boolean, interaction: { id: string }) => ({
      platform: 'discord',
      channelId: CHANNEL_ID,
      userId: '1200000000000000001',
      canManage,
      // Operators default to the subscription managers (DISCORD_OPERATOR_ROLES is unset here).
      canOperate: canManage,
      operators: {
        userIds: [],
        roleIds: [MANAGER_ROLE],
        permission: 'Manage Channels',
        setting: 'DISCORD_SUBSCRIPTION_ROLES',
      },
      // Discord's time of the command, read from its snowflake id.
      issuedAt: SnowflakeUtil.timestampFrom(interaction.id),
      canMention: expect.any(Function),
      // Discord's rule for a refused ping, in Discord's words: the core names none.
      mentionRight: expect.stringContaining('Mention Everyone permission'),
    });
    expect(h.contexts.slice(before)).toEqual([
      context(false, plain),
      context(true, byRole),
      context(true, byPermission),
    ]);
  });

  it('survives a failed callback (expired interaction) and keeps answering', async () => {
    const expired = h.run('help');
    h.discord.answer('POST', `/interactions/${expired.id}/${expired.token}/callback`, {
      status: 404,
      body: { message: 'Unknown interaction', code: 10062 },
    });
    await h.callback(expired);
    const next = await h.callback(h.run('help'));
    expect(next.body.type).toBe(CHANNEL_MESSAGE);
  });

  it('ignores other commands', async () => {
    const other = h.run('list');
    const ignored = { ...other.payload, data: { ...(other.payload.data as object), name: 'other' } };
    h.discord.dispatch('INTERACTION_CREATE', { ...ignored, id: '1300000000000009999', token: 'other-token' });
    const after = await h.callback(h.run('help'));
    expect(after.body.type).toBe(CHANNEL_MESSAGE);
    expect(h.discord.requests.some((r) => r.route.includes('other-token'))).toBe(false);
  });

  it('never logs the bot token', () => {
    expect(h.logs.length).toBeGreaterThan(0);
    for (const line of h.logs) expect(line).not.toContain(BOT_TOKEN);
  });
});

describe('Discord subscribe: who may make the bot ping, and which ids', () => {
  const ROLE = '1100000000000000044';
  const role = (mentionable: boolean) => ({ roleId: ROLE, name: 'Stream crew', mentionable });
  let h: DiscordHarness;
  let dir: string;
  let store: NotifyStore;
  let showId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'discord-subs-'));
    store = openSqliteStore(dir);
    h = await startDiscordHarness({ store });
    showId = h.emulator.addLivestream({ name: 'Launch show', status: 'IDLE' }).id;
  });
  afterAll(async () => {
    await h?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await store.removeSubscriptions({ platform: 'discord', channelId: CHANNEL_ID });
  });

  it('a role that is not mentionable, from a member without Mention Everyone: refused, naming the role and the right', async () => {
    const interaction = h.run('subscribe', { mention: role(false) }, { permissions: NO_MENTION_EVERYONE });
    const { body } = await h.callback(interaction);
    expect(body.data?.flags).toBe(EPHEMERAL);
    // The refusal pings no one itself.
    expect(body.data?.allowed_mentions).toEqual({ parse: [] });
    const text = embedText(embedsOf(body));
    expect(text).toContain(`<@&${ROLE}>`);
    expect(text).toContain('Mention Everyone');
    expect(await store.subscriptions()).toEqual([]);
  });

  it('a mentionable role is fine without Mention Everyone', async () => {
    const interaction = h.run('subscribe', { mention: role(true) }, { permissions: NO_MENTION_EVERYONE });
    const { body } = await h.callback(interaction);
    expect(embedsOf(body)[0]?.title).toBe('Subscribed');
    expect(await store.subscriptions()).toEqual([expect.objectContaining({ mention: `<@&${ROLE}>` })]);
  });

  it('the @everyone role from the picker is stored as @everyone (a role mention of it pings nobody)', async () => {
    const everyone = { roleId: GUILD_ID, name: '@everyone', mentionable: false };
    const refused = await h.callback(
      h.run('subscribe', { mention: everyone }, { permissions: NO_MENTION_EVERYONE }),
    );
    expect(embedText(embedsOf(refused.body))).toContain('Mention Everyone');
    expect(await store.subscriptions()).toEqual([]);
    const interaction = h.run('subscribe', { mention: everyone }, { permissions: MEMBER_PERMISSIONS });
    expect(embedsOf((await h.callback(interaction)).body)[0]?.title).toBe('Subscribed');
    expect(await store.subscriptions()).toEqual([expect.objectContaining({ mention: '@everyone' })]);
  });

  it('Mention Everyone may ping any role', async () => {
    const interaction = h.run('subscribe', { mention: role(false) }, { permissions: MEMBER_PERMISSIONS });
    const { body } = await h.callback(interaction);
    expect(embedsOf(body)[0]?.title).toBe('Subscribed');
    expect(await store.subscriptions()).toEqual([expect.objectContaining({ mention: `<@&${ROLE}>` })]);
  });

  it('an unknown livestream id is refused by name; a known one is shown by its name', async () => {
    const unknown = await h.callback(h.run('subscribe', { livestream_id: 'no-such-stream' }));
    expect(embedText(embedsOf(unknown.body))).toContain('no-such-stream');
    expect(await store.subscriptions()).toEqual([]);
    const known = await h.callback(h.run('subscribe', { livestream_id: showId }));
    expect(embedText(embedsOf(known.body))).toContain('Launch show');
    expect(await store.subscriptions()).toEqual([expect.objectContaining({ livestreamId: showId })]);
  });
});

describe('Discord adapter without DISCORD_GUILD_ID', () => {
  it('registers /livestream globally, with guild-only contexts', async () => {
    const h = await startDiscordHarness({ guildId: null });
    try {
      const put = await h.discord.waitForRequest((r) => r.method === 'PUT');
      expect(put.route).toBe(`/applications/${APP_ID}/commands`);
      expect(put.body).toEqual(applicationCommands('global'));
      expect((put.body as { contexts: number[] }[])[0]?.contexts).toEqual([0]);
    } finally {
      await h.stop();
    }
  });
});

describe('Discord adapter with a token Discord rejects', () => {
  it('logs why registration failed and rejects the start, without leaving the client running', async () => {
    const discord = await startFakeDiscord({ applicationId: APP_ID });
    const unauthorized = { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    discord.answer('PUT', /commands$/, unauthorized);
    discord.answer('GET', '/gateway/bot', unauthorized);
    const logs: string[] = [];
    const core: Core = {
      replyToText: () => Promise.reject(new Error('not called')),
      replyToCommand: () => Promise.reject(new Error('not called')),
    };
    try {
      const start = startDiscordAdapter({
        config: {
          botToken: 'rejected-token',
          applicationId: APP_ID,
          guildId: null,
          apiUrl: discord.restUrl,
          notifyChannel: null,
          managerRoles: [],
        },
        core,
        log: createLogger({ write: (line) => logs.push(line) }),
        rest: { retries: 0 },
      });
      await expect(start).rejects.toThrow(/invalid token/i);
      expect(logs.join('\n')).toContain('Discord rejected DISCORD_BOT_TOKEN');
      expect(logs.join('\n')).not.toContain('rejected-token');
      expect(discord.identifies).toEqual([]);
    } finally {
      await discord.close();
    }
  });
});

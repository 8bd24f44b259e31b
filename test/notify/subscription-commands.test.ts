/**
 * The subscription commands through the core, as a chat user types them, against the real SQLite store
 * and the RealtimeKit emulator behind the real client (subscribe checks the ids it names).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore, StoreOpenError } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import {
  DEFAULT_SUBSCRIPTION_LIMITS,
  handleSubscriptionCommand,
} from '../../src/notify/subscription-commands.js';
import type { Subscription } from '../../src/notify/types.js';
import { createRealtimeKitClient, type RealtimeKitClient } from '../../src/realtimekit/client.js';
import { type Reply, replyToPlainText } from '../../src/reply.js';
import { terminalText } from '../../adapters/console/render.js';
import { renderReply as renderDiscordReply } from '../../adapters/discord/render.js';
import { renderReply as renderSlackReply } from '../../adapters/slack/render.js';
import { blocksText } from '../fakes/slack-harness.js';

let emulator: Emulator;
let client: RealtimeKitClient;
let dir: string;
let store: NotifyStore;
let townHall: string;
let backup: string;

const slack = (over: Partial<RequestContext> = {}): RequestContext => ({
  platform: 'slack',
  channelId: 'C1',
  userId: 'U1',
  canManage: true,
  ...over,
});
const text = (value: Reply) => replyToPlainText(value);
const apiRequests = () => emulator.requests.filter((r) => r.path.startsWith('livestreams'));
const core = () => createCore({ client, log: silentLogger, store });

beforeAll(async () => {
  emulator = createEmulator({ seed: 5 });
  await emulator.start();
  client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
  townHall = emulator.addLivestream({ name: 'Friday town hall', status: 'LIVE' }).id;
  backup = emulator.addLivestream({ name: 'Backup stream', status: 'IDLE' }).id;
});
afterAll(async () => {
  await emulator.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'subs-'));
  store = openSqliteStore(dir);
  emulator.clearFaults();
  emulator.resetRequests();
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('subscribe / unsubscribe / subscriptions', () => {
  it('subscribes a channel per platform and lists it', async () => {
    const subscribed = await core().replyToText('subscribe live --mention @here', slack());
    expect(subscribed.title).toBe('Subscribed');
    expect(text(subscribed)).toContain('any livestream of this app goes LIVE');
    expect(text(subscribed)).toContain('@here');
    await core().replyToText(`subscribe errored ${backup}`, { ...slack(), platform: 'discord' });
    expect(await store.subscriptions()).toEqual([
      expect.objectContaining({
        platform: 'discord',
        channelId: 'C1',
        livestreamId: backup,
        onLive: false,
        onErrored: true,
      }),
      expect.objectContaining({
        platform: 'slack',
        channelId: 'C1',
        livestreamId: null,
        onLive: true,
        onErrored: false,
        mention: '@here',
      }),
    ]);
    const listed = await core().replyToText('subscriptions', slack());
    expect(listed.list?.items.map((i) => i.title)).toEqual(['Every livestream']);
    const other = await core().replyToText('subscriptions', slack({ channelId: 'C2' }));
    expect(other.list?.items).toEqual([]);
    expect(other.list?.empty).toMatch(/subscribe/);
  });

  it('unsubscribes one livestream or the whole channel', async () => {
    await core().replyToText(`subscribe ${townHall} ${backup}`, slack());
    await core().replyToText('subscribe', slack());
    expect((await core().replyToText(`unsubscribe ${townHall}`, slack())).text).toBe(
      'Removed 1 subscription from this channel.',
    );
    expect((await core().replyToText('unsubscribe', slack())).text).toBe(
      'Removed 2 subscriptions from this channel.',
    );
    expect((await core().replyToText('unsubscribe', slack())).title).toBe('Nothing to remove');
  });

  it('lets only managers change subscriptions when the config limits it', async () => {
    const denied = await core().replyToText('subscribe', slack({ canManage: false }));
    expect(denied.title).toBe('Not allowed');
    expect(await store.subscriptions()).toEqual([]);
    expect((await core().replyToText('subscriptions', slack({ canManage: false }))).title).toBe(
      'Subscriptions in this channel',
    );
  });

  it('says so when notifications are off', async () => {
    const bare = createCore({ client, log: silentLogger });
    expect((await bare.replyToText('subscribe', slack())).title).toBe('Notifications are off');
  });
});

describe('subscriptions add up, and the reply says what changed', () => {
  it('subscribe errored, then subscribe live: both, and the reply says now and was', async () => {
    await core().replyToText('subscribe errored', slack());
    const second = await core().replyToText('subscribe live', slack());
    expect(await store.subscriptions()).toEqual([
      expect.objectContaining({ livestreamId: null, onLive: true, onErrored: true }),
    ]);
    expect(text(second)).toContain('now: live, ended, errored; was: errored');
  });

  it('the same for one livestream, and an unchanged one says nothing changed', async () => {
    await core().replyToText(`subscribe live ${townHall}`, slack());
    const more = await core().replyToText(`subscribe errored ${townHall}`, slack());
    expect(text(more)).toContain('now: live, ended, errored; was: live, ended');
    const again = await core().replyToText(`subscribe errored ${townHall}`, slack());
    expect(text(again)).toMatch(/already/i);
    expect(await store.subscriptions()).toEqual([
      expect.objectContaining({ livestreamId: townHall, onLive: true, onErrored: true }),
    ]);
  });

  it('a new mention replaces the old one, and the reply says so; none given keeps it', async () => {
    await core().replyToText('subscribe --mention @here', slack());
    await core().replyToText('subscribe live', slack());
    expect((await store.subscriptions())[0]?.mention).toBe('@here');
    const changed = await core().replyToText('subscribe --mention @channel', slack());
    expect((await store.subscriptions())[0]?.mention).toBe('@channel');
    expect(text(changed)).toContain(
      'now: live, ended, errored, mention @channel; was: live, ended, errored, mention @here',
    );
  });
});

describe('ids are checked against the API', () => {
  it('known ids are shown with their names', async () => {
    const answer = await core().replyToText(`subscribe ${townHall} ${backup}`, slack());
    expect(answer.title).toBe('Subscribed');
    expect(text(answer)).toContain('Friday town hall');
    expect(text(answer)).toContain('Backup stream');
    expect((await store.subscriptions()).map((s) => s.livestreamId)).toEqual([backup, townHall].sort());
  });

  it('an unknown id is refused by name, and nothing is written (not even the known ones)', async () => {
    const answer = await core().replyToText(`subscribe ${townHall} made-up-id`, slack());
    expect(answer.tone).toBe('error');
    expect(text(answer)).toContain('made-up-id');
    expect(text(answer)).toContain('Friday town hall');
    expect(await store.subscriptions()).toEqual([]);
  });

  it('an id the poller has seen needs no request', async () => {
    await store.commitCycle({
      changed: new Map([[townHall, { status: 'LIVE', name: 'Friday town hall', sessionId: null }]]),
      removed: [],
      events: [],
      baseline: true,
    });
    const answer = await core().replyToText(`subscribe ${townHall}`, slack());
    expect(text(answer)).toContain('Friday town hall');
    expect(apiRequests()).toEqual([]);
  });

  it('an idle livestream far down the list (older than the 600 newest) is found by its id', async () => {
    const old = emulator.addLivestream({ name: 'Last year', status: 'IDLE' });
    emulator.seed(600, { status: 'IDLE' });
    const answer = await core().replyToText(`subscribe ${old.id}`, slack());
    expect(answer.title).toBe('Subscribed');
    expect(text(answer)).toContain('Last year');
    // One request for the one id, not a walk of the list.
    expect(apiRequests().map((r) => r.path)).toEqual([`livestreams/${old.id}`]);
  });

  it('a failing lookup leaves nothing written and says why', async () => {
    emulator.injectFault({ method: 'GET', path: 'livestreams', status: 500, times: Infinity });
    const answer = await core().replyToText(`subscribe ${townHall} ${backup}`, slack());
    expect(answer.tone).toBe('error');
    expect(text(answer)).toMatch(/RealtimeKit is having trouble/);
    expect(await store.subscriptions()).toEqual([]);
  });
});

describe('bounded work per command', () => {
  it('600 made-up ids are refused at once: no request, nothing written', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => `made-up-${i}`);
    const answer = await core().replyToText(`subscribe ${ids.join(' ')}`, slack());
    expect(answer.title).toBe('Too many livestreams');
    expect(text(answer)).toContain(`at most ${DEFAULT_SUBSCRIPTION_LIMITS.maxIdsPerCommand}`);
    expect(await store.subscriptions()).toEqual([]);
    expect(apiRequests()).toEqual([]);
  });

  it('the same cap for unsubscribe', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => `made-up-${i}`);
    const answer = await core().replyToText(`unsubscribe ${ids.join(' ')}`, slack());
    expect(answer.title).toBe('Too many livestreams');
  });

  it('a channel holds at most 100 subscriptions: past it, the command is refused whole', async () => {
    const limit = DEFAULT_SUBSCRIPTION_LIMITS.maxPerChannel;
    for (let i = 0; i < limit - 1; i++) {
      await store.upsertSubscription({
        platform: 'slack',
        channelId: 'C1',
        livestreamId: `old-${i}`,
        onLive: true,
        onErrored: true,
        mention: null,
        source: 'chat',
      });
    }
    const answer = await core().replyToText(`subscribe ${townHall} ${backup}`, slack());
    expect(answer.title).toBe('Too many subscriptions');
    expect(text(answer)).toContain(`at most ${limit}`);
    expect(await store.subscriptions()).toHaveLength(limit - 1);
    // One more fits; an existing one can always be changed.
    expect((await core().replyToText(`subscribe ${townHall}`, slack())).title).toBe('Subscribed');
    expect((await core().replyToText(`subscribe errored ${townHall}`, slack())).title).toBe('Subscribed');
    expect(await store.subscriptions()).toHaveLength(limit);
  });

  it('the writes of one command are one transaction: a write that fails midway leaves none', async () => {
    let upserts = 0;
    const failingOver = (real: NotifyStore): NotifyStore =>
      new Proxy(real, {
        get(target, key, receiver) {
          if (key === 'upsertSubscription') {
            return async (s: Omit<Subscription, 'pausedReason'>) => {
              upserts += 1;
              // The second write finds the disk full.
              if (upserts === 2) throw new Error('SQLITE_FULL: database or disk is full');
              return target.upsertSubscription(s);
            };
          }
          // Inside its transaction the command writes through `tx`: the disk is as full there.
          if (key === 'transaction') {
            return <T>(work: (tx: NotifyStore) => Promise<T>, scope?: string) =>
              target.transaction((tx) => work(failingOver(tx)), scope);
          }
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    const failing = failingOver(store);
    const answer = await handleSubscriptionCommand({
      command: { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [townHall, backup] },
      context: slack(),
      store: failing,
      client,
    }).catch((error: unknown) => error);
    expect(answer).toBeInstanceOf(Error);
    expect(await store.subscriptions()).toEqual([]);
  });
});

describe('who may make the bot ping', () => {
  it('a mention the person could not make is refused, naming it and the right it needs', async () => {
    const context = slack({
      platform: 'discord',
      canMention: (m) => m !== '<@&1234567890123456789>',
      mentionRight: 'Pinging a role that is not mentionable needs the Mention Everyone permission.',
    });
    const answer = await core().replyToCommand(
      {
        name: 'subscribe',
        onLive: true,
        onErrored: true,
        livestreamIds: [],
        mention: '<@&1234567890123456789>',
      },
      context,
    );
    expect(answer.tone).toBe('error');
    expect(text(answer)).toContain('<@&1234567890123456789>');
    expect(text(answer)).toContain('Mention Everyone');
    expect(await store.subscriptions()).toEqual([]);
    // One they could make goes through.
    const allowed = await core().replyToCommand(
      {
        name: 'subscribe',
        onLive: true,
        onErrored: true,
        livestreamIds: [],
        mention: '<@1234567890123456789>',
      },
      context,
    );
    expect(allowed.title).toBe('Subscribed');
  });

  it('the right is said in the adapter’s words: the core names no platform’s rule', async () => {
    const answer = await core().replyToText(
      'subscribe --mention @channel',
      slack({ canMention: (m) => m !== '@channel', mentionRight: 'Only the stream crew may ping @channel.' }),
    );
    expect(text(answer)).toContain('@channel');
    expect(text(answer)).toContain('Only the stream crew may ping @channel.');
    expect(text(answer)).not.toMatch(/subscription managers|Mention Everyone/);
    expect(await store.subscriptions()).toEqual([]);
  });
});

describe('the configured default channel', () => {
  const configured = () =>
    store.upsertSubscription({
      platform: 'slack',
      channelId: 'C1',
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'config',
    });

  it('unsubscribe keeps it, removes what chat added, and says it comes from the configuration', async () => {
    await configured();
    await core().replyToText(`subscribe ${townHall}`, slack());
    const removed = await core().replyToText('unsubscribe', slack());
    expect(text(removed)).toContain('Removed 1 subscription');
    expect(text(removed)).toMatch(/configuration.*SLACK_NOTIFY_CHANNEL/);
    expect(await store.subscriptions()).toEqual([
      expect.objectContaining({ livestreamId: null, onLive: true, onErrored: true, source: 'config' }),
    ]);
    const again = await core().replyToText('unsubscribe', slack());
    expect(again.tone).toBe('error');
    expect(text(again)).toMatch(/configuration.*SLACK_NOTIFY_CHANNEL/);
    expect(await store.subscriptions()).toHaveLength(1);
  });

  it('a narrower subscribe or a mention does not downgrade or take it over', async () => {
    await configured();
    const narrowed = await core().replyToText('subscribe errored', slack());
    expect(text(narrowed)).toMatch(/configuration/);
    const pinged = await core().replyToText('subscribe --mention @here', slack());
    expect(pinged.tone).toBe('error');
    expect(text(pinged)).toMatch(/configuration.*SLACK_NOTIFY_CHANNEL/);
    expect(await store.subscriptions()).toEqual([
      expect.objectContaining({ onLive: true, onErrored: true, mention: null, source: 'config' }),
    ]);
  });
});

describe('subscriptions shows a platform that stopped delivering', () => {
  it('a refused token is shown first, for this channel’s platform only', async () => {
    await core().replyToText('subscribe', slack());
    await store.setMeta('platform_refused:slack', 'Slack refused the bot token (invalid_auth)');
    const listed = await core().replyToText('subscriptions', slack());
    expect(listed.tone).toBe('error');
    expect(listed.text).toContain('invalid_auth');
    expect(listed.text).toMatch(/nothing is posted/i);
    const discord = await core().replyToText('subscriptions', slack({ platform: 'discord' }));
    expect(discord.text ?? '').not.toContain('invalid_auth');
  });
});

describe('the subscribe reply on each platform', () => {
  const INVITE = 'The bot must be in this channel to post: /invite it if it is not.';

  it('says in neutral terms that the bot will post here; only the Slack renderer turns that into /invite', async () => {
    const onSlack = await core().replyToText('subscribe', slack());
    expect(onSlack.postsHere).toBe(true);
    expect(text(onSlack)).not.toContain('/invite');
    const rendered = renderSlackReply({ reply: onSlack, surface: 'channel' });
    expect(blocksText(rendered.blocks)).toContain(INVITE);
    expect(rendered.text.split(INVITE)).toHaveLength(2); // once

    const onDiscord = await core().replyToText('subscribe', slack({ platform: 'discord', channelId: 'C9' }));
    expect(onDiscord.postsHere).toBe(true);
    expect(JSON.stringify(renderDiscordReply(onDiscord))).not.toContain('invite');
    const onTerminal = await core().replyToText('subscribe', slack({ platform: 'console', channelId: 'T' }));
    expect(terminalText(onTerminal)).not.toContain('invite');
  });

  it('on Slack, a stopped platform is said first, then /invite, in one footer', async () => {
    await store.setMeta('platform_refused:slack', 'Slack refused the bot token (invalid_auth)');
    const onSlack = await core().replyToText('subscribe', slack());
    const rendered = blocksText(renderSlackReply({ reply: onSlack, surface: 'channel' }).blocks);
    expect(rendered).toMatch(
      /invalid_auth\)\. Nothing is posted in any Slack channel .* restarts it\. The bot must be in this channel/,
    );
  });
});

describe('SQLite store', () => {
  it('keeps its schema version and reopens the same state', async () => {
    await store.upsertSubscription({
      platform: 'slack',
      channelId: 'C9',
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
    await store.close();
    store = openSqliteStore(dir);
    expect(await store.subscriptions()).toHaveLength(1);
  });

  it('refuses a DATA_DIR it cannot write with an error that names it', () => {
    expect(() => openSqliteStore('/dev/null/nope')).toThrow(StoreOpenError);
    expect(() => openSqliteStore('/dev/null/nope')).toThrow(/DATA_DIR \/dev\/null\/nope/);
  });
});

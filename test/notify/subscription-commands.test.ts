/** The subscription commands through the core, as a chat user types them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type RequestContext } from '../../src/core.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore, StoreOpenError } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';

let dir: string;
let store: NotifyStore;
// Subscription commands never reach the API: an unreachable base URL proves it.
const client = createRealtimeKitClient({
  baseUrl: 'http://127.0.0.1:9',
  apiToken: 't',
  accountId: 'a',
  appId: 'b',
  retries: 0,
});
const slack = (over: Partial<RequestContext> = {}): RequestContext => ({
  platform: 'slack',
  channelId: 'C1',
  userId: 'U1',
  canManage: true,
  ...over,
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'subs-'));
  store = openSqliteStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('subscribe / unsubscribe / subscriptions', () => {
  it('subscribes a channel per platform and lists it', async () => {
    const core = createCore({ client, log: silentLogger, store });
    const subscribed = await core.replyToText('subscribe live --mention @here', slack());
    expect(subscribed.title).toBe('Subscribed');
    expect(subscribed.text).toContain('any livestream of this app goes LIVE');
    expect(subscribed.text).toContain('@here');
    await core.replyToText('subscribe errored abc', { ...slack(), platform: 'discord' });
    expect(store.subscriptions()).toEqual([
      expect.objectContaining({
        platform: 'discord',
        channelId: 'C1',
        livestreamId: 'abc',
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
    const listed = await core.replyToText('subscriptions', slack());
    expect(listed.list?.items.map((i) => i.title)).toEqual(['Every livestream']);
    const other = await core.replyToText('subscriptions', slack({ channelId: 'C2' }));
    expect(other.list?.items).toEqual([]);
    expect(other.list?.empty).toMatch(/subscribe/);
  });

  it('unsubscribes one livestream or the whole channel', async () => {
    const core = createCore({ client, log: silentLogger, store });
    await core.replyToText('subscribe a b', slack());
    await core.replyToText('subscribe', slack());
    expect((await core.replyToText('unsubscribe a', slack())).text).toBe(
      'Removed 1 subscription from this channel.',
    );
    expect((await core.replyToText('unsubscribe', slack())).text).toBe(
      'Removed 2 subscriptions from this channel.',
    );
    expect((await core.replyToText('unsubscribe', slack())).title).toBe('Nothing to remove');
  });

  it('lets only managers change subscriptions when the config limits it', async () => {
    const core = createCore({ client, log: silentLogger, store });
    const denied = await core.replyToText('subscribe', slack({ canManage: false }));
    expect(denied.title).toBe('Not allowed');
    expect(store.subscriptions()).toEqual([]);
    expect((await core.replyToText('subscriptions', slack({ canManage: false }))).title).toBe(
      'Subscriptions in this channel',
    );
  });

  it('says so when notifications are off', async () => {
    const core = createCore({ client, log: silentLogger });
    expect((await core.replyToText('subscribe', slack())).title).toBe('Notifications are off');
  });
});

describe('SQLite store', () => {
  it('keeps its schema version and reopens the same state', () => {
    store.upsertSubscription({
      platform: 'slack',
      channelId: 'C9',
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
    store.close();
    store = openSqliteStore(dir);
    expect(store.subscriptions()).toHaveLength(1);
  });

  it('refuses a DATA_DIR it cannot write with an error that names it', () => {
    expect(() => openSqliteStore('/dev/null/nope')).toThrow(StoreOpenError);
    expect(() => openSqliteStore('/dev/null/nope')).toThrow(/DATA_DIR \/dev\/null\/nope/);
  });
});

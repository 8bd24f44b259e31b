/** startNotifications: what start-up does to the stored state before polling begins. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { startNotifications } from '../../src/notify/service.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import type { Sink } from '../../src/sink.js';

let dir: string;
let store: NotifyStore;
const posted: string[] = [];
const slackSink: Sink = {
  platform: 'slack',
  pacingMs: 1_100,
  post: async (channelId) => {
    posted.push(channelId);
    return { messageId: '1' };
  },
  edit: async () => {},
};
// Unreachable on purpose: these tests stop before the first poll reaches it.
const api = { baseUrl: 'http://127.0.0.1:9', apiToken: 't', accountId: 'a', appId: 'b' };
const config = {
  pollIntervalSeconds: 15,
  requestBudget: 900,
  dataDir: '',
  cooldownSeconds: 120,
  alertAfterSeconds: 300,
};

async function start(defaultChannels: { platform: 'slack' | 'discord'; channelId: string }[]) {
  const running = await startNotifications({
    config,
    store,
    sinks: [slackSink],
    api,
    realApi: false,
    defaultChannels,
    log: silentLogger,
    clock: new ManualClock(),
  });
  await running.stop();
}

beforeEach(() => {
  posted.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'service-'));
  store = openSqliteStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('start-up', () => {
  it('keeps the configured default channels in step with the configuration', async () => {
    await store.upsertSubscription({
      platform: 'slack',
      channelId: 'CHAT',
      livestreamId: null,
      onLive: true,
      onErrored: false,
      mention: null,
      source: 'chat',
    });
    await start([{ platform: 'slack', channelId: 'C_OLD' }]);
    await start([{ platform: 'slack', channelId: 'C_NEW' }]);
    expect((await store.subscriptions()).map((s) => `${s.channelId} ${s.source}`)).toEqual([
      'CHAT chat',
      'C_NEW config',
    ]);
  });

  it('drops pending notifications for a platform that is no longer configured', async () => {
    const event = {
      kind: 'api-delayed' as const,
      at: '2026-11-22T12:00:00Z',
      failingSince: '2026-11-22T11:55:00Z',
      reason: 'x',
    };
    await store.enqueue(event, [
      { platform: 'discord', channelId: 'D1', mention: null },
      { platform: 'slack', channelId: 'S1', mention: null },
    ]);
    await start([]);
    // Slack's went out; Discord's, which can never be sent from here, no longer waits.
    expect(posted).toEqual(['S1']);
    expect(await store.countPending()).toBe(0);
  });
});

/**
 * subscribe through the real Bolt app (HTTP mode), with the notification store: who may make the bot
 * ping @channel / @here / a user group, and the bounded work of one command.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import type { NotifyStore } from '../../src/notify/store.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { blocksText, type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';

const MANAGER = 'U0BOSS';
const MEMBER = 'U0MEMBER';

let dir: string;
let store: NotifyStore;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slack-subs-'));
  store = openSqliteStore(dir);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await store.removeSubscriptions({ platform: 'slack', channelId: 'C0FAKE' });
});

/** The harness with a core that has the store; every context the adapter passed is kept. */
async function start(managers: string[]) {
  const contexts: RequestContext[] = [];
  const built: { core?: Core } = {};
  const h = await startSlackHarness({
    managers,
    core: () => ({
      replyToText(text, context) {
        contexts.push(context);
        return built.core!.replyToText(text, context);
      },
      replyToCommand: (command, context) => built.core!.replyToCommand(command, context),
    }),
  });
  const client = createRealtimeKitClient({ ...clientSettingsOf(h.emulator.settings()), retries: 0 });
  built.core = createCore({ client, log: silentLogger, store });
  return { h, contexts };
}

async function ask(h: SlackHarness, text: string, userId: string) {
  const sent = await h.command(text, { userId });
  expect(sent.status).toBe(200);
  const response = await h.responses.next(sent.id);
  return { body: response.body, shown: `${String(response.body.text)}\n${blocksText(response.body.blocks)}` };
}

describe('Slack with SLACK_SUBSCRIPTION_MANAGERS set', () => {
  let h: SlackHarness;
  let contexts: RequestContext[];
  beforeAll(async () => {
    ({ h, contexts } = await start([MANAGER]));
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('@channel, @here, @everyone and user groups are a manager’s to set; a user mention anyone’s', async () => {
    await ask(h, 'subscriptions', MEMBER);
    await ask(h, 'subscriptions', MANAGER);
    const [member, manager] = contexts.slice(-2);
    for (const broadcast of ['@channel', '@here', '@everyone', '<!subteam^S0CREW|@crew>']) {
      expect(member?.canMention?.(broadcast)).toBe(false);
      expect(manager?.canMention?.(broadcast)).toBe(true);
    }
    expect(member?.canMention?.('<@U0SOMEONE>')).toBe(true);
    // Text that pings nobody (render.ts shows it as text) needs no right.
    expect(member?.canMention?.('the crew')).toBe(true);
  });

  it('a manager’s @channel subscription is kept; a member is refused and nothing is written', async () => {
    const refused = await ask(h, 'subscribe --mention @channel', MEMBER);
    expect(refused.body.response_type).toBe('ephemeral');
    expect(await store.subscriptions()).toEqual([]);
    const accepted = await ask(h, 'subscribe --mention @channel', MANAGER);
    expect(accepted.shown).toContain('Subscribed');
    expect(await store.subscriptions()).toEqual([expect.objectContaining({ mention: '@channel' })]);
  });

  it('600 made-up ids: refused at once by the cap, nothing written, no API request', async () => {
    h.emulator.resetRequests();
    const ids = Array.from({ length: 600 }, (_, i) => `made-up-${i}`).join(' ');
    const { shown } = await ask(h, `subscribe ${ids}`, MANAGER);
    expect(shown).toContain('Too many livestreams');
    expect(shown).toContain('at most 25');
    expect(await store.subscriptions()).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });
});

describe('Slack without SLACK_SUBSCRIPTION_MANAGERS', () => {
  it('anyone may set any mention', async () => {
    const { h, contexts } = await start([]);
    try {
      const { shown } = await ask(h, 'subscribe --mention @here', MEMBER);
      expect(shown).toContain('Subscribed');
      expect(contexts.at(-1)?.canMention?.('@channel')).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

/**
 * Issue 6's guarantees through the real Slack sink: the shared sink contract (sink-contract.ts) over
 * `createSlackSink` and a real @slack/web-api WebClient (the adapter's SLACK_CLIENT_OPTIONS) pointed at
 * the fake Web API, plus what only Slack does: its 429s come back to the sender, which waits them out
 * itself. Time is a ManualClock: every wait the delivery makes (pacing, Retry-After, backoff) is read off
 * it, never slept.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderReply } from '../../adapters/slack/render.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS, SLACK_PACING_MS } from '../../adapters/slack/sink.js';
import { ManualClock } from '../../src/clock.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { type FakeHttpServer, startFakeHttpServer } from '../fakes/http-server.js';
import { type PlatformCall, scriptSlack } from '../fakes/platform-outage.js';
import { blocksText } from '../fakes/slack-harness.js';
import {
  type FakeSlackWebApi,
  type SlackApiAnswer,
  type SlackApiCall,
  startFakeSlackWebApi,
} from '../fakes/slack-web-api.js';
import { createNotifyRig } from './harness.js';
import {
  describeSinkContract,
  type SinkRig,
  type SinkRigOptions,
  type SubscribeOptions,
} from './sink-contract.js';

const BOT_TOKEN = 'xoxb-delivery-test-token';
const PACING = SLACK_PACING_MS;

interface SlackRig extends SinkRig<SlackApiCall, SlackApiAnswer> {
  fake: FakeSlackWebApi;
}

async function startRig(options: SinkRigOptions = {}): Promise<SlackRig> {
  const clock = new ManualClock();
  const fake = await startFakeSlackWebApi();
  const slack = scriptSlack(fake, { now: () => clock.now() });
  // Late answers: a Web API that answers chat.postMessage only long after the client stopped waiting.
  let stalled: FakeHttpServer | null = null;
  if (options.postsAnsweredLate) {
    stalled = await startFakeHttpServer();
    stalled.route('POST', '/api/chat.postMessage', { delayMs: 60_000, body: { ok: true, ts: '1.1' } });
  }
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({
    level: 'debug',
    secrets: [BOT_TOKEN],
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  // The WebClient exactly as the adapter builds it: no retries, 429s rejected with their Retry-After.
  const client = new webApi.WebClient(BOT_TOKEN, {
    ...SLACK_CLIENT_OPTIONS,
    logLevel: LogLevel.ERROR,
    ...(stalled ? { timeout: 100 } : {}),
    slackApiUrl: `${stalled ? `${stalled.url}/api` : fake.apiUrl}/`,
  });
  const sink = createSlackSink({ client, log });
  const rig = await createNotifyRig({
    sink,
    clock,
    seed: 11,
    log,
    ...(options.cooldownMs !== undefined ? { cooldownMs: options.cooldownMs } : {}),
  });
  const closeRig = rig.close;
  const command = (channelId: string, text: string) => {
    const context: RequestContext = { platform: 'slack', channelId, userId: 'U0HUMAN', canManage: true };
    return createCore({ client: rig.commandsClient, log, store: rig.store }).replyToText(text, context);
  };
  const postMethod = (method: string) => method.endsWith('chat.postMessage');
  return Object.assign(rig, {
    fake,
    script: slack,
    logs,
    botToken: BOT_TOKEN,
    platform: 'slack' as const,
    channel: (name: string) => `C0${name.toUpperCase()}`,
    subscribe(
      channelId: string,
      { erroredOnly = false, livestreamIds = [], mention }: SubscribeOptions = {},
    ) {
      const words = ['subscribe', ...(erroredOnly ? ['errored'] : []), ...livestreamIds];
      return command(channelId, [...words, ...(mention ? ['--mention', mention] : [])].join(' '));
    },
    unsubscribe: (channelId: string) => command(channelId, 'unsubscribe'),
    async subscriptionsShown(channelId: string) {
      const listed = await command(channelId, 'subscriptions');
      return blocksText(renderReply({ reply: listed, surface: 'ephemeral' }).blocks);
    },
    view: (call: PlatformCall<SlackApiCall>) => ({
      title: titleOf(call),
      text: blocksText(call.request.params.blocks),
      pings: pingsOf(call),
    }),
    postRequests: () =>
      stalled
        ? stalled.requests.filter((q) => postMethod(q.path)).length
        : fake.calls.filter((call) => postMethod(call.method)).length,
    everything: () => JSON.stringify(fake.calls),
    async close() {
      await Promise.all([closeRig(), fake.close(), stalled?.close()]);
    },
  });
}

/** The message's header block: its title. */
function titleOf(call: PlatformCall<SlackApiCall>): string {
  const blocks = call.request.params.blocks as { type: string; text?: { text?: string } }[];
  return blocks.find((block) => block.type === 'header')?.text?.text ?? '';
}

const readable = (call: PlatformCall<SlackApiCall>) =>
  `${String(call.request.params.text)}\n${blocksText(call.request.params.blocks)}`;
/** Every mrkdwn text object: where Slack parses `<!here>` and friends (plain_text it never does). */
function mrkdwnTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(mrkdwnTexts);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (record.type === 'mrkdwn' && typeof record.text === 'string') return [record.text];
  return Object.values(record).flatMap(mrkdwnTexts);
}
/** The text Slack parses for mentions: the fallback text and every mrkdwn object. */
const mrkdwn = (call: PlatformCall<SlackApiCall>) =>
  [String(call.request.params.text), ...mrkdwnTexts(call.request.params.blocks)].join('\n');
/** What Slack would ping for it: the special mentions, user and user-group mentions in parsed text. */
function pingsOf(call: PlatformCall<SlackApiCall>): string[] {
  const found = mrkdwn(call).match(
    /<!(?:here|channel|everyone)(?:\|[^>]*)?>|<!subteam\^[^>]+>|<@[UW][A-Z0-9]+>/g,
  );
  return [...new Set(found ?? [])];
}

describeSinkContract('Slack', {
  makeRig: startRig,
  pacingMs: PACING,
  mention: { asked: '@here', pings: '<!here>' },
  pingingName: '<!channel> party',
  answers: {
    serverError: { status: 503, body: 'unavailable' },
    messageGone: { body: { ok: false, error: 'message_not_found' } },
    rateLimited: { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } },
  },
  channelGone: ['channel_not_found', 'is_archived'].map((code) => ({
    label: code,
    answer: { body: { ok: false, error: code } },
    shows: [code],
    logged: { code },
  })),
  refusedToken: ['token_revoked', 'invalid_auth', 'account_inactive', 'not_authed'].map((code) => ({
    label: code,
    answer: { body: { ok: false, error: code } },
    recorded: code,
    logged: { code },
  })),
  wire: {
    live(post, stream) {
      expect(post.request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
      expect(post.request.params).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
      expect(readable(post)).toContain(':red_circle: *LIVE*');
      expect(readable(post)).toContain(`\`${stream.id}\``);
      expect(readable(post)).toContain(`<${stream.playback_url}|Watch>`);
    },
    ended(edit) {
      expect(edit.request.method).toBe('chat.update');
      expect(readable(edit)).toMatch(/Duration:\* 1h 5m/);
    },
    errored(post) {
      expect(readable(post)).toContain('*Error:* RTMP ingest timed out');
      expect(readable(post)).toContain(':warning: *ERRORED*');
    },
    mentioned(post, edit) {
      expect(String(post.request.params.text)).toMatch(/^<!here> /);
      expect(blocksText(post.request.params.blocks).split('\n')[0]).toBe('<!here>');
      // A name is escaped wherever mrkdwn is parsed (the header is plain_text): only the mention pings.
      expect(mrkdwn(post)).toContain('&lt;!channel&gt; party');
      expect(mrkdwn(post)).not.toContain('<!channel>');
      expect(readable(edit)).not.toContain('<!here>');
    },
    digestMentioned(digest) {
      expect(String(digest.request.params.text)).toMatch(/^<!here> /);
      expect(blocksText(digest.request.params.blocks).split('\n')[0]).toBe('<!here>');
    },
    withinLimits(post) {
      expect((post.request.params.blocks as unknown[]).length).toBeLessThanOrEqual(50);
      expect(String(post.request.params.text).length).toBeLessThanOrEqual(4_000);
    },
    timedOut(logged) {
      // web-api's default is no timeout at all: the adapter sets one.
      expect(SLACK_CLIENT_OPTIONS.timeout).toBeGreaterThan(0);
      expect(logged).toMatchObject({ code: 'network' });
    },
  },
});

describe('Slack: its own 429 handling', () => {
  let r: SlackRig;
  beforeEach(async () => {
    r = await startRig();
  });
  afterEach(async () => {
    await r.close();
  });

  const summary = (calls: PlatformCall<SlackApiCall>[]) =>
    calls.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);
  const to = (calls: PlatformCall<SlackApiCall>[], channelId: string) =>
    calls.filter((call) => call.channelId === channelId);

  it('HTTP 429 with Retry-After: the channel waits exactly that long, then gets every message in order; other channels do not wait', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.subscribe('C0SLOW');
    await r.subscribe('C0FAST');
    await r.poller.runCycle();
    r.script.fail(
      { status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } },
      { times: 2, channelId: 'C0SLOW' },
    );
    // Separate cycles, so the order is the order the changes happened in.
    const t0 = r.clock.now();
    for (const stream of streams) {
      r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
      await r.delivery.drainOnce();
    }
    await r.drainAll();

    expect(r.script.refused.map((call) => call.at - t0)).toEqual([0, 30_000]);
    const slow = to(r.script.accepted, 'C0SLOW');
    expect(summary(slow)).toEqual(['post C0SLOW One is live', 'post C0SLOW Two is live']);
    expect(slow.map((call) => call.at - t0)).toEqual([60_000, 60_000 + PACING]);
    const fast = to(r.script.accepted, 'C0FAST');
    expect(fast.map((call) => call.at - t0)).toEqual([0, PACING]);
    // web-api itself neither slept nor retried: each refusal was one HTTP call.
    expect(r.fake.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(6);
    expect(
      r.logs.filter((line) => String(line.msg).startsWith('platform rate limit')).map((line) => line.waitMs),
    ).toEqual([30_000, 30_000]);
  });
});

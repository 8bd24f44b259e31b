/**
 * Issue 6's guarantees through the real Slack sink: the real Poller, DeliveryWorker and SQLite store,
 * the emulator as RealtimeKit, and `createSlackSink` over a real @slack/web-api WebClient (the adapter's
 * SLACK_CLIENT_OPTIONS) pointed at the fake Web API. Time is a ManualClock: every wait the delivery
 * makes (pacing, Retry-After, backoff) is read off it, never slept.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderReply } from '../../adapters/slack/render.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../../adapters/slack/sink.js';
import { ManualClock } from '../../src/clock.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { SLACK_PACING_MS } from '../../adapters/slack/sink.js';
import type { Sink } from '../../src/sink.js';
import { startFakeHttpServer } from '../fakes/http-server.js';
import { type PlatformCall, type SlackScript, scriptSlack } from '../fakes/platform-outage.js';
import { blocksText } from '../fakes/slack-harness.js';
import { type FakeSlackWebApi, type SlackApiCall, startFakeSlackWebApi } from '../fakes/slack-web-api.js';
import { createNotifyRig, type NotifyRig } from './harness.js';

const BOT_TOKEN = 'xoxb-delivery-test-token';
const PACING = SLACK_PACING_MS;

interface Rig extends NotifyRig {
  fake: FakeSlackWebApi;
  slack: SlackScript;
  sink: Sink;
  logs: Record<string, unknown>[];
  /** `/livestream <text>` typed in `channelId`, through the real core. */
  command(channelId: string, text: string): ReturnType<ReturnType<typeof createCore>['replyToText']>;
}

interface RigOptions {
  cooldownMs?: number;
  /** Replaces the adapter's WebClient timeout. */
  slackTimeoutMs?: number;
  /** Another Slack Web API than the fake one. */
  apiUrl?: string;
}

async function startRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock();
  const fake = await startFakeSlackWebApi();
  const slack = scriptSlack(fake, { now: () => clock.now() });
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
    ...(options.slackTimeoutMs !== undefined ? { timeout: options.slackTimeoutMs } : {}),
    slackApiUrl: `${options.apiUrl ?? fake.apiUrl}/`,
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
  return Object.assign(rig, {
    fake,
    slack,
    sink,
    logs,
    command(channelId: string, text: string) {
      const context: RequestContext = { platform: 'slack', channelId, userId: 'U0HUMAN', canManage: true };
      return createCore({ client: rig.commandsClient, log, store: rig.store }).replyToText(text, context);
    },
    async close() {
      await Promise.all([closeRig(), fake.close()]);
    },
  });
}

/** The message's header block: its title. */
function titleOf(call: PlatformCall<SlackApiCall>): string {
  const blocks = call.request.params.blocks as { type: string; text?: { text?: string } }[];
  return blocks.find((block) => block.type === 'header')?.text?.text ?? '';
}

const summary = (calls: PlatformCall<SlackApiCall>[]) =>
  calls.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);
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
const to = (calls: PlatformCall<SlackApiCall>[], channelId: string) =>
  calls.filter((call) => call.channelId === channelId);

let r: Rig;
beforeEach(async () => {
  r = await startRig();
});
afterEach(async () => {
  await r.close();
});

describe('Slack: what each subscribed channel is told', () => {
  it('LIVE is posted once to each subscribed channel, "ended" edits the same ts, ERRORED carries err_message, others get nothing', async () => {
    const already = r.emulator.addLivestream({ name: 'Already live', status: 'LIVE' });
    const show = r.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
    const other = r.emulator.addLivestream({ name: 'Other show', status: 'IDLE' });
    expect((await r.command('C0ALL', 'subscribe')).title).toBe('Subscribed');
    await r.command('C0ERR', 'subscribe errored');
    await r.command('C0OTHER', `subscribe ${other.id}`);
    await r.command('C0LEFT', 'subscribe');
    expect((await r.command('C0LEFT', 'unsubscribe')).title).toBe('Unsubscribed');

    expect(await r.poller.runCycle()).toMatchObject({ ok: true, baseline: true, events: 0 });
    await r.drainAll();
    expect(r.slack.accepted).toEqual([]);

    r.clock.advance(15_000);
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.poller.runCycle(); // nothing new: nothing more
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual(['post C0ALL Town hall is live']);
    const live = r.slack.accepted[0]!;
    expect(live.request.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(live.request.params).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });
    expect(readable(live)).toContain(':red_circle: *LIVE*');
    expect(readable(live)).toContain(`\`${show.id}\``);
    expect(readable(live)).toContain(`<${show.playback_url}|Watch>`);

    r.clock.advance(65 * 60_000);
    r.emulator.setStatus(show.id, 'ERRORED', 'RTMP ingest timed out');
    await r.poller.runCycle();
    await r.drainAll();
    const after = r.slack.accepted.slice(1);
    expect(summary(to(after, 'C0ALL'))).toEqual([
      'edit C0ALL Town hall ended',
      'post C0ALL Town hall errored',
    ]);
    expect(summary(to(after, 'C0ERR'))).toEqual(['post C0ERR Town hall errored']);
    const ended = to(after, 'C0ALL')[0]!;
    expect(ended.request.method).toBe('chat.update');
    expect(ended.messageId).toBe(live.messageId);
    expect(readable(ended)).toMatch(/Duration:\* 1h 5m/);
    for (const errored of after.filter((call) => call.op === 'post')) {
      expect(readable(errored)).toContain('*Error:* RTMP ingest timed out');
      expect(readable(errored)).toContain(':warning: *ERRORED*');
    }

    r.emulator.setStatus(other.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.slack.accepted.slice(4)).sort()).toEqual([
      'post C0ALL Other show is live',
      'post C0OTHER Other show is live',
    ]);

    expect(to(r.slack.accepted, 'C0LEFT')).toEqual([]);
    expect(r.slack.refused).toEqual([]);
    const everything = JSON.stringify(r.fake.calls);
    for (const stream of [already, show, other]) expect(everything).not.toContain(stream.stream_key);
    expect(everything).not.toContain('Already live');
  });

  it('a mention pings from the text and the first block, and the edit that follows pings nobody', async () => {
    const show = r.emulator.addLivestream({ name: '<!channel> party', status: 'IDLE' });
    await r.command('C0PING', 'subscribe --mention @here');
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'IDLE');
    r.clock.advance(60_000);
    await r.drainAll();
    await r.poller.runCycle();
    await r.drainAll();
    const [post, edit] = r.slack.accepted;
    expect(String(post!.request.params.text)).toMatch(/^<!here> /);
    expect(blocksText(post!.request.params.blocks).split('\n')[0]).toBe('<!here>');
    // A name is escaped wherever mrkdwn is parsed (the header is plain_text): only the mention pings.
    expect(mrkdwn(post!)).toContain('&lt;!channel&gt; party');
    expect(mrkdwn(post!)).not.toContain('<!channel>');
    expect(edit!.op).toBe('edit');
    expect(readable(edit!)).not.toContain('<!here>');
  });

  it('a flap inside the cooldown edits the LIVE post back and posts nothing new; after it, LIVE is news again', async () => {
    const show = r.emulator.addLivestream({ name: 'Flappy', status: 'IDLE' });
    await r.command('C0FLAP', 'subscribe');
    await r.poller.runCycle();
    for (const status of ['LIVE', 'IDLE', 'LIVE']) {
      r.emulator.setStatus(show.id, status);
      await r.poller.runCycle();
      await r.drainAll();
      r.clock.advance(20_000);
    }
    expect(summary(r.slack.accepted)).toEqual([
      'post C0FLAP Flappy is live',
      'edit C0FLAP Flappy ended',
      'edit C0FLAP Flappy is live',
    ]);
    expect(new Set(r.slack.accepted.map((call) => call.messageId))).toEqual(
      new Set([r.slack.accepted[0]!.messageId]),
    );
    expect(readable(r.slack.accepted[2]!)).toContain('dropped briefly');

    r.emulator.setStatus(show.id, 'IDLE');
    await r.poller.runCycle();
    await r.drainAll();
    r.clock.advance(121_000);
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    const last = r.slack.accepted.at(-1)!;
    expect(summary([last])).toEqual(['post C0FLAP Flappy is live']);
    expect(last.messageId).not.toBe(r.slack.accepted[0]!.messageId);
    expect(r.slack.accepted.filter((call) => call.op === 'post')).toHaveLength(2);
  });

  it('a LIVE post deleted in Slack: "ended" becomes a new message instead', async () => {
    const show = r.emulator.addLivestream({ name: 'Deleted post', status: 'IDLE' });
    await r.command('C0DEL', 'subscribe');
    await r.poller.runCycle();
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    r.slack.fail({ body: { ok: false, error: 'message_not_found' } }, { op: 'edit' });
    r.emulator.setStatus(show.id, 'IDLE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.slack.refused)).toEqual(['edit C0DEL Deleted post ended']);
    expect(summary(r.slack.accepted)).toEqual([
      'post C0DEL Deleted post is live',
      'post C0DEL Deleted post ended',
    ]);
    expect(r.store.subscriptions({ platform: 'slack', channelId: 'C0DEL' })[0]?.pausedReason).toBeNull();
  });
});

describe('Slack: restarts', () => {
  it('a restart between cycles (same DATA_DIR) neither repeats nor loses a notification', async () => {
    const a = r.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    const b = r.emulator.addLivestream({ name: 'B', status: 'IDLE' });
    await r.command('C0R', 'subscribe');
    await r.poller.runCycle();
    r.emulator.setStatus(a.id, 'LIVE');
    await r.poller.runCycle();
    // The process dies before its sender ran: A's delivery waits on disk.
    r.restart();
    r.emulator.setStatus(b.id, 'LIVE'); // changed while the bot was down
    await r.poller.runCycle();
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual(['post C0R A is live', 'post C0R B is live']);

    // Restart again, A ends while the bot is down: the new process edits the post the old one made.
    r.restart();
    r.emulator.setStatus(a.id, 'IDLE');
    r.restart();
    await r.poller.runCycle();
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.slack.accepted.slice(2))).toEqual(['edit C0R A ended']);
    expect(r.slack.accepted[2]!.messageId).toBe(r.slack.accepted[0]!.messageId);
  });

  it('a restart while Slack is down keeps the undelivered message, and sends it once Slack is back', async () => {
    const show = r.emulator.addLivestream({ name: 'Outage', status: 'IDLE' });
    await r.command('C0DOWN', 'subscribe');
    await r.poller.runCycle();
    r.slack.fail({ status: 503, body: 'unavailable' }, { times: Number.POSITIVE_INFINITY });
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    await r.delivery.drainOnce();
    expect(r.slack.refused).toHaveLength(1);
    r.restart();
    r.slack.heal();
    await r.poller.runCycle();
    r.clock.advance(2_000); // the first backoff, stored with the delivery
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual(['post C0DOWN Outage is live']);
  });
});

describe('Slack: failures are waited out or reported, never lost', () => {
  it('HTTP 429 with Retry-After: the channel waits exactly that long, then gets every message in order; other channels do not wait', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command('C0SLOW', 'subscribe');
    await r.command('C0FAST', 'subscribe');
    await r.poller.runCycle();
    r.slack.fail(
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

    expect(r.slack.refused.map((call) => call.at - t0)).toEqual([0, 30_000]);
    const slow = to(r.slack.accepted, 'C0SLOW');
    expect(summary(slow)).toEqual(['post C0SLOW One is live', 'post C0SLOW Two is live']);
    expect(slow.map((call) => call.at - t0)).toEqual([60_000, 60_000 + PACING]);
    const fast = to(r.slack.accepted, 'C0FAST');
    expect(fast.map((call) => call.at - t0)).toEqual([0, PACING]);
    // web-api itself neither slept nor retried: each refusal was one HTTP call.
    expect(r.fake.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(6);
    expect(
      r.logs.filter((line) => String(line.msg).startsWith('platform rate limit')).map((line) => line.waitMs),
    ).toEqual([30_000, 30_000]);
  });

  it('5xx for several passes, then recovery: every message arrives once, in order', async () => {
    const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command('C0FLAKY', 'subscribe');
    await r.poller.runCycle();
    r.slack.fail({ status: 503, body: 'unavailable' }, { times: Number.POSITIVE_INFINITY });
    for (const stream of streams) {
      r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      r.clock.advance(15_000);
    }
    for (let cycle = 0; cycle < 3; cycle++) {
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      r.clock.advance(15_000);
    }
    expect(r.slack.accepted).toEqual([]);
    expect(r.slack.refused.length).toBeGreaterThanOrEqual(3);
    // Head of line: only the oldest was tried, so nothing can overtake it.
    expect(new Set(r.slack.refused.map(titleOf))).toEqual(new Set(['One is live']));
    expect(r.store.countPending()).toBe(2);

    r.slack.heal();
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual(['post C0FLAKY One is live', 'post C0FLAKY Two is live']);
  });

  it.each(['channel_not_found', 'is_archived'])(
    '%s pauses the subscription with the reason, shown by /livestream subscriptions; subscribing again resumes it',
    async (code) => {
      const show = r.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
      await r.command('C0GONE', 'subscribe');
      await r.command('C0OK', 'subscribe');
      await r.poller.runCycle();
      r.slack.fail(
        { body: { ok: false, error: code } },
        { channelId: 'C0GONE', times: Number.POSITIVE_INFINITY },
      );
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.slack.accepted)).toEqual(['post C0OK Show is live']);
      expect(r.slack.refused).toHaveLength(1); // given up at once, not retried

      const listed = await r.command('C0GONE', 'subscriptions');
      const shown = blocksText(renderReply({ reply: listed, surface: 'ephemeral' }).blocks);
      expect(shown).toContain('PAUSED');
      expect(shown).toContain(code);
      expect(
        r.logs.find(
          (line) => String(line.msg).includes('subscription is paused') && line.channelId === 'C0GONE',
        ),
      ).toMatchObject({ level: 'error', code });

      // Paused: nothing more is tried there.
      r.emulator.setStatus(show.id, 'ERRORED', 'boom');
      await r.poller.runCycle();
      await r.drainAll();
      expect(r.slack.refused).toHaveLength(1);
      expect(summary(to(r.slack.accepted, 'C0OK')).slice(1)).toEqual([
        'edit C0OK Show ended',
        'post C0OK Show errored',
      ]);

      r.slack.heal();
      expect((await r.command('C0GONE', 'subscribe')).title).toBe('Subscribed');
      const resumed = blocksText(
        renderReply({ reply: await r.command('C0GONE', 'subscriptions'), surface: 'ephemeral' }).blocks,
      );
      expect(resumed).toContain('ACTIVE');
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(to(r.slack.accepted, 'C0GONE'))).toEqual(['post C0GONE Show is live']);
    },
  );

  it('a hung Slack request times out as a transient failure instead of stalling delivery', async () => {
    expect(SLACK_CLIENT_OPTIONS.timeout).toBeGreaterThan(0);
    // A Web API that answers chat.postMessage once only after far longer than the client waits.
    const stalled = await startFakeHttpServer();
    stalled.route('POST', '/api/chat.postMessage', { delayMs: 60_000, body: { ok: true, ts: '1.1' } });
    await r.close();
    r = await startRig({ apiUrl: `${stalled.url}/api`, slackTimeoutMs: 100 });
    try {
      const show = r.emulator.addLivestream({ name: 'Stalled', status: 'IDLE' });
      await r.command('C0HUNG', 'subscribe');
      await r.poller.runCycle();
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      expect(await r.delivery.drainOnce()).toBe(0);
      expect(r.store.pendingDeliveries(10)[0]).toMatchObject({ attempts: 1 });
      // Sent once: web-api (retries: 0) does not repeat a call Slack may have acted on.
      expect(stalled.requests.filter((q) => q.path.endsWith('chat.postMessage'))).toHaveLength(1);
      expect(r.logs.find((line) => line.msg === 'delivery failed; will retry')).toMatchObject({
        code: 'network',
      });
    } finally {
      await stalled.close();
    }
  });
});

describe('Slack: the RealtimeKit API misbehaving', () => {
  it('an API failing mid-paging changes nothing; the next cycle announces once', async () => {
    // 250 LIVE streams: every cycle pages through 3 pages of the LIVE list.
    await r.close();
    r = await startRig();
    const target = r.emulator.addLivestream({ name: 'Target', status: 'IDLE' });
    r.emulator.seed(250, { status: 'LIVE' });
    await r.command('C0PAGE', 'subscribe');
    await r.poller.runCycle();
    r.emulator.setStatus(target.id, 'LIVE');
    r.emulator.injectFault({ path: 'status=LIVE&page_no=3', status: 500, times: 2 });
    expect((await r.poller.runCycle()).ok).toBe(false);
    await r.drainAll();
    expect(r.fake.calls).toEqual([]);
    expect(r.store.loadStatuses()!.get(target.id)).toBeUndefined();

    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await r.poller.runCycle();
    await r.drainAll();
    expect(r.slack.accepted).toHaveLength(1);
    expect(readable(r.slack.accepted[0]!)).toContain(target.id);
  });

  it('an API 429 is waited out: a short Retry-After inside the cycle, a long one by delaying the next cycle', async () => {
    const show = r.emulator.addLivestream({ name: 'Limited', status: 'IDLE' });
    await r.command('C0API', 'subscribe');
    await r.poller.runCycle();

    r.emulator.setStatus(show.id, 'LIVE');
    r.emulator.injectFault({ path: 'livestreams?', status: 429, headers: { 'retry-after': '0.05' } });
    const before = r.emulator.requests.length;
    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    const lists = r.emulator.requests
      .slice(before)
      .filter((request) => request.path === 'livestreams' && request.query.status === 'LIVE');
    expect(lists).toHaveLength(2); // refused, then the same list again after the wait
    await r.drainAll();

    r.emulator.setStatus(show.id, 'ERRORED', 'encoder gone');
    r.emulator.injectFault({ path: 'livestreams?', status: 429, headers: { 'retry-after': '120' } });
    const limited = await r.poller.runCycle();
    expect(limited.ok).toBe(false);
    expect(r.poller.nextDelayMs(limited)).toBeGreaterThanOrEqual(120_000);
    r.clock.advance(r.poller.nextDelayMs(limited));
    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 2 });
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual([
      'post C0API Limited is live',
      'edit C0API Limited ended',
      'post C0API Limited errored',
    ]);
  });
});

describe('Slack: a burst', () => {
  it('200 transitions arrive as digests of at most 20, every livestream once, paced per channel', async () => {
    const streams = r.emulator.seed(200, { status: 'IDLE' });
    await r.command('C0B1', 'subscribe');
    await r.command('C0B2', 'subscribe');
    await r.poller.runCycle();
    for (const stream of streams) r.emulator.setStatus(stream.id, 'LIVE');
    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 200 });
    await r.drainAll();

    for (const channel of ['C0B1', 'C0B2']) {
      const posts = to(r.slack.accepted, channel);
      expect(posts).toHaveLength(10);
      expect(posts.every((post) => post.op === 'post' && titleOf(post) === '20 livestream updates')).toBe(
        true,
      );
      const text = posts.map((post) => blocksText(post.request.params.blocks)).join('\n');
      for (const stream of streams) expect(text.split(stream.id).length - 1).toBe(1);
      for (const post of posts) {
        expect((post.request.params.blocks as unknown[]).length).toBeLessThanOrEqual(50);
        expect(String(post.request.params.text).length).toBeLessThanOrEqual(4_000);
      }
      const gaps = posts.slice(1).map((post, i) => post.at - posts[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PACING);
    }
    expect(r.slack.accepted).toHaveLength(20);
  });
});

describe('Slack: delivery timing', () => {
  it('a failing channel is retried on a doubling backoff capped at 10 minutes, never before it is due', async () => {
    const show = r.emulator.addLivestream({ name: 'Backoff', status: 'IDLE' });
    await r.command('C0BACK', 'subscribe');
    await r.poller.runCycle();
    r.slack.fail({ status: 503, body: 'unavailable' }, { times: 12 });
    r.emulator.setStatus(show.id, 'LIVE');
    await r.poller.runCycle();
    const calls = () => r.slack.accepted.length + r.slack.refused.length;
    const t0 = r.clock.now();
    await r.delivery.drainOnce();
    expect(calls()).toBe(1);

    const delays = [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600].map((s) => s * 1_000);
    for (const [i, delay] of delays.entries()) {
      expect(r.delivery.nextWakeMs()).toBe(delay);
      r.clock.advance(delay - 1);
      await r.delivery.drainOnce();
      expect(calls()).toBe(i + 1); // 1 ms early: nothing is sent
      r.clock.advance(1);
      await r.delivery.drainOnce();
      expect(calls()).toBe(i + 2);
    }
    const due = delays.map((_, i) => delays.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(r.slack.refused.map((call) => call.at - t0)).toEqual([0, ...due.slice(0, -1)]);
    expect(r.slack.accepted.map((call) => call.at - t0)).toEqual([due.at(-1)]);
    expect(summary(r.slack.accepted)).toEqual(['post C0BACK Backoff is live']);
  });

  it('a digest pings when any of its items asked for a ping, not only the first', async () => {
    const streams = ['A', 'B', 'C', 'D'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
    await r.command('C0DIG', 'subscribe');
    // The last stream also has a subscription of its own that pings.
    r.store.upsertSubscription({
      platform: 'slack',
      channelId: 'C0DIG',
      livestreamId: streams[3]!.id,
      onLive: true,
      onErrored: true,
      mention: '@here',
      source: 'chat',
    });
    await r.poller.runCycle();
    // Two cycles before the sender runs: the pinging item is the last of the digest.
    for (const stream of streams.slice(0, 3)) r.emulator.setStatus(stream.id, 'LIVE');
    await r.poller.runCycle();
    r.emulator.setStatus(streams[3]!.id, 'LIVE');
    await r.poller.runCycle();
    await r.drainAll();
    expect(summary(r.slack.accepted)).toEqual(['post C0DIG 4 livestream updates']);
    const digest = r.slack.accepted[0]!;
    expect(String(digest.request.params.text)).toMatch(/^<!here> /);
    expect(blocksText(digest.request.params.blocks).split('\n')[0]).toBe('<!here>');
  });
});

describe('Slack: a refused bot token', () => {
  it.each(['token_revoked', 'invalid_auth', 'account_inactive', 'not_authed'])(
    '%s stops Slack deliveries, drops nothing, logs one error and records why',
    async (code) => {
      const streams = ['One', 'Two'].map((name) => r.emulator.addLivestream({ name, status: 'IDLE' }));
      await r.command('C0A1', 'subscribe');
      await r.command('C0A2', 'subscribe');
      await r.poller.runCycle();
      r.slack.fail({ body: { ok: false, error: code } }, { times: Number.POSITIVE_INFINITY });
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
      // The first pass tried both channels at once; then Slack was left alone.
      expect(r.slack.refused.length).toBeLessThanOrEqual(2);
      expect(r.slack.accepted).toEqual([]);
      expect(r.store.countPending()).toBe(4);
      expect(r.store.subscriptions({ platform: 'slack' }).every((s) => s.pausedReason === null)).toBe(true);
      expect(r.store.getMeta('platform_refused:slack')).toContain(code);
      const errors = r.logs.filter((line) => line.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ platform: 'slack', code });
      expect(JSON.stringify(r.logs)).not.toContain(BOT_TOKEN);
    },
  );
});

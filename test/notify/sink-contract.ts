/**
 * One contract for every platform sink: the notification guarantees (issue 6) through the real Poller,
 * DeliveryWorker and SQLite store, the emulator as RealtimeKit, and the platform's real sink over its
 * real client pointed at the platform's fake. slack-delivery.test.ts and discord-delivery.test.ts each
 * run it over their own rig and keep only what is theirs (how their client handles a 429, nonces…).
 *
 * A rig answers a few neutral questions about its platform (what a call reads as, what it would ping,
 * how a command reaches the core) and scripts the platform's failures; the platform's own wire format
 * is checked by its `wire` functions, called at the points the scenarios reach it. Time is a
 * ManualClock: every wait the delivery makes is read off it, never slept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WireLivestream } from '../../src/emulator/wire-types.js';
import type { Reply } from '../../src/reply.js';
import type { Platform } from '../../src/sink.js';
import type { PlatformCall, PlatformScript } from '../fakes/platform-outage.js';
import type { NotifyRig } from './harness.js';

/** A call as people read it. */
export interface CallView {
  title: string;
  /** The message's text (blocks or embeds): each livestream of a digest appears in it once. */
  text: string;
  /** Who or what the message would ping, as the platform decides it (a name in the text never does). */
  pings: string[];
}

export interface SubscribeOptions {
  /** Only ERRORED (`subscribe errored`). */
  erroredOnly?: boolean;
  livestreamIds?: string[];
  mention?: string;
}

/** A platform's notification rig: the shared NotifyRig around its real sink and fake. */
export interface SinkRig<C, A> extends NotifyRig {
  /** The fake's channel routes, taken over: what it accepted and refused, and failures to script. */
  readonly script: PlatformScript<C, A>;
  /** Every log record, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly botToken: string;
  readonly platform: Platform;
  /** A channel id the platform accepts, the same for the same name. */
  channel(name: string): string;
  /** `/livestream subscribe …` in `channelId`, reaching the core as the platform's adapter hands it over. */
  subscribe(channelId: string, options?: SubscribeOptions): Promise<Reply>;
  unsubscribe(channelId: string): Promise<Reply>;
  /** `/livestream subscriptions` in `channelId`, as the platform shows the answer. */
  subscriptionsShown(channelId: string): Promise<string>;
  view(call: PlatformCall<C>): CallView;
  /** Post requests that reached the platform, each try counted (scripted answers included). */
  postRequests(): number;
  /** Everything that reached the platform, as one string (for what must never be in it). */
  everything(): string;
}

export interface SinkRigOptions {
  /** Every post is created but answered only long after the client stopped waiting. */
  postsAnsweredLate?: boolean;
  cooldownMs?: number;
}

/** Checks of the platform's own format, at the points of the shared scenarios that reach it. */
export interface WireChecks<C> {
  live(post: PlatformCall<C>, stream: WireLivestream): void;
  ended(edit: PlatformCall<C>, live: PlatformCall<C>): void;
  errored(post: PlatformCall<C>): void;
  mentioned(post: PlatformCall<C>, edit: PlatformCall<C>): void;
  digestMentioned(digest: PlatformCall<C>): void;
  withinLimits(post: PlatformCall<C>): void;
  /** The log line of a post that timed out after the platform accepted it. */
  timedOut(logged: Record<string, unknown>): void;
}

export interface SinkContractPlatform<C, A> {
  makeRig(options?: SinkRigOptions): Promise<SinkRig<C, A>>;
  /** The platform's per-channel pacing the sender keeps. */
  pacingMs: number;
  /** A --mention as a subscription stores it, and what the platform pings for it. */
  mention: { asked: string; pings: string };
  /** A livestream name that would ping if the platform parsed it. */
  pingingName: string;
  answers: {
    /** A 5xx. */
    serverError: A;
    /** The message an edit targets was deleted. */
    messageGone: A;
    /** A rate limit with a short wait. */
    rateLimited: A;
  };
  /** Ways a channel is gone or closed to the bot; each pauses the channel's subscriptions. */
  channelGone: readonly { label: string; answer: A; shows: string[]; logged: Record<string, unknown> }[];
  /** Ways the platform refuses the bot's token. */
  refusedToken: readonly {
    label: string;
    answer: A;
    recorded: string | RegExp;
    logged: Record<string, unknown>;
  }[];
  wire: WireChecks<C>;
}

export function describeSinkContract<C, A>(name: string, platform: SinkContractPlatform<C, A>): void {
  const PACING = platform.pacingMs;
  let r: SinkRig<C, A>;
  beforeEach(async () => {
    r = await platform.makeRig();
  });
  afterEach(async () => {
    await r.close();
  });

  const ch = (channel: string) => r.channel(channel);
  const titleOf = (call: PlatformCall<C>) => r.view(call).title;
  const summary = (calls: PlatformCall<C>[]) =>
    calls.map((call) => `${call.op} ${call.channelId} ${titleOf(call)}`);
  const to = (calls: PlatformCall<C>[], channelId: string) =>
    calls.filter((call) => call.channelId === channelId);

  describe(`${name}: what each subscribed channel is told`, () => {
    it('LIVE is posted once to each subscribed channel, "ended" edits the same message, ERRORED carries err_message, others get nothing', async () => {
      const already = r.emulator.addLivestream({ name: 'Already live', status: 'LIVE' });
      const show = r.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
      const other = r.emulator.addLivestream({ name: 'Other show', status: 'IDLE' });
      expect((await r.subscribe(ch('all'))).title).toBe('Subscribed');
      await r.subscribe(ch('errored'), { erroredOnly: true });
      await r.subscribe(ch('other'), { livestreamIds: [other.id] });
      await r.subscribe(ch('left'));
      expect((await r.unsubscribe(ch('left'))).title).toBe('Unsubscribed');

      expect(await r.poller.runCycle()).toMatchObject({ ok: true, baseline: true, events: 0 });
      await r.drainAll();
      expect(r.script.accepted).toEqual([]);

      r.clock.advance(15_000);
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.poller.runCycle(); // nothing new: nothing more
      await r.drainAll();
      expect(summary(r.script.accepted)).toEqual([`post ${ch('all')} Town hall is live`]);
      const live = r.script.accepted[0]!;
      expect(r.view(live).text).toContain(show.id);
      platform.wire.live(live, show);

      r.clock.advance(65 * 60_000);
      r.emulator.setStatus(show.id, 'ERRORED', 'RTMP ingest timed out');
      await r.poller.runCycle();
      await r.drainAll();
      const after = r.script.accepted.slice(1);
      expect(summary(to(after, ch('all')))).toEqual([
        `edit ${ch('all')} Town hall ended`,
        `post ${ch('all')} Town hall errored`,
      ]);
      expect(summary(to(after, ch('errored')))).toEqual([`post ${ch('errored')} Town hall errored`]);
      const ended = to(after, ch('all'))[0]!;
      expect(ended.messageId).toBe(live.messageId);
      platform.wire.ended(ended, live);
      for (const errored of after.filter((call) => call.op === 'post')) {
        expect(r.view(errored).text).toContain('RTMP ingest timed out');
        platform.wire.errored(errored);
      }

      r.emulator.setStatus(other.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.script.accepted.slice(4)).sort()).toEqual(
        [`post ${ch('all')} Other show is live`, `post ${ch('other')} Other show is live`].sort(),
      );

      expect(to(r.script.accepted, ch('left'))).toEqual([]);
      expect(r.script.refused).toEqual([]);
      const everything = r.everything();
      for (const stream of [already, show, other]) expect(everything).not.toContain(stream.stream_key);
      expect(everything).not.toContain('Already live');
    });

    it('a mention pings from the post, a name never pings, and the edit that follows pings nobody', async () => {
      const show = r.emulator.addLivestream({ name: platform.pingingName, status: 'IDLE' });
      await r.subscribe(ch('ping'), { mention: platform.mention.asked });
      await r.poller.runCycle();
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      r.emulator.setStatus(show.id, 'IDLE');
      r.clock.advance(60_000);
      await r.poller.runCycle();
      await r.drainAll();
      const [post, edit] = r.script.accepted;
      expect(r.view(post!).pings).toEqual([platform.mention.pings]);
      expect(edit!.op).toBe('edit');
      expect(r.view(edit!).pings).toEqual([]);
      platform.wire.mentioned(post!, edit!);
    });

    it('a flap inside the cooldown edits the LIVE post back and posts nothing new; after it, LIVE is news again', async () => {
      const show = r.emulator.addLivestream({ name: 'Flappy', status: 'IDLE' });
      await r.subscribe(ch('flap'));
      await r.poller.runCycle();
      for (const status of ['LIVE', 'IDLE', 'LIVE']) {
        r.emulator.setStatus(show.id, status);
        await r.poller.runCycle();
        await r.drainAll();
        r.clock.advance(20_000);
      }
      expect(summary(r.script.accepted)).toEqual([
        `post ${ch('flap')} Flappy is live`,
        `edit ${ch('flap')} Flappy ended`,
        `edit ${ch('flap')} Flappy is live`,
      ]);
      expect(new Set(r.script.accepted.map((call) => call.messageId))).toEqual(
        new Set([r.script.accepted[0]!.messageId]),
      );
      expect(r.view(r.script.accepted[2]!).text).toContain('dropped briefly');

      r.emulator.setStatus(show.id, 'IDLE');
      await r.poller.runCycle();
      await r.drainAll();
      r.clock.advance(121_000);
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      const last = r.script.accepted.at(-1)!;
      expect(summary([last])).toEqual([`post ${ch('flap')} Flappy is live`]);
      expect(last.messageId).not.toBe(r.script.accepted[0]!.messageId);
      expect(r.script.accepted.filter((call) => call.op === 'post')).toHaveLength(2);
    });

    it('a LIVE post deleted in the channel: "ended" becomes a new message instead', async () => {
      const show = r.emulator.addLivestream({ name: 'Deleted post', status: 'IDLE' });
      await r.subscribe(ch('del'));
      await r.poller.runCycle();
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      r.script.fail(platform.answers.messageGone, { op: 'edit' });
      r.emulator.setStatus(show.id, 'IDLE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.script.refused)).toEqual([`edit ${ch('del')} Deleted post ended`]);
      expect(summary(r.script.accepted)).toEqual([
        `post ${ch('del')} Deleted post is live`,
        `post ${ch('del')} Deleted post ended`,
      ]);
      expect(
        (await r.store.subscriptions({ platform: r.platform, channelId: ch('del') }))[0]?.pausedReason,
      ).toBeNull();
    });
  });

  describe(`${name}: restarts`, () => {
    it('a restart between cycles (same DATA_DIR) neither repeats nor loses a notification', async () => {
      const a = r.emulator.addLivestream({ name: 'A', status: 'IDLE' });
      const b = r.emulator.addLivestream({ name: 'B', status: 'IDLE' });
      await r.subscribe(ch('r'));
      await r.poller.runCycle();
      r.emulator.setStatus(a.id, 'LIVE');
      await r.poller.runCycle();
      // The process dies before its sender ran: A's delivery waits on disk.
      await r.restart();
      r.emulator.setStatus(b.id, 'LIVE'); // changed while the bot was down
      await r.poller.runCycle();
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.script.accepted)).toEqual([`post ${ch('r')} A is live`, `post ${ch('r')} B is live`]);

      // Restart again, A ends while the bot is down: the new process edits the post the old one made.
      await r.restart();
      r.emulator.setStatus(a.id, 'IDLE');
      await r.restart();
      await r.poller.runCycle();
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.script.accepted.slice(2))).toEqual([`edit ${ch('r')} A ended`]);
      expect(r.script.accepted[2]!.messageId).toBe(r.script.accepted[0]!.messageId);
    });

    it('a restart while the platform is down keeps the undelivered message, and sends it once it is back', async () => {
      const show = r.emulator.addLivestream({ name: 'Outage', status: 'IDLE' });
      await r.subscribe(ch('down'));
      await r.poller.runCycle();
      r.script.fail(platform.answers.serverError, { times: Number.POSITIVE_INFINITY });
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      await r.delivery.drainOnce();
      expect(r.script.refused).toHaveLength(1);
      await r.restart();
      r.script.heal();
      await r.poller.runCycle();
      r.clock.advance(2_000); // the first backoff, stored with the delivery
      await r.drainAll();
      expect(summary(r.script.accepted)).toEqual([`post ${ch('down')} Outage is live`]);
    });
  });

  describe(`${name}: failures are waited out or reported, never lost`, () => {
    it('a rate limit is waited out: the message arrives once, and the post is recorded for its edit', async () => {
      const show = r.emulator.addLivestream({ name: 'Limited', status: 'IDLE' });
      await r.subscribe(ch('limit'));
      await r.poller.runCycle();
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      r.script.fail(platform.answers.rateLimited);
      await r.drainAll();
      expect(summary(r.script.refused)).toEqual([`post ${ch('limit')} Limited is live`]);
      expect(summary(r.script.accepted)).toEqual([`post ${ch('limit')} Limited is live`]);
      expect(await r.store.countPending()).toBe(0);
      expect(
        (await r.store.findPost({ platform: r.platform, channelId: ch('limit') }, show.id))?.messageId,
      ).toBe(r.script.accepted[0]!.messageId);
    });

    it('5xx for several passes (each one call: the client does not retry), then recovery: every message arrives once, in order', async () => {
      const streams = ['One', 'Two'].map((stream) =>
        r.emulator.addLivestream({ name: stream, status: 'IDLE' }),
      );
      await r.subscribe(ch('flaky'));
      await r.poller.runCycle();
      r.script.fail(platform.answers.serverError, { times: Number.POSITIVE_INFINITY });
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
      expect(r.script.accepted).toEqual([]);
      const passes = r.logs.filter((line) => line.msg === 'delivery failed; will retry').length;
      expect(passes).toBeGreaterThanOrEqual(3);
      // Each failed pass is one call: the sink's client does not retry on its own (the sender does).
      expect(r.script.refused).toHaveLength(passes);
      // Head of line: only the oldest was tried, so nothing can overtake it.
      expect(new Set(r.script.refused.map(titleOf))).toEqual(new Set(['One is live']));
      expect(await r.store.countPending()).toBe(2);

      r.script.heal();
      await r.drainAll();
      expect(summary(r.script.accepted)).toEqual([
        `post ${ch('flaky')} One is live`,
        `post ${ch('flaky')} Two is live`,
      ]);
    });

    it.each(platform.channelGone)(
      '$label pauses the subscription with the reason, shown by /livestream subscriptions; subscribing again resumes it',
      async ({ answer, shows, logged }) => {
        const show = r.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
        await r.subscribe(ch('gone'));
        await r.subscribe(ch('ok'));
        await r.poller.runCycle();
        r.script.fail(answer, { channelId: ch('gone'), times: Number.POSITIVE_INFINITY });
        r.emulator.setStatus(show.id, 'LIVE');
        await r.poller.runCycle();
        await r.drainAll();
        expect(summary(r.script.accepted)).toEqual([`post ${ch('ok')} Show is live`]);
        expect(r.script.refused).toHaveLength(1); // given up at once, not retried

        const shown = await r.subscriptionsShown(ch('gone'));
        expect(shown).toContain('PAUSED');
        for (const text of shows) expect(shown).toContain(text);
        expect(
          r.logs.find(
            (line) => String(line.msg).includes('subscription is paused') && line.channelId === ch('gone'),
          ),
        ).toMatchObject({ level: 'error', ...logged });

        // Paused: nothing more is tried there.
        r.emulator.setStatus(show.id, 'ERRORED', 'boom');
        await r.poller.runCycle();
        await r.drainAll();
        expect(r.script.refused).toHaveLength(1);
        expect(summary(to(r.script.accepted, ch('ok'))).slice(1)).toEqual([
          `edit ${ch('ok')} Show ended`,
          `post ${ch('ok')} Show errored`,
        ]);

        r.script.heal();
        expect((await r.subscribe(ch('gone'))).title).toBe('Subscribed');
        expect(await r.subscriptionsShown(ch('gone'))).toContain('ACTIVE');
        r.emulator.setStatus(show.id, 'LIVE');
        await r.poller.runCycle();
        await r.drainAll();
        expect(summary(to(r.script.accepted, ch('gone')))).toEqual([`post ${ch('gone')} Show is live`]);
      },
    );

    it('a post the platform accepted but answered too late is a transient failure, sent once by the client, instead of stalling delivery', async () => {
      await r.close();
      r = await platform.makeRig({ postsAnsweredLate: true });
      const show = r.emulator.addLivestream({ name: 'Stalled', status: 'IDLE' });
      await r.subscribe(ch('hung'));
      await r.poller.runCycle();
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      expect(await r.delivery.drainOnce()).toBe(0);
      expect((await r.store.pendingDeliveries(10))[0]).toMatchObject({ attempts: 1 });
      // Sent once: the client does not repeat a call the platform may have acted on.
      expect(r.postRequests()).toBe(1);
      const logged = r.logs.find((line) => line.msg === 'delivery failed; will retry');
      expect(logged).toBeDefined();
      platform.wire.timedOut(logged!);
    });
  });

  describe(`${name}: the RealtimeKit API misbehaving`, () => {
    it('an API failing mid-paging changes nothing; the next cycle announces once', async () => {
      // 250 LIVE streams: every cycle pages through 3 pages of the LIVE list.
      const target = r.emulator.addLivestream({ name: 'Target', status: 'IDLE' });
      r.emulator.seed(250, { status: 'LIVE' });
      await r.subscribe(ch('page'));
      await r.poller.runCycle();
      r.emulator.setStatus(target.id, 'LIVE');
      r.emulator.injectFault({ path: 'status=LIVE&page_no=3', status: 500, times: 2 });
      expect((await r.poller.runCycle()).ok).toBe(false);
      await r.drainAll();
      expect([...r.script.accepted, ...r.script.refused]).toEqual([]);
      expect((await r.store.loadStatuses())!.get(target.id)).toBeUndefined();

      expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
      await r.poller.runCycle();
      await r.drainAll();
      expect(r.script.accepted).toHaveLength(1);
      expect(r.view(r.script.accepted[0]!).text).toContain(target.id);
    });

    it('an API 429 is waited out: a short Retry-After inside the cycle, a long one by delaying the next cycle', async () => {
      const show = r.emulator.addLivestream({ name: 'Limited', status: 'IDLE' });
      await r.subscribe(ch('api'));
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
      expect(summary(r.script.accepted)).toEqual([
        `post ${ch('api')} Limited is live`,
        `edit ${ch('api')} Limited ended`,
        `post ${ch('api')} Limited errored`,
      ]);
    });
  });

  describe(`${name}: a burst`, () => {
    it('200 transitions arrive as digests of at most 20, every livestream once, paced per channel, within the platform’s limits', async () => {
      const streams = r.emulator.seed(200, { status: 'IDLE' });
      await r.subscribe(ch('b1'));
      await r.subscribe(ch('b2'));
      await r.poller.runCycle();
      for (const stream of streams) r.emulator.setStatus(stream.id, 'LIVE');
      expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 200 });
      await r.drainAll();

      for (const channel of [ch('b1'), ch('b2')]) {
        const posts = to(r.script.accepted, channel);
        expect(posts).toHaveLength(10);
        expect(posts.every((post) => post.op === 'post' && titleOf(post) === '20 livestream updates')).toBe(
          true,
        );
        const text = posts.map((post) => r.view(post).text).join('\n');
        for (const stream of streams) expect(text.split(stream.id).length - 1).toBe(1);
        for (const post of posts) platform.wire.withinLimits(post);
        const gaps = posts.slice(1).map((post, i) => post.at - posts[i]!.at);
        expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PACING);
      }
      expect(r.script.accepted).toHaveLength(20);
      expect(r.script.refused).toEqual([]);
    });

    it('a digest pings when any of its items asked for a ping, not only the first', async () => {
      const streams = ['A', 'B', 'C', 'D'].map((stream) =>
        r.emulator.addLivestream({ name: stream, status: 'IDLE' }),
      );
      await r.subscribe(ch('dig'));
      // The last stream also has a subscription of its own that pings.
      await r.store.upsertSubscription({
        platform: r.platform,
        channelId: ch('dig'),
        livestreamId: streams[3]!.id,
        onLive: true,
        onErrored: true,
        mention: platform.mention.asked,
        source: 'chat',
      });
      await r.poller.runCycle();
      // Two cycles before the sender runs: the pinging item is the last of the digest.
      for (const stream of streams.slice(0, 3)) r.emulator.setStatus(stream.id, 'LIVE');
      await r.poller.runCycle();
      r.emulator.setStatus(streams[3]!.id, 'LIVE');
      await r.poller.runCycle();
      await r.drainAll();
      expect(summary(r.script.accepted)).toEqual([`post ${ch('dig')} 4 livestream updates`]);
      const digest = r.script.accepted[0]!;
      expect(r.view(digest).pings).toEqual([platform.mention.pings]);
      platform.wire.digestMentioned(digest);
    });
  });

  describe(`${name}: delivery timing`, () => {
    it('a failing channel is retried on a doubling backoff capped at 10 minutes, never before it is due', async () => {
      const show = r.emulator.addLivestream({ name: 'Backoff', status: 'IDLE' });
      await r.subscribe(ch('back'));
      await r.poller.runCycle();
      r.script.fail(platform.answers.serverError, { times: 12 });
      r.emulator.setStatus(show.id, 'LIVE');
      await r.poller.runCycle();
      const calls = () => r.script.accepted.length + r.script.refused.length;
      const t0 = r.clock.now();
      await r.delivery.drainOnce();
      expect(calls()).toBe(1);

      const delays = [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600].map((s) => s * 1_000);
      for (const [i, delay] of delays.entries()) {
        expect(await r.delivery.nextWakeMs()).toBe(delay);
        r.clock.advance(delay - 1);
        await r.delivery.drainOnce();
        expect(calls()).toBe(i + 1); // 1 ms early: nothing is sent
        r.clock.advance(1);
        await r.delivery.drainOnce();
        expect(calls()).toBe(i + 2);
      }
      const due = delays.map((_, i) => delays.slice(0, i + 1).reduce((a, b) => a + b, 0));
      expect(r.script.refused.map((call) => call.at - t0)).toEqual([0, ...due.slice(0, -1)]);
      expect(r.script.accepted.map((call) => call.at - t0)).toEqual([due.at(-1)]);
      expect(summary(r.script.accepted)).toEqual([`post ${ch('back')} Backoff is live`]);
    });
  });

  describe(`${name}: a refused bot token`, () => {
    it.each(platform.refusedToken)(
      '$label stops deliveries on the platform, drops nothing, logs one error and records why',
      async ({ answer, recorded, logged }) => {
        const streams = ['One', 'Two'].map((stream) =>
          r.emulator.addLivestream({ name: stream, status: 'IDLE' }),
        );
        await r.subscribe(ch('a1'));
        await r.subscribe(ch('a2'));
        await r.poller.runCycle();
        r.script.fail(answer, { times: Number.POSITIVE_INFINITY });
        for (const stream of streams) {
          r.emulator.setStatus(stream.id, 'LIVE');
          await r.poller.runCycle();
          await r.delivery.drainOnce();
          r.clock.advance(15_000);
        }
        for (let pass = 0; pass < 10; pass++) {
          await r.delivery.drainOnce();
          r.clock.advance(Math.max(1, await r.delivery.nextWakeMs()));
        }
        // The first pass tried both channels at once; then the platform was left alone.
        expect(r.script.refused.length).toBeLessThanOrEqual(2);
        expect(r.script.accepted).toEqual([]);
        expect(await r.store.countPending()).toBe(4);
        expect(
          (await r.store.subscriptions({ platform: r.platform })).every((s) => s.pausedReason === null),
        ).toBe(true);
        expect(await r.store.getMeta(`platform_refused:${r.platform}`)).toMatch(recorded);
        const errors = r.logs.filter((line) => line.level === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ platform: r.platform, ...logged });
        expect(JSON.stringify(r.logs)).not.toContain(r.botToken);
      },
    );
  });
}

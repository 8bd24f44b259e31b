/**
 * One broken channel must not silence the others (issue 12): a channel whose posts keep failing gets its
 * turn like every other and no more; transient failures end in a paused subscription after a bounded
 * time (which a restart does not reset); a refused token stops that platform only; old history is pruned.
 * Real poller, sender and SQLite store on a ManualClock, around recording sinks.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createLogger, silentLogger } from '../../src/log.js';
import {
  DEFAULT_RETENTION_MS,
  DEFAULT_TRANSIENT_GIVE_UP_MS,
  DeliveryWorker,
} from '../../src/notify/delivery.js';
import { startNotifications } from '../../src/notify/service.js';
import { type NotifyStore, platformRefusedKey } from '../../src/notify/store.js';
import type { StreamEvent } from '../../src/notify/types.js';
import type { Reply } from '../../src/reply.js';
import { type Platform, type PostedMessage, type PostOptions, type Sink, SinkError } from '../../src/sink.js';
import { createNotifyRig, type NotifyRig, RecordingSink, subscribe } from './harness.js';

/** Fails every call to the channels in `broken` with `error`, records every attempt; others go to `inner`. */
class BreakableSink implements Sink {
  readonly platform: Platform;
  readonly pacingMs: number;
  readonly broken = new Map<string, () => SinkError>();
  /** Every call, accepted or not, by the test's clock. */
  readonly attempts: { channelId: string; at: number; ok: boolean; reply: Reply }[] = [];

  constructor(
    readonly inner: RecordingSink,
    private readonly clock: ManualClock,
  ) {
    this.platform = inner.platform;
    this.pacingMs = inner.pacingMs;
  }

  async post(channelId: string, reply: Reply, _options?: PostOptions): Promise<PostedMessage> {
    const error = this.broken.get(channelId)?.();
    this.attempts.push({ channelId, at: this.clock.now(), ok: !error, reply });
    if (error) throw error;
    return this.inner.post(channelId, reply);
  }

  async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    const error = this.broken.get(channelId)?.();
    this.attempts.push({ channelId, at: this.clock.now(), ok: !error, reply });
    if (error) throw error;
    return this.inner.edit(channelId, messageId, reply);
  }
}

const transient = () => new SinkError('Transient', 'Slack answered HTTP 500', { code: 'http_500' });
const HOUR = 3_600_000;

let h: NotifyRig;
let sink: BreakableSink;
let clock: ManualClock;

async function startRig(log = silentLogger): Promise<void> {
  clock = new ManualClock();
  sink = new BreakableSink(new RecordingSink('slack', clock), clock);
  h = await createNotifyRig({ sink, clock, log });
}

afterEach(async () => {
  await h.close();
});

const liveEvent = (id: string, at: number): StreamEvent => ({
  kind: 'live',
  stream: { id, name: `Old ${id}`, status: 'LIVE', playbackUrl: null },
  previousStatus: 'IDLE',
  at: new Date(at).toISOString(),
});

/** `count` pending notifications for one channel, written fast: one transaction. */
async function backlog(
  store: NotifyStore,
  channelId: string,
  count: number,
  platform: Platform = 'slack',
): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++)
      await tx.enqueue(liveEvent(`old-${i}`, clock.now()), [{ platform, channelId, mention: null }]);
  });
}

const okTo = (channelId: string) =>
  sink.attempts.filter((a) => a.ok && a.channelId === channelId).map((a) => a.reply.title);

function pendingFor(channelId: string): number {
  const db = new Database(join(h.dataDir, 'livestream-chatops.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare("SELECT count(*) AS n FROM delivery WHERE state = 'pending' AND channel_id = ?")
      .get(channelId) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

/** Runs passes of the sender, moving the clock to each next wake-up, until `done()` or `untilMs` passed. */
async function runUntil(done: () => boolean | Promise<boolean>, untilMs: number): Promise<void> {
  const end = clock.now() + untilMs;
  while (!(await done()) && clock.now() < end) {
    await h.delivery.drainOnce();
    if (await done()) return;
    clock.advance(Math.max(1, Math.min(await h.delivery.nextWakeMs(), end - clock.now())));
  }
}

describe('a channel whose posts keep failing', () => {
  it('with 10,000 failing notifications waiting, another channel still gets its LIVE post in the next pass', async () => {
    await startRig();
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'BROKEN');
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    await backlog(h.store, 'BROKEN', 10_001);
    sink.broken.set('BROKEN', transient);
    // A few passes of failing first, as in production: the backlog is older than C1's news.
    for (let pass = 0; pass < 3; pass++) {
      await h.delivery.drainOnce();
      clock.advance(await h.delivery.nextWakeMs());
    }

    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.delivery.drainOnce();
    expect(okTo('C1')).toEqual(['Show is live']);
    expect(pendingFor('BROKEN')).toBe(10_002); // and its own "Show is live"
    // BROKEN was tried as its backoff allowed, not once per pass of the other channel.
    const broken = sink.attempts.filter((a) => a.channelId === 'BROKEN');
    expect(broken.length).toBeLessThanOrEqual(4);
  });

  it('is paused with the reason once it has failed for 24 hours, and its waiting notifications dropped', async () => {
    await startRig();
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'BROKEN');
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    sink.broken.set('BROKEN', transient);
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    const firstFailure = clock.now();

    await runUntil(
      async () =>
        (await h.store.subscriptions({ platform: 'slack', channelId: 'BROKEN' }))[0]!.pausedReason !== null,
      30 * HOUR,
    );
    const paused = (await h.store.subscriptions({ platform: 'slack', channelId: 'BROKEN' }))[0]!;
    expect(paused.pausedReason).toContain('http_500');
    expect(paused.pausedReason).toMatch(/24 h/);
    // Given up no earlier than 24 h after the first failure, and no later than one backoff after.
    expect(clock.now() - firstFailure).toBeGreaterThanOrEqual(DEFAULT_TRANSIENT_GIVE_UP_MS);
    expect(clock.now() - firstFailure).toBeLessThanOrEqual(DEFAULT_TRANSIENT_GIVE_UP_MS + 10 * 60_000);
    expect(pendingFor('BROKEN')).toBe(0);
    expect(okTo('C1')).toEqual(['Show is live']);
    // The other channel is untouched.
    expect((await h.store.subscriptions({ platform: 'slack', channelId: 'C1' }))[0]!.pausedReason).toBeNull();
  });

  it('counts the 24 hours from the first failure across a restart', async () => {
    await startRig();
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'BROKEN');
    await h.poller.runCycle();
    sink.broken.set('BROKEN', transient);
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    const pausedReason = async () =>
      (await h.store.subscriptions({ platform: 'slack', channelId: 'BROKEN' }))[0]!.pausedReason;

    await runUntil(() => false, 20 * HOUR);
    expect(await pausedReason()).toBeNull();
    await h.restart();
    await runUntil(async () => (await pausedReason()) !== null, 6 * HOUR);
    expect(await pausedReason()).not.toBeNull();
  });

  it('starts counting again after a post goes through', async () => {
    await startRig();
    const [a, b] = ['A', 'B'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'FLAKY');
    await h.poller.runCycle();
    sink.broken.set('FLAKY', transient);
    h.emulator.setStatus(a!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    sink.broken.delete('FLAKY');
    await runUntil(() => pendingFor('FLAKY') === 0, HOUR);
    expect(okTo('FLAKY')).toEqual(['A is live']);

    sink.broken.set('FLAKY', transient);
    h.emulator.setStatus(b!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    expect(
      (await h.store.subscriptions({ platform: 'slack', channelId: 'FLAKY' }))[0]!.pausedReason,
    ).toBeNull();
    expect(pendingFor('FLAKY')).toBe(1);
  });
});

describe('a run of failures ends', () => {
  it('when the platform answers, even to refuse the message', async () => {
    await startRig();
    const [a, b] = ['A', 'B'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    sink.broken.set('C1', transient);
    h.emulator.setStatus(a!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    // Slack answers again, refusing that one message: it is dropped, and the channel works.
    sink.broken.set('C1', () => new SinkError('Rejected', 'invalid_blocks', { code: 'invalid_blocks' }));
    await runUntil(() => pendingFor('C1') === 0, HOUR);
    clock.advance(10 * HOUR);

    sink.broken.set('C1', transient);
    h.emulator.setStatus(b!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    expect((await h.store.subscriptions({ platform: 'slack', channelId: 'C1' }))[0]!.pausedReason).toBeNull();
  });

  it('when the channel was not tried for a long while (its platform left the configuration, then came back)', async () => {
    await startRig();
    const [a, b] = ['A', 'B'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    sink.broken.set('C1', transient);
    h.emulator.setStatus(a!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    // Restarted without Slack: what waited for it is dropped. Two days later Slack is back.
    const withoutSlack = await startNotifications({
      config: {
        pollIntervalSeconds: 15,
        requestBudget: 900,
        dataDir: h.dataDir,
        cooldownSeconds: 120,
        alertAfterSeconds: 300,
      },
      store: h.store,
      sinks: [],
      api: { baseUrl: 'http://127.0.0.1:9', apiToken: 't', accountId: 'a', appId: 'b' },
      realApi: false,
      defaultChannels: [],
      log: silentLogger,
      clock,
    });
    await withoutSlack.stop();
    expect(pendingFor('C1')).toBe(0);
    clock.advance(48 * HOUR);
    await h.restart();

    h.emulator.setStatus(b!.id, 'LIVE');
    await h.poller.runCycle();
    await runUntil(() => false, 20 * HOUR);
    expect((await h.store.subscriptions({ platform: 'slack', channelId: 'C1' }))[0]!.pausedReason).toBeNull();
    expect(pendingFor('C1')).toBe(1);
  });
});

describe('the wall clock stepping back', () => {
  it('an hour back does not stall a retry for an hour', async () => {
    await startRig();
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    sink.broken.set('C1', transient);
    await h.delivery.drainOnce();
    expect(sink.attempts).toHaveLength(1);
    sink.broken.delete('C1');

    clock.stepWall(-HOUR);
    expect(await h.delivery.nextWakeMs()).toBeLessThanOrEqual(2_000);
    clock.advance(2_000);
    await h.delivery.drainOnce();
    expect(okTo('C1')).toEqual(['Show is live']);
  });

  it('an hour back while the bot was down does not stall the stored retry either', async () => {
    await startRig();
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    sink.broken.set('C1', transient);
    await h.delivery.drainOnce();
    sink.broken.delete('C1');

    await h.restart();
    clock.stepWall(-HOUR);
    clock.advance(2_000);
    await h.delivery.drainOnce();
    expect(okTo('C1')).toEqual(['Show is live']);
  });
});

describe('a refused bot token', () => {
  it('stops that platform only, drops nothing, logs one error and records why for `subscriptions`', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'debug',
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    await startRig();
    const discord = new BreakableSink(new RecordingSink('discord', clock), clock);
    const worker = new DeliveryWorker({
      store: h.store,
      sinks: new Map<Platform, Sink>([
        ['slack', sink],
        ['discord', discord],
      ]),
      clock,
      log,
      cooldownMs: 120_000,
    });
    const streams = ['One', 'Two'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'S1');
    await subscribe(h.store, 'S2');
    await h.store.upsertSubscription({
      platform: 'discord',
      channelId: 'D1',
      livestreamId: null,
      onLive: true,
      onErrored: true,
      mention: null,
      source: 'chat',
    });
    await h.poller.runCycle();
    const revoked = () =>
      new SinkError('Unauthorized', 'Slack said token_revoked', { code: 'token_revoked' });
    sink.broken.set('S1', revoked);
    sink.broken.set('S2', revoked);
    for (const stream of streams) {
      h.emulator.setStatus(stream.id, 'LIVE');
      await h.poller.runCycle();
    }
    for (let pass = 0; pass < 20; pass++) {
      await worker.drainOnce();
      clock.advance(Math.max(1, await worker.nextWakeMs()));
    }

    expect(discord.attempts.map((a) => a.reply.title)).toEqual(['One is live', 'Two is live']);
    // Slack was tried once (or once per channel already under way), then left alone.
    expect(sink.attempts.length).toBeLessThanOrEqual(2);
    expect(pendingFor('S1') + pendingFor('S2')).toBe(4);
    expect((await h.store.subscriptions({ platform: 'slack' })).every((s) => s.pausedReason === null)).toBe(
      true,
    );
    expect(await h.store.getMeta(platformRefusedKey('slack'))).toContain('token_revoked');
    expect(await h.store.getMeta(platformRefusedKey('discord'))).toBeNull();
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ platform: 'slack', code: 'token_revoked' });
    await worker.stop();

    // A restart (after the token is fixed) starts clean: the note is cleared, the waiting posts go out.
    sink.broken.clear();
    const running = await startNotifications({
      config: {
        pollIntervalSeconds: 15,
        requestBudget: 900,
        dataDir: h.dataDir,
        cooldownSeconds: 120,
        alertAfterSeconds: 300,
      },
      store: h.store,
      sinks: [sink],
      api: { baseUrl: 'http://127.0.0.1:9', apiToken: 't', accountId: 'a', appId: 'b' },
      realApi: false,
      defaultChannels: [],
      log: silentLogger,
      clock,
    });
    await running.stop();
    expect(await h.store.getMeta(platformRefusedKey('slack'))).toBeNull();
    await h.drainAll();
    expect(okTo('S1')).toEqual(['One is live', 'Two is live']);
  });
});

describe('history', () => {
  it('delivered and dropped notifications are pruned after the retention period; waiting ones and open posts stay', async () => {
    await startRig();
    const [ended, open, refused] = ['Ended', 'Open', 'Refused'].map((name) =>
      h.emulator.addLivestream({ name, status: 'IDLE' }),
    );
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    for (const stream of [ended, open]) h.emulator.setStatus(stream!.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    h.emulator.setStatus(ended!.id, 'IDLE');
    await h.poller.runCycle();
    await h.drainAll();
    // One refused (dropped), and one for a platform that does not run here (stays pending).
    sink.broken.set('C1', () => new SinkError('Rejected', 'invalid_blocks', { code: 'invalid_blocks' }));
    h.emulator.setStatus(refused!.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    sink.broken.clear();
    await h.store.enqueue(liveEvent('elsewhere', clock.now()), [
      { platform: 'discord', channelId: 'D1', mention: null },
    ]);

    const db = new Database(join(h.dataDir, 'livestream-chatops.sqlite'), { readonly: true });
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    try {
      expect(count("SELECT count(*) AS n FROM delivery WHERE state != 'pending'")).toBe(4);
      expect(count('SELECT count(*) AS n FROM stream_post')).toBe(2);

      clock.advance(DEFAULT_RETENTION_MS - HOUR);
      await h.delivery.drainOnce();
      expect(count("SELECT count(*) AS n FROM delivery WHERE state != 'pending'")).toBe(4);

      clock.advance(2 * HOUR);
      await h.delivery.drainOnce();
      expect(count("SELECT count(*) AS n FROM delivery WHERE state != 'pending'")).toBe(0);
      expect(count("SELECT count(*) AS n FROM delivery WHERE state = 'pending'")).toBe(1);
      // Only the event still waiting to go out is kept.
      expect(count('SELECT count(*) AS n FROM event')).toBe(1);
      // The post of the stream that is still live stays, for its "ended" edit; the ended one goes.
      const posts = db.prepare('SELECT livestream_id FROM stream_post').all() as { livestream_id: string }[];
      expect(posts.map((p) => p.livestream_id)).toEqual([open!.id]);
    } finally {
      db.close();
    }
    // And the open stream ending still edits its post.
    h.emulator.setStatus(open!.id, 'IDLE');
    await h.poller.runCycle();
    await h.delivery.drainOnce(); // (not drainAll: Discord's stays pending, with no sink here)
    expect(sink.inner.sent.at(-1)).toMatchObject({ op: 'edit', reply: { title: 'Open ended' } });
  });

  it('prunes a large history in bounded batches, so no pass blocks for long', async () => {
    await startRig();
    await subscribe(h.store, 'C1');
    await backlog(h.store, 'C1', 5_000);
    const db = new Database(join(h.dataDir, 'livestream-chatops.sqlite'));
    db.prepare("UPDATE delivery SET state = 'done'").run();
    const count = () => (db.prepare('SELECT count(*) AS n FROM delivery').get() as { n: number }).n;
    try {
      clock.advance(DEFAULT_RETENTION_MS + HOUR);
      await h.delivery.drainOnce();
      const afterOne = count();
      expect(afterOne).toBeLessThan(5_000);
      expect(afterOne).toBeGreaterThan(0);
      for (let pass = 0; pass < 50 && count() > 0; pass++) {
        clock.advance(1_000);
        await h.delivery.drainOnce();
      }
      expect(count()).toBe(0);
      expect((db.prepare('SELECT count(*) AS n FROM event').get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
  });
});

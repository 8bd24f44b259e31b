import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handleSubscriptionCommand } from '../../src/notify/subscription-commands.js';
import { SinkError } from '../../src/sink.js';
import { createHarness, type Harness, subscribe, transient } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const titles = () => h.sink.sent.map((m) => `${m.op} ${m.channelId} ${m.reply.title}`);

describe('poller + delivery', () => {
  it('records a silent baseline, then announces each transition once to each subscribed channel only', async () => {
    const already = h.emulator.addLivestream({ name: 'Already live', status: 'LIVE' });
    const show = h.emulator.addLivestream({ name: 'Show', status: 'INVOKED' });
    await subscribe(h.store, 'C1');
    await subscribe(h.store, 'C2', { onLive: false }); // errored only
    const first = await h.poller.runCycle();
    expect(first).toMatchObject({ ok: true, baseline: true, streams: 1, events: 0 });
    await h.drainAll();
    expect(h.sink.sent).toEqual([]);

    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.poller.runCycle(); // nothing changed: nothing new
    await h.drainAll();
    expect(titles()).toEqual(['post C1 Show is live']);
    const live = h.sink.sent[0]!.reply;
    expect(live.links).toEqual([{ label: 'Watch', url: show.playback_url }]);
    expect(JSON.stringify(live)).not.toContain(show.stream_key);

    h.emulator.setStatus(show.id, 'ERRORED', 'RTMP ingest timed out');
    await h.poller.runCycle();
    await h.drainAll();
    const after = titles().slice(1);
    expect(after.filter((t) => t.includes(' C1 '))).toEqual(['edit C1 Show ended', 'post C1 Show errored']);
    expect(after.filter((t) => t.includes(' C2 '))).toEqual(['post C2 Show errored']);
    const errored = h.sink.sent.find((m) => m.channelId === 'C2')!.reply;
    expect(errored.fields).toContainEqual({ label: 'Error', value: 'RTMP ingest timed out' });
    expect(already.id).toBeTruthy();
  });

  it('edits the LIVE post when the stream ends, with duration and session figures', async () => {
    const show = h.emulator.addLivestream({ name: 'Town hall', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    h.clock.advance(65 * 60_000);
    h.emulator.setStatus(show.id, 'IDLE');
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.op)).toEqual(['post', 'edit']);
    const edit = h.sink.sent[1]!;
    expect(edit.messageId).toBe(h.sink.sent[0]!.messageId);
    expect(edit.reply.title).toBe('Town hall ended');
    expect(edit.reply.fields.find((f) => f.label === 'Duration')?.value).toMatch(/^1h 5m/);
    expect(edit.reply.fields.map((f) => f.label)).toEqual(
      expect.arrayContaining(['Started', 'Ended', 'Ingest time', 'Viewer time']),
    );
  });

  it('a flap inside the cooldown edits the existing post and posts nothing new', async () => {
    const show = h.emulator.addLivestream({ name: 'Flappy', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    h.emulator.setStatus(show.id, 'IDLE');
    await h.poller.runCycle();
    await h.drainAll();
    h.clock.advance(30_000);
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.op)).toEqual(['post', 'edit', 'edit']);
    expect(new Set(h.sink.sent.map((m) => m.messageId)).size).toBe(1);
    expect(h.sink.sent[2]!.reply.title).toBe('Flappy is live');
    expect(h.sink.sent[2]!.reply.text).toMatch(/dropped briefly/);

    // After the cooldown, going live again is news again.
    h.emulator.setStatus(show.id, 'IDLE');
    await h.poller.runCycle();
    await h.drainAll();
    h.clock.advance(121_000);
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent.map((m) => m.op)).toEqual(['post', 'edit', 'edit', 'edit', 'post']);
  });

  it('a restart between cycles neither repeats nor loses a notification', async () => {
    const a = h.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    const b = h.emulator.addLivestream({ name: 'B', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(a.id, 'LIVE');
    await h.poller.runCycle();
    // Killed before the sender ran: the event is in the outbox on disk.
    await h.restart();
    h.emulator.setStatus(b.id, 'LIVE'); // changed while the bot was down
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.drainAll();
    await h.restart();
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post C1 A is live', 'post C1 B is live']);
  });

  it('an API failing mid-paging changes nothing, and the next cycle catches up', async () => {
    await h.close();
    h = await createHarness();
    const target = h.emulator.addLivestream({ name: 'Target', status: 'IDLE' });
    h.emulator.seed(250, { status: 'LIVE' }); // the LIVE list is 3 pages long
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(target.id, 'LIVE');
    h.emulator.injectFault({ path: 'status=LIVE&page_no=3', status: 500, times: 2 });
    const failed = await h.poller.runCycle();
    expect(failed.ok).toBe(false);
    expect(await h.store.countPending()).toBe(0);
    expect((await h.store.loadStatuses())!.get(target.id)).toBeUndefined(); // not LIVE as far as the store knows
    const ok = await h.poller.runCycle();
    expect(ok).toMatchObject({ ok: true, events: 1 });
    await h.drainAll();
    expect(h.sink.sent).toHaveLength(1);
  });

  it('waits out an API 429 (Retry-After) inside a cycle', async () => {
    const show = h.emulator.addLivestream({ name: 'S', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    h.emulator.injectFault({ path: 'livestreams?', status: 429, headers: { 'retry-after': '0' } });
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
  });

  it('a platform failing for several cycles then recovering gets every message, in order', async () => {
    const streams = ['One', 'Two'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.sink.failNext(transient(), transient(), transient(), transient());
    for (const stream of streams) {
      h.emulator.setStatus(stream.id, 'LIVE');
      await h.poller.runCycle();
      await h.delivery.drainOnce();
      h.clock.advance(15_000);
    }
    expect(h.sink.sent).toEqual([]);
    expect(await h.store.countPending()).toBe(2);
    await h.drainAll();
    expect(titles()).toEqual(['post C1 One is live', 'post C1 Two is live']);
  });

  it('waits out a platform rate limit instead of dropping the message', async () => {
    const show = h.emulator.addLivestream({ name: 'S', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    h.sink.failNext(new SinkError('RateLimited', 'slow down', { retryAfterMs: 30_000 }));
    const start = h.clock.now();
    await h.delivery.drainOnce();
    expect(await h.delivery.nextWakeMs()).toBe(30_000);
    await h.drainAll();
    expect(h.sink.sent).toHaveLength(1);
    expect(h.sink.sent[0]!.at - start).toBeGreaterThanOrEqual(30_000);
  });

  it('a burst of 200 transitions arrives as digests, paced within the per-channel rate limit', async () => {
    const streams = h.emulator.seed(200, { status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    for (const stream of streams) h.emulator.setStatus(stream.id, 'LIVE');
    const cycle = await h.poller.runCycle();
    expect(cycle).toMatchObject({ ok: true, events: 200 });
    await h.drainAll();
    expect(h.sink.sent.length).toBe(10);
    const items = h.sink.sent.reduce((n, m) => n + (m.reply.list?.items.length ?? 0), 0);
    expect(items).toBe(200);
    const gaps = h.sink.sent.slice(1).map((m, i) => m.at - h.sink.sent[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    // The poller's extra lookups are capped, so the burst cost a bounded number of API requests: the
    // LIVE list (two full pages, and a third that shows there is no more), the ERRORED list, 20 lookups.
    expect(cycle.requests).toBeLessThanOrEqual(4 + 20);
  });

  it('a deleted channel pauses its subscription, says why, and subscribing again resumes it', async () => {
    const show = h.emulator.addLivestream({ name: 'S', status: 'IDLE' });
    await subscribe(h.store, 'GONE');
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    h.sink.failChannel(
      'GONE',
      new SinkError('Permanent', 'channel not found', { code: 'channel_not_found' }),
    );
    await h.drainAll();
    expect(titles()).toEqual(['post C1 S is live']);
    const context = { platform: 'slack' as const, channelId: 'GONE', userId: 'U1', canManage: true };
    const listed = await handleSubscriptionCommand({
      command: { name: 'subscriptions' },
      context,
      store: h.store,
      client: h.commandsClient,
    });
    expect(listed.list?.items[0]?.badge?.text).toBe('PAUSED');
    expect(JSON.stringify(listed.list?.items[0]?.fields)).toContain('channel_not_found');
    // Paused channels get nothing new.
    h.emulator.setStatus(show.id, 'ERRORED', 'boom');
    await h.poller.runCycle();
    await h.drainAll();
    expect(h.sink.sent.filter((m) => m.channelId === 'GONE')).toEqual([]);

    await handleSubscriptionCommand({
      command: { name: 'subscribe', onLive: true, onErrored: true, livestreamIds: [] },
      context,
      store: h.store,
      client: h.commandsClient,
    });
    expect(
      (await h.store.subscriptions({ platform: 'slack', channelId: 'GONE' }))[0]?.pausedReason,
    ).toBeNull();
  });

  it('tells channels once when the API has failed too long, and again when it recovers', async () => {
    await h.close();
    h = await createHarness({ alertAfterMs: 60_000 });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 5; i++) {
      expect((await h.poller.runCycle()).ok).toBe(false);
      h.clock.advance(30_000);
    }
    h.emulator.clearFaults();
    await h.poller.runCycle();
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual([
      'post C1 Livestream notifications are delayed',
      'post C1 Livestream notifications are back',
    ]);
  });

  it('a message the platform refuses is dropped, and the channel keeps its subscription', async () => {
    const [a, b] = ['A', 'B'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(a!.id, 'LIVE');
    await h.poller.runCycle();
    h.sink.failChannel('C1', new SinkError('Rejected', 'invalid_blocks', { code: 'invalid_blocks' }));
    await h.drainAll();
    expect((await h.store.subscriptions({ platform: 'slack', channelId: 'C1' }))[0]?.pausedReason).toBeNull();
    h.emulator.setStatus(b!.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post C1 B is live']);
  });

  it('a channel whose platform hangs does not hold up the other channels', async () => {
    const [one, two] = ['One', 'Two'].map((name) => h.emulator.addLivestream({ name, status: 'IDLE' }));
    await subscribe(h.store, 'SLOW');
    await subscribe(h.store, 'FAST');
    await h.poller.runCycle();
    const release = h.sink.hold('SLOW');
    h.delivery.start();
    h.emulator.setStatus(one!.id, 'LIVE');
    await h.poller.runCycle();
    h.delivery.wake();
    await vi.waitFor(() => expect(titles()).toEqual(['post FAST One is live']), { interval: 1 });
    // SLOW's first post still hangs; FAST's next message goes out all the same.
    h.clock.advance(2_000);
    h.emulator.setStatus(two!.id, 'LIVE');
    await h.poller.runCycle();
    h.delivery.wake();
    await vi.waitFor(() => expect(titles()).toEqual(['post FAST One is live', 'post FAST Two is live']), {
      interval: 1,
    });
    release();
    await vi.waitFor(() => expect(titles()).toHaveLength(3), { interval: 1 });
    expect(titles()[2]).toBe('post SLOW One is live');
    await h.delivery.stop();
  });

  it('deliveries for a platform that is not running here never block the others', async () => {
    const show = h.emulator.addLivestream({ name: 'S', status: 'IDLE' });
    // 10,001 old deliveries for Discord, which has no sink in this process, queued before Slack's.
    const event = {
      kind: 'live' as const,
      stream: { id: 'x', name: 'X', status: 'LIVE' as const, playbackUrl: null },
      previousStatus: null,
      at: new Date(h.clock.now()).toISOString(),
    };
    await h.store.enqueue(
      event,
      Array.from({ length: 10_001 }, (_, i) => ({
        platform: 'discord' as const,
        channelId: `D${i}`,
        mention: null,
      })),
    );
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.delivery.drainOnce();
    expect(titles()).toEqual(['post C1 S is live']);
    expect(await h.store.dropOtherPlatforms(['slack'], 'not configured')).toBe(10_001);
    expect(await h.store.countPending()).toBe(0);
  });

  it('an event it cannot read is dropped, and the channel goes on with the next one', async () => {
    const show = h.emulator.addLivestream({ name: 'S', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    const raw = new Database(join(h.dataDir, 'livestream-chatops.sqlite'));
    const eventId = raw
      .prepare('INSERT INTO event (body) VALUES (\'{"kind":"live"}\')')
      .run().lastInsertRowid;
    raw
      .prepare("INSERT INTO delivery (event_id, platform, channel_id) VALUES (?, 'slack', 'C1')")
      .run(eventId);
    raw.close();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post C1 S is live']);
  });

  it('the flap cooldown counts from when the stream changed, not from when a delayed edit went out', async () => {
    const show = h.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    await h.drainAll();
    // The platform goes down; the stream ends, and comes back 25 minutes later.
    h.emulator.setStatus(show.id, 'IDLE');
    await h.poller.runCycle();
    h.clock.advance(25 * 60_000);
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.runCycle();
    // The platform is back: both go out now, a second apart; the return is news, not a flap.
    await h.drainAll();
    expect(h.sink.sent.map((m) => `${m.op} ${m.reply.title}`)).toEqual([
      'post Show is live',
      'edit Show ended',
      'post Show is live',
    ]);
  });
});

/**
 * `poller.check(id)`: a hint (a RealtimeKit webhook) that one livestream may have changed. It looks the
 * stream up at once and writes what changed through the same path as a cycle, so a hint and a poll
 * announce each change once between them, in whichever order they come.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const titles = () => h.sink.sent.map((m) => `${m.op} ${m.reply.title}`);
const sessionLookups = () =>
  h.emulator.requests.filter((r) => r.path.endsWith('/active-livestream-session')).length;

describe('poller.check', () => {
  it('a hint before the poll announces the change at once; the poll then finds nothing new', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Hinted', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    await h.poller.check(show.id);
    await h.drainAll();
    expect(titles()).toEqual(['post Hinted is live']);
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    h.emulator.setStatus(show.id, 'IDLE');
    await h.poller.check(show.id);
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await h.drainAll();
    expect(titles()).toEqual(['post Hinted is live', 'edit Hinted ended']);
  });

  it('a hint after the poll saw the change finds nothing new', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Polled', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await h.poller.check(show.id);
    await h.poller.check(show.id); // a duplicate hint
    await h.drainAll();
    expect(titles()).toEqual(['post Polled is live']);
  });

  it('a hint and a poll at the same moment announce once', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Both', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'ERRORED', 'no video');
    await Promise.all([h.poller.check(show.id), h.poller.runCycle(), h.poller.check(show.id)]);
    await h.drainAll();
    expect(titles()).toEqual(['post Both errored']);
  });

  it('hints arriving while one is checked are checked together next', async () => {
    h = await createHarness();
    const streams = [1, 2, 3].map((n) => h.emulator.addLivestream({ name: `S${n}`, status: 'IDLE' }));
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    for (const stream of streams) h.emulator.setStatus(stream.id, 'LIVE');
    const before = sessionLookups();
    await Promise.all(streams.map((stream) => h.poller.check(stream.id)));
    // One lookup per stream: the session it found also serves the LIVE post's start time.
    expect(sessionLookups() - before).toBe(3);
    await h.drainAll();
    expect(h.sink.sent).toHaveLength(1); // three at once become one digest
    expect(h.sink.sent[0]!.reply.list?.items).toHaveLength(3);
  });

  it('a hint for a stream the bot does not know, or before the first poll, changes nothing', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Early', status: 'LIVE' });
    await subscribe(h.store, 'C1');
    await h.poller.check(show.id); // no baseline yet: the first poll records it silently
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, baseline: true });
    await h.poller.check('4f8c1d9e-0000-4000-8000-000000000000'); // unknown: the API answers 404
    await h.drainAll();
    expect(h.sink.sent).toEqual([]);
    expect(await h.store.countPending()).toBe(0);
  });

  it('a hint whose lookup fails leaves the change to the next poll', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Later', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    h.emulator.injectFault({ path: 'active-livestream-session', status: 503, times: 3 });
    await h.poller.check(show.id);
    expect(await h.store.countPending()).toBe(0);
    h.emulator.clearFaults();
    expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await h.drainAll();
    expect(titles()).toEqual(['post Later is live']);
  });

  it('stop() abandons a check under way and waits for it to end, so it never writes to a closed store', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Slow', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'LIVE');
    h.emulator.injectFault({ path: 'active-livestream-session', delayMs: 150 });
    const checked = h.poller.check(show.id);
    await h.emulator.waitForRequest((r) => r.path.endsWith('/active-livestream-session'));
    await h.poller.stop();
    // The check ended with stop(), its lookup abandoned: it wrote nothing (the next start's poll tells).
    await checked;
    expect(await h.store.countPending()).toBe(0);
    // A hint after stop() is ignored.
    await h.poller.check(show.id);
    expect(await h.store.countPending()).toBe(0);
  });

  it('an ERRORED stream whose session lookup answers 404 is not forgotten, so not announced twice', async () => {
    h = await createHarness();
    const show = h.emulator.addLivestream({ name: 'Broken', status: 'IDLE' });
    await subscribe(h.store, 'C1');
    await h.poller.runCycle();
    h.emulator.setStatus(show.id, 'ERRORED', 'no video');
    await h.poller.runCycle();
    h.emulator.injectFault({ path: `${show.id}/active-livestream-session`, status: 404 });
    await h.poller.check(show.id);
    await h.poller.runCycle();
    await h.drainAll();
    expect(titles()).toEqual(['post Broken errored']);
  });
});

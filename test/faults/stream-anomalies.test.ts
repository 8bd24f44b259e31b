/**
 * Odd data from a healthy API: statuses nobody documented, the same livestream on two pages, and a
 * livestream that disappears from the list. Each in both poller modes: light cycles (LIVE and ERRORED
 * lists between full sweeps, the default) and a full sweep every cycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRig, type Rig, sentLines, subscribe } from './support.js';

let rig: Rig;
afterEach(async () => {
  await rig.close();
});

const MODES = [
  ['light cycles', 20],
  ['full sweeps', 1],
] as const;

/** Runs cycles until a full sweep has run (bounded): what "the next full sweep" means in a test. */
async function throughFullSweep(r: Rig, max = 25): Promise<number> {
  let events = 0;
  for (let i = 0; i < max; i++) {
    const result = await r.poller.runCycle();
    if (!result.ok) throw new Error(`cycle failed: ${result.error}`);
    events += result.events;
    if (result.full) return events;
  }
  throw new Error(`no full sweep in ${max} cycles`);
}

describe.each(MODES)('unknown status values (%s)', (_, fullSweepEvery) => {
  it('"WEIRD" is kept and shown, never crashes, and never makes a LIVE or ERRORED notice', async () => {
    rig = await createRig({ fullSweepEvery });
    const odd = rig.emulator.addLivestream({ name: 'Odd', status: 'IDLE' });
    const errored = rig.emulator.addLivestream({ name: 'Broken', status: 'ERRORED' });
    subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();

    rig.emulator.setStatus(odd.id, 'WEIRD');
    rig.emulator.setStatus(errored.id, 'weird'); // ERRORED -> unknown is not news either
    expect(await throughFullSweep(rig)).toBe(0);
    expect(await throughFullSweep(rig)).toBe(0);
    const stored = rig.rawStore.loadStatuses()!;
    expect(stored.get(odd.id)).toMatchObject({ status: 'UNKNOWN', name: 'Odd' });
    expect(stored.get(errored.id)).toMatchObject({ status: 'UNKNOWN', name: 'Broken' });
    expect(await rig.command('list')).toContain('Odd [UNKNOWN (WEIRD)]');

    rig.emulator.setStatus(odd.id, 'IDLE');
    expect(await throughFullSweep(rig)).toBe(0);
    rig.emulator.setStatus(odd.id, 'LIVE'); // a real transition is still told
    expect(await throughFullSweep(rig)).toBe(1);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Odd is live']);
  });
});

describe.each(MODES)('a livestream vanishing from the list (%s)', (_, fullSweepEvery) => {
  it('a LIVE one that vanishes is told ended once; an IDLE one silently; both leave the store', async () => {
    rig = await createRig({ fullSweepEvery });
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    const quiet = rig.emulator.addLivestream({ name: 'Quiet', status: 'IDLE' });
    subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    await rig.drainAll();

    rig.emulator.removeLivestream(show.id);
    rig.emulator.removeLivestream(quiet.id);
    expect(await throughFullSweep(rig)).toBe(1);
    expect(await throughFullSweep(rig)).toBe(0);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live', 'edit C1 Show ended']);
    const edit = rig.sink.sent[1]!;
    expect(edit.messageId).toBe(rig.sink.sent[0]!.messageId); // the LIVE post itself says it ended
    expect(rig.rawStore.loadStatuses()!.size).toBe(0);
  });

  it('a LIVE one that vanishes while the API is failing is told ended once it answers', async () => {
    rig = await createRig({ fullSweepEvery });
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'LIVE' });
    subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.injectFault({ status: 503, times: Number.POSITIVE_INFINITY });
    rig.emulator.removeLivestream(show.id);
    for (let i = 0; i < 3; i++) expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(rig.rawStore.loadStatuses()!.get(show.id)?.status).toBe('LIVE');
    rig.emulator.clearFaults();
    expect(await throughFullSweep(rig)).toBe(1);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show ended']); // no LIVE post to edit: a new one
  });
});

describe('duplicate ids across pages', () => {
  it('a full sweep that sees a stream on two pages (a new stream shifted the pages) tells it once', async () => {
    rig = await createRig({ fullSweepEvery: 1 });
    const streams = rig.emulator.seed(150, { status: 'IDLE' });
    subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    // Newest first, 100 a page: the 100th newest closes page 1 and, once a newer stream appears
    // between the two page requests, opens page 2 as well.
    const edge = streams[50]!;
    rig.emulator.setStatus(edge.id, 'LIVE');
    const off = rig.emulator.onRequest((request) => {
      if (request.path === 'livestreams' && request.query.page_no === '2') {
        off();
        rig.clock.advance(1_000);
        rig.emulator.addLivestream({ name: 'Newcomer', status: 'IDLE' });
      }
    });
    const listed: string[][] = [];
    const offListed = rig.emulator.onRequest((request) => {
      if (request.path === 'livestreams') listed.push([request.query.page_no ?? '1']);
    });
    const result = await rig.poller.runCycle();
    offListed();
    expect(listed.flat()).toEqual(['1', '2']);
    const newestFirst = rig.emulator.livestreams().reverse();
    expect(newestFirst[100]!.id).toBe(edge.id); // page 2 opened with the stream page 1 closed with
    // The newcomer went onto page 1, already read: this sweep has the 150 it could see, once each.
    expect(result).toMatchObject({ ok: true, full: true, streams: 150, events: 1 });
    expect(await throughFullSweep(rig)).toBe(0);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual([`post C1 ${edge.name} is live`]);
  });

  it('more than a page of LIVE streams with one repeated across pages: each told exactly once', async () => {
    rig = await createRig();
    const streams = rig.emulator.seed(130, { status: 'IDLE' });
    subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    for (const stream of streams) rig.emulator.setStatus(stream.id, 'LIVE');
    const off = rig.emulator.onRequest((request) => {
      if (
        request.path === 'livestreams' &&
        request.query.status === 'LIVE' &&
        request.query.page_no === '2'
      ) {
        off();
        rig.clock.advance(1_000);
        rig.emulator.addLivestream({ name: 'Late', status: 'LIVE' });
      }
    });
    // This cycle sees the 130 (one of them twice); the late one, on the page already read, comes next.
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, full: false, events: 130 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, full: false, events: 1 });
    await rig.drainAll();
    const items = rig.sink.sent.flatMap((m) => m.reply.list?.items.map((i) => i.title) ?? [m.reply.title]);
    expect(items).toHaveLength(131);
    expect(new Set(items).size).toBe(131);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
  });
});

it('a LIVE stream that turns "WEIRD" is not said to be no longer listed', async () => {
  rig = await createRig({ fullSweepEvery: 1 });
  const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
  subscribe(rig.store, 'slack', 'C1');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'LIVE');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'WEIRD');
  await rig.poller.runCycle();
  await rig.drainAll();
  expect(sentLines(rig.sink)).toEqual(['post C1 Show is live', 'edit C1 Show ended']);
  expect(rig.sink.sent[1]!.reply.text).not.toContain('no longer listed');
});

/**
 * Odd data from a healthy API: statuses nobody documented, the same livestream on two pages, and a
 * livestream that disappears from the list.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRig, type Rig, sentLines, subscribe } from './support.js';

let rig: Rig;
afterEach(async () => {
  await rig.close();
});

/** Runs `count` cycles (each must succeed) and returns how many events they found. */
async function cycles(r: Rig, count: number): Promise<number> {
  let events = 0;
  for (let i = 0; i < count; i++) {
    const result = await r.poller.runCycle();
    if (!result.ok) throw new Error(`cycle failed: ${result.error}`);
    events += result.events;
  }
  return events;
}

describe('unknown status values', () => {
  it('"WEIRD" is kept and shown, never crashes, and never makes a LIVE or ERRORED notice', async () => {
    rig = await createRig();
    const odd = rig.emulator.addLivestream({ name: 'Odd', status: 'IDLE' });
    const errored = rig.emulator.addLivestream({ name: 'Broken', status: 'ERRORED' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();

    rig.emulator.setStatus(odd.id, 'WEIRD');
    rig.emulator.setStatus(errored.id, 'weird'); // ERRORED -> unknown is not news either
    expect(await cycles(rig, 3)).toBe(0);
    // Neither is LIVE or ERRORED any more: nothing to watch, nothing kept.
    const stored = (await rig.rawStore.loadStatuses())!;
    expect(stored.has(odd.id)).toBe(false);
    expect(stored.has(errored.id)).toBe(false);
    expect(await rig.command('list')).toContain('Odd [UNKNOWN (WEIRD)]');

    rig.emulator.setStatus(odd.id, 'IDLE');
    expect(await cycles(rig, 1)).toBe(0);
    rig.emulator.setStatus(odd.id, 'LIVE'); // a real transition is still told
    expect(await cycles(rig, 1)).toBe(1);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Odd is live']);
  });
});

describe('a livestream vanishing from the list', () => {
  it('a LIVE one that vanishes is told ended once; an IDLE one silently; both leave the store', async () => {
    rig = await createRig();
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    const quiet = rig.emulator.addLivestream({ name: 'Quiet', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    await rig.drainAll();

    rig.emulator.removeLivestream(show.id);
    rig.emulator.removeLivestream(quiet.id);
    expect(await cycles(rig, 1)).toBe(1);
    expect(await cycles(rig, 2)).toBe(0);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live', 'edit C1 Show ended']);
    const edit = rig.sink.sent[1]!;
    expect(edit.messageId).toBe(rig.sink.sent[0]!.messageId); // the LIVE post itself says it ended
    expect((await rig.rawStore.loadStatuses())!.size).toBe(0);
  });

  it('a LIVE one that vanishes while the API is failing is told ended once it answers', async () => {
    rig = await createRig();
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'LIVE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.injectFault({ status: 503, times: Number.POSITIVE_INFINITY });
    rig.emulator.removeLivestream(show.id);
    for (let i = 0; i < 3; i++) expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect((await rig.rawStore.loadStatuses())!.get(show.id)?.status).toBe('LIVE');
    rig.emulator.clearFaults();
    expect(await cycles(rig, 1)).toBe(1);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show ended']); // no LIVE post to edit: a new one
  });
});

describe('duplicate ids across pages', () => {
  it('more than a page of LIVE streams with one repeated across pages: each told exactly once', async () => {
    rig = await createRig();
    const streams = rig.emulator.seed(130, { status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
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
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 130 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    const items = rig.sink.sent.flatMap((m) => m.reply.list?.items.map((i) => i.title) ?? [m.reply.title]);
    expect(items).toHaveLength(131);
    expect(new Set(items).size).toBe(131);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
  });
});

it('a LIVE stream that turns "WEIRD" is not said to be no longer listed', async () => {
  rig = await createRig();
  const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
  await subscribe(rig.store, 'slack', 'C1');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'LIVE');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'WEIRD');
  await rig.poller.runCycle();
  await rig.drainAll();
  expect(sentLines(rig.sink)).toEqual(['post C1 Show is live', 'edit C1 Show ended']);
  expect(rig.sink.sent[1]!.reply.text).not.toContain('no longer listed');
});

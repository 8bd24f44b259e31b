/**
 * 5xx bursts: a short one is retried inside the call, a longer one fails the cycle without changing
 * anything and the next cycle redoes it. Across a run of random bursts every transition is told exactly
 * once. A create is never retried, so a 5xx never makes two livestreams.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPrng } from '../../src/emulator/prng.js';
import { createRig, type Rig, sentLines, subscribe } from './support.js';

let rig: Rig;
beforeEach(async () => {
  rig = await createRig({ client: { retries: 2 } });
});
afterEach(async () => {
  await rig.close();
});

const listRequests = () =>
  rig.emulator.requests.filter((r) => r.method === 'GET' && r.path === 'livestreams');

describe('5xx bursts', () => {
  it('a burst shorter than the retries is absorbed inside the cycle', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    rig.emulator.resetRequests();
    rig.emulator.injectFault({ path: 'livestreams?', status: 502, times: 1 });
    rig.emulator.injectFault({ path: 'livestreams?', status: 503, times: 1 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    // The LIVE list refused twice and answered the third time, then the ERRORED list.
    expect(listRequests().map((r) => r.query.status)).toEqual(['LIVE', 'LIVE', 'LIVE', 'ERRORED']);
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live']);
  });

  it('a burst on a later page fails the whole sweep; the retry commits once', async () => {
    await rig.close();
    rig = await createRig({ client: { retries: 2 } });
    const [first, last] = [
      rig.emulator.addLivestream({ name: 'First', status: 'IDLE' }),
      rig.emulator.addLivestream({ name: 'Last', status: 'IDLE' }),
    ];
    rig.emulator.seed(230, { status: 'LIVE' }); // the LIVE list is 3 pages long
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(first.id, 'LIVE'); // oldest: on page 3 of the LIVE list
    rig.emulator.setStatus(last.id, 'ERRORED', 'encoder gone');
    rig.emulator.injectFault({ path: 'status=LIVE&page_no=3', status: 500, times: 3 });
    const [failed, ok] = await rig.cycleUntilOk();
    expect(failed).toMatchObject({ ok: false });
    expect(ok).toMatchObject({ ok: true, events: 2 });
    expect(rig.logs.matching('poll cycle failed')[0]).toMatchObject({ kind: 'ServerError' });
    await rig.drainAll();
    expect(sentLines(rig.sink).sort()).toEqual(['post C1 First is live', 'post C1 Last errored']);
  });

  it('a 5xx on the session lookups leaves the notice plainer, not lost', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'ERRORED', 'RTMP ingest timed out');
    rig.emulator.injectFault({
      path: 'active-livestream-session',
      status: 500,
      times: Number.POSITIVE_INFINITY,
    });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show errored']);
    expect(rig.sink.sent[0]!.reply.fields).toContainEqual({
      label: 'Error',
      value: 'RealtimeKit gave no error message.',
    });
  });

  it('across 40 rounds of random bursts, every transition is told exactly once, in order', async () => {
    const prng = createPrng(2026);
    const streams = rig.emulator.seed(120, { status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    const expected: string[] = [];
    const cycle = ['LIVE', 'IDLE', 'ERRORED', 'IDLE'];
    for (let round = 0; round < 40; round++) {
      const stream = streams[Math.floor(prng.next() * streams.length)]!;
      const from = rig.emulator.getLivestream(stream.id)!.status;
      const to = cycle[(cycle.indexOf(from) + 1) % cycle.length]!;
      rig.emulator.setStatus(stream.id, to, to === 'ERRORED' ? `error ${round}` : undefined);
      if (from === 'LIVE') expected.push(`${stream.name} ended`);
      if (to === 'LIVE') expected.push(`${stream.name} is live`);
      if (to === 'ERRORED') expected.push(`${stream.name} errored`);
      // 0 to 5 failures of a random 5xx on a random page or on the lookups: up to two cycles' worth.
      const failures = Math.floor(prng.next() * 6);
      if (failures > 0) {
        const status = [500, 502, 503, 504][Math.floor(prng.next() * 4)]!;
        const path = ['page_no=1', 'page_no=2', 'livestreams/'][Math.floor(prng.next() * 3)]!;
        rig.emulator.injectFault({ path, status, times: failures });
      }
      await rig.cycleUntilOk(4);
      rig.emulator.clearFaults();
      await rig.drainAll();
    }
    const told = rig.sink.sent.map((m) => m.reply.title);
    expect(told).toEqual(expected);
    expect(await rig.rawStore.countPending()).toBe(0);
  });

  it('a create answered with a 5xx is not retried: one attempt, no second livestream', async () => {
    rig.emulator.injectFault({ method: 'POST', path: 'livestreams', status: 502 });
    const answer = await rig.command('create Town hall');
    // A 5xx may come after the livestream was made: the answer says so and points at list.
    expect(answer).toContain('RealtimeKit had trouble answering (HTTP 502)');
    expect(answer).toContain('check `/livestream list` before creating again');
    expect(rig.emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(rig.emulator.livestreams()).toHaveLength(0);
    expect(await rig.command('create Town hall')).toContain('Livestream created: Town hall');
    expect(rig.emulator.livestreams()).toHaveLength(1);
  });
});

/**
 * Answers slower than the request timeout, or a body that stalls after the headers: the call fails as
 * `Timeout` (the cycle changes nothing) and the next cycle redoes it. Commands say "did not answer in time".
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeHttpServer } from '../fakes/http-server.js';
import { createRig, type Rig, sentLines, startWireApi, subscribe, type WireStream } from './support.js';

/** Short enough to keep the suite fast, long enough that a normal local answer never hits it under load. */
const TIMEOUT_MS = 400;

let rig: Rig | null = null;
let wire: FakeHttpServer | null = null;
afterEach(async () => {
  await rig?.close();
  await wire?.close();
  rig = null;
  wire = null;
});

describe('slow responses past the timeout', () => {
  it('a slow list fails the cycle as Timeout, changes nothing, and the next cycle catches up', async () => {
    rig = await createRig({ client: { timeoutMs: TIMEOUT_MS, retries: 1 } });
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    // Both attempts (the first and its one retry) answer after five times the timeout.
    rig.emulator.injectFault({ path: 'livestreams?', delayMs: 5 * TIMEOUT_MS, times: 2 });
    const started = performance.now();
    expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(performance.now() - started).toBeLessThan(2 * 5 * TIMEOUT_MS); // gave up, did not wait it out
    expect(rig.logs.matching('poll cycle failed')).toMatchObject([{ kind: 'Timeout' }]);
    expect((await rig.rawStore.loadStatuses())?.get(show.id)).toBeUndefined(); // not LIVE as far as the store knows
    expect(await rig.rawStore.countPending()).toBe(0);

    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live']);
  });

  it('a slow answer within the timeout is fine', async () => {
    rig = await createRig({ client: { timeoutMs: TIMEOUT_MS, retries: 0 } });
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    rig.emulator.injectFault({ path: 'livestreams?', delayMs: TIMEOUT_MS / 4 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
  });

  it('a body that stalls after the headers is a Timeout too; the retried cycle reads it', async () => {
    const streams: WireStream[] = [{ id: 'ls-1', name: 'Show', status: 'IDLE' }];
    const api = await startWireApi(streams);
    wire = api.server;
    rig = await createRig({ baseUrl: api.baseUrl, client: { timeoutMs: TIMEOUT_MS, retries: 0 } });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    streams[0]!.status = 'LIVE';
    wire.enqueue({ destroy: 'hang-body', body: { success: true, data: streams } });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(rig.logs.matching('poll cycle failed')).toMatchObject([{ kind: 'Timeout' }]);
    expect(await rig.rawStore.countPending()).toBe(0);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live']);
  });

  it('a command answers "did not answer in time" instead of hanging', async () => {
    rig = await createRig({ commandClient: { timeoutMs: TIMEOUT_MS } });
    rig.emulator.injectFault({ path: 'livestreams', delayMs: 10_000 });
    const started = performance.now();
    expect(await rig.command('list')).toContain('RealtimeKit did not answer in time');
    expect(performance.now() - started).toBeLessThan(5_000); // at the timeout, not after the 10 s delay
  });
});

/**
 * Truncated, non-JSON or nonsense bodies: the call fails as `Malformed`, the cycle changes nothing (not
 * even the part it had already read), and the next good answer is read as usual.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeHttpServer } from '../fakes/http-server.js';
import { createRig, type Rig, sentLines, startWireApi, subscribe, type WireStream } from './support.js';

let rig: Rig | null = null;
let wire: FakeHttpServer | null = null;
afterEach(async () => {
  await rig?.close();
  await wire?.close();
  rig = null;
  wire = null;
});

describe('malformed bodies', () => {
  it.each([
    ['truncated JSON', '{"success":true,"data":[{"id":"x","status":"LI'],
    ['an HTML error page with 200', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['an empty body', ''],
    ['JSON with no data', '{"success":true}'],
    ['data that is neither a list nor an object', '{"success":true,"data":"surprise"}'],
    ['a list whose items have no id', '{"success":true,"data":[{"name":"?"},{"status":"LIVE"}]}'],
  ])('%s: Malformed, nothing changes, the next cycle reads the change once', async (_, rawBody) => {
    const r = await createRig();
    rig = r;
    const live = r.emulator.addLivestream({ name: 'Was live', status: 'LIVE' });
    const show = r.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(r.store, 'slack', 'C1');
    await r.poller.runCycle();
    r.emulator.setStatus(live.id, 'IDLE');
    r.emulator.setStatus(show.id, 'ERRORED', 'bad encoder');
    const before = await r.rawStore.loadStatuses();
    // The LIVE list reads fine; the ERRORED list (read second) is broken: what was read must not count.
    // A 200 is not retried inside the call, so one broken answer fails the cycle.
    r.emulator.injectFault({ path: 'status=ERRORED', rawBody });
    expect(await r.poller.runCycle()).toMatchObject({ ok: false });
    expect(r.logs.matching('poll cycle failed')).toMatchObject([{ kind: 'Malformed' }]);
    expect(await r.rawStore.loadStatuses()).toEqual(before);
    expect(await r.rawStore.countPending()).toBe(0);

    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 2 });
    expect(await r.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await r.drainAll();
    expect(sentLines(r.sink).sort()).toEqual(['post C1 Show errored', 'post C1 Was live ended']);
  });

  it('a body cut off mid-way (connection dropped) is Malformed; the retried cycle reads it', async () => {
    const streams: WireStream[] = [{ id: 'ls-1', name: 'Show', status: 'IDLE' }];
    const api = await startWireApi(streams);
    wire = api.server;
    rig = await createRig({ baseUrl: api.baseUrl, client: { retries: 0 } });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    streams[0]!.status = 'LIVE';
    wire.enqueue({ destroy: 'mid-body', body: { success: true, data: streams } });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(rig.logs.matching('poll cycle failed')).toMatchObject([{ kind: 'Malformed' }]);
    expect(await rig.rawStore.countPending()).toBe(0);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 Show is live']);
  });

  it('a command says the answer could not be read, never shows the raw body', async () => {
    rig = await createRig();
    rig.emulator.injectFault({ path: 'livestreams', rawBody: '<html>oops</html>' });
    const answer = await rig.command('list');
    expect(answer).toContain('RealtimeKit sent an answer the bot could not read');
    expect(answer).not.toContain('<html>');
  });
});

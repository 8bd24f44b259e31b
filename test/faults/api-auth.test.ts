/**
 * The token stops working mid-run (401, or the gateway's 403 code 10000): commands say to check the
 * token, the poller records nothing, and after API_ALERT_AFTER_SECONDS channels are told once (not once
 * per cycle, not again after a restart), then told again when it works.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRig, type Rig, sentLines, subscribe } from './support.js';

const ALERT_AFTER_MS = 60_000;

let rig: Rig;
beforeEach(async () => {
  rig = await createRig({ alertAfterMs: ALERT_AFTER_MS });
});
afterEach(async () => {
  await rig.close();
});

const forever = Number.POSITIVE_INFINITY;

describe('API 401/403 mid-run', () => {
  it.each([
    ['401', { status: 401 }],
    ['403 code 10000', { status: 403 }],
  ])('%s: a command says to check CLOUDFLARE_API_TOKEN', async (_, fault) => {
    rig.emulator.injectFault({ ...fault, times: forever });
    for (const text of ['list', 'create Town hall', 'status abc123']) {
      const answer = await rig.command(text);
      expect(answer).toContain('Check that CLOUDFLARE_API_TOKEN is valid');
      expect(answer).not.toContain(rig.emulator.token);
    }
    expect(rig.emulator.livestreams()).toHaveLength(0); // the refused create created nothing
  });

  it('a 403 that is not about the token says what permission is missing', async () => {
    rig.emulator.injectFault({
      status: 403,
      body: {
        success: false,
        errors: [{ code: 9109, message: 'Unauthorized to access requested resource' }],
      },
    });
    const answer = await rig.command('list');
    expect(answer).toContain('Realtime Admin permission');
    expect(answer).toContain('Unauthorized to access requested resource');
  });

  it('the poller records nothing, alerts once after the threshold (even across a restart), then catches up', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await subscribe(rig.store, 'slack', 'C2');
    await rig.poller.runCycle();
    rig.emulator.injectFault({ status: 401, times: forever });
    rig.emulator.setStatus(show.id, 'LIVE');

    const pendingKinds = async () =>
      (await rig.rawStore.pendingDeliveries(100)).map((d) => `${d.channelId} ${d.event.kind}`);
    // Under the threshold: failed cycles change nothing and tell nobody.
    for (let i = 0; i < 3; i++) {
      expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
      rig.clock.advance(20_000);
    }
    expect((await rig.rawStore.loadStatuses())?.get(show.id)).toBeUndefined(); // not LIVE as far as the store knows
    expect(await pendingKinds()).toEqual([]);

    // Past it: one alert per channel, however many cycles fail after.
    for (let i = 0; i < 4; i++) {
      expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
      rig.clock.advance(20_000);
    }
    expect(await pendingKinds()).toEqual(['C1 api-delayed', 'C2 api-delayed']);
    await rig.drainAll();
    expect(rig.logs.matching('poll cycle failed').every((r) => r.kind === 'Unauthorized')).toBe(true);

    // A restart during the outage does not alert again; the gateway's 403 form counts the same.
    await rig.restart();
    rig.emulator.clearFaults();
    rig.emulator.injectFault({ status: 403, times: forever });
    for (let i = 0; i < 3; i++) {
      expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
      rig.clock.advance(60_000);
    }
    expect(await pendingKinds()).toEqual([]);
    expect((await rig.rawStore.loadStatuses())?.get(show.id)).toBeUndefined(); // not LIVE as far as the store knows

    rig.emulator.clearFaults();
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await rig.drainAll();
    for (const channel of ['C1', 'C2']) {
      const lines = sentLines(rig.sink).filter((line) => line.includes(` ${channel} `));
      expect(lines.sort()).toEqual([
        `post ${channel} Livestream notifications are back`,
        `post ${channel} Livestream notifications are delayed`,
        `post ${channel} Show is live`,
      ]);
    }
  });

  it('the "back" notice comes before the changes it says follow', async () => {
    const show = rig.emulator.addLivestream({ name: 'Show', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.injectFault({ status: 401, times: forever });
    rig.emulator.setStatus(show.id, 'LIVE');
    for (let i = 0; i < 3; i++) {
      await rig.poller.runCycle();
      rig.clock.advance(ALERT_AFTER_MS);
    }
    rig.emulator.clearFaults();
    await rig.poller.runCycle();
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual([
      'post C1 Livestream notifications are delayed',
      'post C1 Livestream notifications are back',
      'post C1 Show is live',
    ]);
  });
});

/**
 * The published key: fetched from the emulator's `/.well-known/webhooks.json` at start, refetched once
 * when a signature fails (a rotation), and not again within the cooldown, whatever forged requests do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createEmulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { publishedWebhookKey } from '../../src/webhooks/keys.js';
import { subscribe } from '../notify/harness.js';
import { createWebhookRig, type WebhookRig } from './rig.js';

let rig: WebhookRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const keyFetches = (r: WebhookRig) =>
  r.emulator.requests.filter((request) => request.path === '/.well-known/webhooks.json').length;

describe('the published webhook key', () => {
  it('follows a key rotation: one refetch when a signature fails, then the delivery is taken', async () => {
    rig = await createWebhookRig({ key: 'emulator' });
    const r = rig;
    await r.register();
    await subscribe(r.store, 'C1');
    const show = r.emulator.addLivestream({ name: 'Rotated', status: 'IDLE' });
    await r.poller.runCycle();
    expect(keyFetches(r)).toBe(1);

    r.emulator.webhooks.rotateKey();
    r.emulator.setStatus(show.id, 'LIVE');
    const attempt = await r.emulator.webhooks.waitForAttempt((a) => a.answer !== null);
    expect(attempt.answer).toBe(200);
    expect(keyFetches(r)).toBe(2);
    await r.checked();
    await r.drainAll();
    expect(r.sink.sent.map((m) => m.reply.title)).toEqual(['Rotated is live']);
  });

  it('refetches at most once a minute, however many signatures fail', async () => {
    rig = await createWebhookRig({ key: 'emulator' });
    const r = rig;
    await r.register();
    const show = r.emulator.addLivestream({ name: 'Forged', status: 'IDLE' });
    await r.poller.runCycle();

    r.emulator.webhooks.signWronglyNext(3);
    r.emulator.setStatus(show.id, 'LIVE');
    r.emulator.setStatus(show.id, 'IDLE');
    r.emulator.setStatus(show.id, 'LIVE');
    await r.emulator.webhooks.idle();
    expect(r.emulator.webhooks.attempts.map((a) => a.answer)).toEqual([401, 401, 401]);
    // The start's fetch and one refetch: the failures after it fall in the cooldown.
    expect(keyFetches(r)).toBe(2);
    expect(r.checks).toHaveLength(0);

    r.clock.advance(61_000);
    r.emulator.webhooks.signWronglyNext(1);
    r.emulator.setStatus(show.id, 'IDLE');
    await r.emulator.webhooks.idle();
    expect(keyFetches(r)).toBe(3);
    // A correctly signed one still goes through.
    r.emulator.setStatus(show.id, 'LIVE');
    await r.emulator.webhooks.idle();
    expect(r.emulator.webhooks.attempts.at(-1)?.answer).toBe(200);
  });

  it('a key that cannot be fetched at start is fetched when the first delivery comes', async () => {
    const emulator = createEmulator({ seed: 5 });
    await emulator.start();
    try {
      const url = emulator.settings().REALTIMEKIT_WEBHOOK_KEY_URL;
      emulator.injectFault({ path: '/.well-known/webhooks.json', status: 503 });
      const keys = publishedWebhookKey({ url, clock: new ManualClock(), log: silentLogger });
      expect(await keys.load()).toBe(false);
      expect(keys.current()).toBeNull();
      expect(await keys.refresh()).toBe(true);
      expect(keys.current()?.export({ type: 'spki', format: 'pem' })).toBe(emulator.webhooks.publicKeyPem);
    } finally {
      await emulator.stop();
    }
  });
});

/**
 * A webhook is a hint, not the truth: the emulator's own signed deliveries (a webhook registered with
 * it, as `npm run webhooks:register` does) reach the bot's server, each sets off the real poller's check,
 * and webhook and poll together make one notification per change, in either order, duplicated,
 * reordered or late.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { subscribe } from '../notify/harness.js';
import { createWebhookRig, postRaw, signedHeaders, statusUpdateBody, type WebhookRig } from './rig.js';

let rig: WebhookRig;
afterEach(async () => {
  await rig.close();
});

const titles = () => rig.sink.sent.map((m) => `${m.op} ${m.reply.title}`);
const lookups = () =>
  rig.emulator.requests.filter((r) => r.path.endsWith('/active-livestream-session')).length;

/** An emulator whose webhook points at the bot, a subscribed channel, a baseline, and one IDLE stream. */
async function ready(name = 'Show') {
  rig = await createWebhookRig({ key: 'emulator' });
  await rig.register();
  await subscribe(rig.store, 'C1');
  const show = rig.emulator.addLivestream({ name, status: 'IDLE' });
  await rig.poller.runCycle();
  return show;
}

/** The delivery of this change, answered by the bot, and the check it set off, finished. */
async function delivered(streamId: string, status: string) {
  const attempt = await rig.emulator.webhooks.waitForAttempt(
    (a) => a.streamId === streamId && a.status === status && a.answer !== null,
  );
  await rig.checked();
  return attempt;
}

describe('webhook and poll together', () => {
  it('webhook before poll: the webhook announces at once, the poll adds nothing', async () => {
    const show = await ready('Early');
    rig.emulator.setStatus(show.id, 'LIVE');
    expect((await delivered(show.id, 'LIVE')).answer).toBe(200);
    await rig.drainAll();
    expect(titles()).toEqual(['post Early is live']);

    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await rig.drainAll();
    expect(titles()).toEqual(['post Early is live']);

    rig.emulator.setStatus(show.id, 'IDLE');
    await delivered(show.id, 'IDLE');
    await rig.poller.runCycle();
    await rig.drainAll();
    expect(titles()).toEqual(['post Early is live', 'edit Early ended']);
  });

  it('poll before webhook: the poll announces, the late webhook adds nothing', async () => {
    const show = await ready('Polled first');
    const held = rig.emulator.webhooks.hold();
    rig.emulator.setStatus(show.id, 'LIVE');
    expect(held.count).toBe(1);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
    await rig.drainAll();
    const before = lookups();
    held.release();
    expect((await delivered(show.id, 'LIVE')).answer).toBe(200);
    expect(lookups() - before).toBe(1); // the check looked, and found nothing new
    await rig.drainAll();
    expect(titles()).toEqual(['post Polled first is live']);
  });

  it('a duplicated delivery (same rtk-uuid) is answered 200 and checked once', async () => {
    const show = await ready('Twice');
    rig.emulator.webhooks.duplicateNext();
    const before = lookups();
    rig.emulator.setStatus(show.id, 'LIVE');
    const second = await rig.emulator.webhooks.waitForAttempt((a) => a.attempt === 2 && a.answer !== null);
    const first = rig.emulator.webhooks.attempts.find((a) => a.attempt === 1)!;
    expect(second.uuid).toBe(first.uuid);
    expect([first.answer, second.answer]).toEqual([200, 200]);
    await rig.checked();
    expect(rig.checks).toHaveLength(1);
    expect(lookups() - before).toBe(1);
    await rig.drainAll();
    expect(titles()).toEqual(['post Twice is live']);
  });

  it('deliveries released in reverse order still announce each stream once', async () => {
    const a = await ready('Alpha');
    const b = rig.emulator.addLivestream({ name: 'Beta', status: 'IDLE' });
    const held = rig.emulator.webhooks.hold();
    rig.emulator.setStatus(a.id, 'LIVE');
    rig.emulator.setStatus(b.id, 'LIVE');
    held.release({ reverse: true });
    await delivered(a.id, 'LIVE');
    await delivered(b.id, 'LIVE');
    const order = rig.emulator.webhooks.attempts.map((attempt) => attempt.streamId);
    expect(order).toEqual([b.id, a.id]);
    await rig.drainAll();
    expect(titles().sort()).toEqual(['post Alpha is live', 'post Beta is live']);
    await rig.poller.runCycle();
    await rig.drainAll();
    expect(titles()).toHaveLength(2);
  });

  it('a late LIVE hint for a stream that has since ended announces nothing stale', async () => {
    const show = await ready('Brief');
    const held = rig.emulator.webhooks.hold();
    rig.emulator.setStatus(show.id, 'LIVE');
    rig.emulator.setStatus(show.id, 'IDLE');
    held.release({ reverse: true });
    await delivered(show.id, 'LIVE');
    await delivered(show.id, 'IDLE');
    await rig.drainAll();
    // The hints are read against the API, which says IDLE: never "is live" after it ended.
    expect(titles()).toEqual([]);
  });

  it('a retried delivery (the bot answered 503 once) is checked once', async () => {
    const show = await ready('Retried');
    // The bot is briefly not ready: the sender retries, as it does on any 5xx.
    rig.server.route('/webhooks/realtimekit', (request, response) => {
      request.resume();
      response.writeHead(503).end();
      rig.mountReceiver();
    });
    rig.emulator.setStatus(show.id, 'LIVE');
    const retry = await rig.emulator.webhooks.waitForAttempt((a) => a.attempt === 2 && a.answer !== null);
    expect(rig.emulator.webhooks.attempts.map((a) => a.answer)).toEqual([503, 200]);
    expect(retry.uuid).toBe(rig.emulator.webhooks.attempts[0]!.uuid);
    await rig.checked();
    await rig.drainAll();
    expect(titles()).toEqual(['post Retried is live']);
  });

  it('a webhook for a livestream the API does not know is answered 200 and announces nothing', async () => {
    rig = await createWebhookRig();
    await subscribe(rig.store, 'C1');
    await rig.poller.runCycle();
    const unknown = '0b7d6c5e-1a2b-4c3d-8e9f-000000000000';
    const body = statusUpdateBody(unknown, 'LIVE');
    expect((await postRaw(rig.url, body, signedHeaders(body))).status).toBe(200);
    await rig.checked();
    expect(lookups()).toBe(1);
    await rig.drainAll();
    expect(titles()).toEqual([]);
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
  });

  it('meeting events without a livestream are accepted and set off nothing', async () => {
    rig = await createWebhookRig();
    await rig.poller.runCycle();
    const body = JSON.stringify({ event: 'meeting.started', meeting: { id: randomUUID(), title: 'Sync' } });
    expect((await postRaw(rig.url, body, signedHeaders(body))).status).toBe(200);
    expect(rig.checks).toHaveLength(0);
    expect(lookups()).toBe(0);
  });
});

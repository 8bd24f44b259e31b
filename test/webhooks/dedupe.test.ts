/**
 * Deliveries are deduplicated by rtk-uuid in the database: a repeat is answered 200 and sets off
 * nothing, also after the bot restarted on the same DATA_DIR; a store that cannot record a delivery
 * answers 503, so RealtimeKit retries it.
 */
import { afterEach, expect, it } from 'vitest';
import { subscribe } from '../notify/harness.js';
import { createWebhookRig, postRaw, signedHeaders, statusUpdateBody, type WebhookRig } from './rig.js';

let rig: WebhookRig;
afterEach(async () => {
  await rig.close();
});

const lookups = () =>
  rig.emulator.requests.filter((r) => r.path.endsWith('/active-livestream-session')).length;

it('a delivery repeated after a restart on the same DATA_DIR is recognised and ignored', async () => {
  rig = await createWebhookRig();
  const show = rig.emulator.addLivestream({ name: 'Kept', status: 'IDLE' });
  await subscribe(rig.store, 'C1');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'LIVE');
  const body = statusUpdateBody(show.id, 'LIVE');
  const headers = signedHeaders(body, { uuid: 'delivery-1' });

  const first = await postRaw(rig.url, body, headers);
  expect([first.status, JSON.parse(first.body)]).toEqual([200, { ok: true }]);
  await rig.checked();
  await rig.drainAll();
  expect(rig.sink.sent.map((m) => m.reply.title)).toEqual(['Kept is live']);

  await rig.restartBot();
  const before = lookups();
  const again = await postRaw(rig.url, body, headers);
  expect([again.status, JSON.parse(again.body)]).toEqual([200, { ok: true, duplicate: true }]);
  await rig.checked();
  expect(lookups()).toBe(before);
  expect(rig.checks).toHaveLength(1);

  // Another delivery (a new uuid) of the same change is a new hint: checked, and nothing new is found.
  const other = await postRaw(rig.url, body, signedHeaders(body, { uuid: 'delivery-2' }));
  expect(JSON.parse(other.body)).toEqual({ ok: true });
  await rig.checked();
  await rig.drainAll();
  expect(rig.sink.sent.map((m) => m.reply.title)).toEqual(['Kept is live']);
});

it('a delivery the store cannot record is answered 503 (the sender retries) and checks nothing', async () => {
  rig = await createWebhookRig();
  const show = rig.emulator.addLivestream({ name: 'Unrecorded', status: 'LIVE' });
  const body = statusUpdateBody(show.id, 'LIVE');
  await rig.store.close(); // the database is gone from under the receiver
  const sent = await postRaw(rig.url, body, signedHeaders(body));
  expect(sent.status).toBe(503);
  expect(rig.checks).toHaveLength(0);
  await rig.restartBot(); // a store to close in afterEach
});

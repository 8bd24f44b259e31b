/**
 * What the webhook receiver takes and refuses, over real HTTP to the bot's server, with real RSA
 * signatures: only a request signed over its exact bytes by the trusted key reaches the poller; every
 * refused one changes nothing (no lookup, no claimed rtk-uuid, no post).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { webhookInputKey } from '../../src/webhooks/receiver.js';
import { subscribe } from '../notify/harness.js';
import { createWebhookRig, postRaw, signedHeaders, statusUpdateBody, type WebhookRig } from './rig.js';

let rig: WebhookRig;
const logLines: string[] = [];
beforeEach(async () => {
  logLines.length = 0;
  rig = await createWebhookRig({
    log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }),
  });
});
afterEach(async () => {
  await rig.close();
});

const lookups = () => rig.emulator.requests.filter((r) => r.path.endsWith('/active-livestream-session'));

/** A stream that has gone LIVE since the baseline, with a channel subscribed: a check would announce it. */
async function liveStream() {
  const show = rig.emulator.addLivestream({ name: 'Signed show', status: 'IDLE' });
  await subscribe(rig.store, 'C1');
  await rig.poller.runCycle();
  rig.emulator.setStatus(show.id, 'LIVE');
  return show;
}

/** Nothing happened: no lookup, no notification, and the uuid is still unclaimed. */
async function expectUnchanged(uuid: string) {
  await rig.checked();
  expect(lookups()).toHaveLength(0);
  expect(await rig.store.countPending()).toBe(0);
  expect(await rig.store.claimInput(webhookInputKey(uuid), rig.clock.now())).toBe(true);
}

describe('the webhook receiver', () => {
  it('takes a correctly signed status update: 200, then a check of that livestream announces it', async () => {
    const show = await liveStream();
    const body = statusUpdateBody(show.id, 'LIVE', show.stream_key);
    const sent = await postRaw(rig.url, body, signedHeaders(body));
    expect(sent.status).toBe(200);
    await rig.checked();
    expect(lookups().map((r) => r.path)).toEqual([`livestreams/${show.id}/active-livestream-session`]);
    await rig.drainAll();
    expect(rig.sink.sent.map((m) => m.reply.title)).toEqual(['Signed show is live']);
    // The stream key in the body is never logged.
    expect(logLines.join('\n')).not.toContain(show.stream_key);
    expect(logLines.some((line) => line.includes('webhook: checking the livestream now'))).toBe(true);
  });

  it('refuses a forged signature with 401', async () => {
    const show = await liveStream();
    const body = statusUpdateBody(show.id, 'LIVE');
    const uuid = randomUUID();
    const forged = {
      ...signedHeaders(body, { uuid }),
      'rtk-signature': Buffer.alloc(256, 7).toString('base64'),
    };
    const sent = await postRaw(rig.url, body, forged);
    expect(sent.status).toBe(401);
    await expectUnchanged(uuid);
  });

  it('refuses a signature made with another key', async () => {
    const show = await liveStream();
    const body = statusUpdateBody(show.id, 'LIVE');
    const uuid = randomUUID();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const sent = await postRaw(rig.url, body, signedHeaders(body, { key: other, uuid }));
    expect(sent.status).toBe(401);
    await expectUnchanged(uuid);
  });

  it('refuses a body altered by one byte after signing', async () => {
    const show = await liveStream();
    const body = Buffer.from(statusUpdateBody(show.id, 'IDLE'));
    const uuid = randomUUID();
    const headers = signedHeaders(body, { uuid });
    const altered = Buffer.from(body);
    const at = altered.indexOf('IDLE');
    altered[at] = 'L'.charCodeAt(0); // "LDLE": one byte
    const sent = await postRaw(rig.url, altered, headers);
    expect(sent.status).toBe(401);
    await expectUnchanged(uuid);
  });

  it('refuses a request without rtk-signature (401) or without rtk-uuid (400)', async () => {
    const show = await liveStream();
    const body = statusUpdateBody(show.id, 'LIVE');
    const uuid = randomUUID();
    const { 'rtk-signature': _signature, ...unsigned } = signedHeaders(body, { uuid });
    expect((await postRaw(rig.url, body, unsigned)).status).toBe(401);
    const { 'rtk-uuid': _uuid, ...noUuid } = signedHeaders(body);
    expect((await postRaw(rig.url, body, noUuid)).status).toBe(400);
    await expectUnchanged(uuid);
  });

  it('refuses a signed body that is not a webhook event with 400', async () => {
    await liveStream();
    for (const body of ['not json', '[1,2]', '{"streamId":"abc"}']) {
      const uuid = randomUUID();
      expect((await postRaw(rig.url, body, signedHeaders(body, { uuid }))).status).toBe(400);
      await expectUnchanged(uuid);
    }
  });

  it('refuses a huge body with 413 without reading it all, declared or chunked', async () => {
    const show = await liveStream();
    const padding = 'x'.repeat(100 * 1024);
    const body = JSON.stringify({ ...JSON.parse(statusUpdateBody(show.id, 'LIVE')), padding });
    const uuid = randomUUID();
    const headers = signedHeaders(body, { uuid });
    expect((await postRaw(rig.url, body, headers)).status).toBe(413);
    expect((await postRaw(rig.url, body, headers, { chunked: true })).status).toBe(413);
    await expectUnchanged(uuid);
  });

  it('answers only POST, and only at its path', async () => {
    const get = await fetch(rig.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const elsewhere = await fetch(rig.url.replace('/webhooks/realtimekit', '/webhooks/other'), {
      method: 'POST',
      body: '{}',
    });
    expect(elsewhere.status).toBe(404);
    expect(lookups()).toHaveLength(0);
  });
});

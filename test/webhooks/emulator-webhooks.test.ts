/**
 * The emulator as a webhook sender, seen from a plain recording server: what it posts (the body and
 * rtk-* headers RealtimeKit sends, signed with the key it publishes), to whom (enabled webhooks that
 * asked for the event), and how it retries (5xx and network errors, with backoff; never a 4xx).
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createRealtimeKitClient, type RealtimeKitClient } from '../../src/realtimekit/client.js';
import { type FakeHttpServer, startFakeHttpServer } from '../fakes/http-server.js';

const MEETING = '5c1f4e2a-9b8d-4c7e-a6f5-3d2c1b0a9e8f';

let emulator: Emulator;
let receiver: FakeHttpServer;
let client: RealtimeKitClient;
beforeEach(async () => {
  emulator = createEmulator({ seed: 29, webhooks: { retryDelaysMs: [20, 40, 80] } });
  await emulator.start();
  receiver = await startFakeHttpServer();
  client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
});
afterEach(async () => {
  await emulator.stop();
  await receiver.close();
});

async function register(events = ['livestreaming.statusUpdate'], enabled = true, path = '/hook') {
  return client.createWebhook({ name: 'recorder', url: `${receiver.url}${path}`, events, enabled });
}

describe('emulator webhook deliveries', () => {
  it('posts a signed livestreaming.statusUpdate for LIVE, IDLE and OFFLINE, never for ERRORED', async () => {
    receiver.route('POST', '/hook', { status: 200 });
    const webhook = await register();
    const stream = emulator.addLivestream({ name: 'Sent', status: 'IDLE', meeting_id: MEETING });
    for (const status of ['LIVE', 'ERRORED', 'IDLE', 'OFFLINE']) emulator.setStatus(stream.id, status);
    await emulator.webhooks.idle();
    const posted = receiver.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(posted.map((b) => b.status)).toEqual(['LIVE', 'IDLE', 'OFFLINE']);
    expect(posted[0]).toMatchObject({
      event: 'livestreaming.statusUpdate',
      streamId: stream.id,
      status: 'LIVE',
      manualIngest: false,
      playbackUrl: stream.playback_url,
      ingestServer: stream.ingest_server,
      streamKey: stream.stream_key,
      meeting: { id: MEETING, status: 'LIVE' },
    });

    // Signed over the exact bytes with the key /.well-known/webhooks.json publishes.
    const published = (await (await fetch(emulator.settings().REALTIMEKIT_WEBHOOK_KEY_URL)).json()) as {
      success: boolean;
      data: { publicKey: string };
    };
    expect(published.success).toBe(true);
    const key = createPublicKey(published.data.publicKey);
    const uuids = new Set<string>();
    for (const request of receiver.requests) {
      const signature = Buffer.from(String(request.headers['rtk-signature']), 'base64');
      expect(verify('RSA-SHA256', Buffer.from(request.body), key, signature)).toBe(true);
      expect(request.headers['rtk-webhook-id']).toBe(webhook.id);
      expect(request.headers['content-type']).toBe('application/json');
      uuids.add(String(request.headers['rtk-uuid']));
    }
    expect(uuids.size).toBe(3);
  });

  it('sends only to enabled webhooks that asked for the event; meetings get meeting.started/ended', async () => {
    receiver.route('POST', /.*/, { status: 204 });
    await register(['livestreaming.statusUpdate'], false, '/disabled');
    await register(['meeting.started', 'meeting.ended'], true, '/meetings');
    await register(['livestreaming.statusUpdate'], true, '/streams');
    const stream = emulator.addLivestream({ name: 'Meeting stream', status: 'IDLE', meeting_id: MEETING });
    emulator.setStatus(stream.id, 'LIVE');
    emulator.setStatus(stream.id, 'IDLE');
    await emulator.webhooks.idle();
    const seen = receiver.requests.map((r) => `${r.path} ${(JSON.parse(r.body) as { event: string }).event}`);
    expect(seen.sort()).toEqual([
      '/meetings meeting.ended',
      '/meetings meeting.started',
      '/streams livestreaming.statusUpdate',
      '/streams livestreaming.statusUpdate',
    ]);
  });

  it('retries a 5xx and a dropped connection with the same rtk-uuid, and never a 4xx', async () => {
    receiver.enqueue({ status: 503 }, { destroy: 'before-response' }, { status: 200 });
    await register();
    const stream = emulator.addLivestream({ name: 'Retried', status: 'IDLE' });
    emulator.setStatus(stream.id, 'LIVE');
    await emulator.webhooks.idle();
    expect(emulator.webhooks.attempts.map((a) => [a.attempt, a.answer])).toEqual([
      [1, 503],
      [2, null],
      [3, 200],
    ]);
    expect(new Set(receiver.requests.map((r) => r.headers['rtk-uuid'])).size).toBe(1);

    receiver.enqueue({ status: 401 });
    emulator.setStatus(stream.id, 'IDLE');
    await emulator.webhooks.idle();
    expect(emulator.webhooks.attempts.slice(3).map((a) => a.answer)).toEqual([401]);
  });

  it('gives up after its retries', async () => {
    receiver.route('POST', '/hook', { status: 500 });
    await register();
    const stream = emulator.addLivestream({ name: 'Down', status: 'IDLE' });
    emulator.setStatus(stream.id, 'LIVE');
    await emulator.webhooks.idle();
    expect(emulator.webhooks.attempts.map((a) => a.answer)).toEqual([500, 500, 500, 500]);
  });

  it('refuses a registration it could not deliver to', async () => {
    await expect(
      client.createWebhook({
        name: 'bad',
        url: 'ftp://example.com',
        events: ['livestreaming.statusUpdate'],
        enabled: true,
      }),
    ).rejects.toMatchObject({ kind: 'Invalid' });
    await expect(
      client.createWebhook({
        name: 'bad',
        url: `${receiver.url}/x`,
        events: ['stream.exploded'],
        enabled: true,
      }),
    ).rejects.toMatchObject({ kind: 'Invalid' });
    expect(emulator.webhooks.list()).toEqual([]);
  });
});

/**
 * Cloudflare's official SDK against the emulator: if the SDK (generated from the same spec as the
 * reference pages) can call every endpoint and read the data back, the emulator speaks the real API.
 */
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';

const MEETING_ID = '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';

let emulator: Emulator;
let client: Cloudflare;
let ids: { account_id: string; app_id: string };

beforeAll(async () => {
  emulator = createEmulator({ seed: 3 });
  await emulator.start();
  const settings = emulator.settings();
  client = new Cloudflare({
    apiToken: settings.CLOUDFLARE_API_TOKEN,
    // Explicit nulls, so CLOUDFLARE_EMAIL or CLOUDFLARE_API_KEY in the environment cannot add headers.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: settings.CLOUDFLARE_API_BASE_URL,
    maxRetries: 0,
  });
  ids = { account_id: settings.CLOUDFLARE_ACCOUNT_ID, app_id: settings.REALTIMEKIT_APP_ID };
});

afterAll(async () => {
  await emulator.stop();
});

describe('the Cloudflare SDK against the emulator', () => {
  it('creates a livestream (no SDK method exists: the generic post)', async () => {
    const created = await client.post<{
      success: boolean;
      data: { id: string; status: string; name: string };
    }>(`/accounts/${ids.account_id}/realtime/kit/${ids.app_id}/livestreams`, {
      body: { name: 'From the SDK' },
    });
    expect(created.success).toBe(true);
    expect(created.data).toMatchObject({ name: 'From the SDK', status: 'INVOKED' });
    expect(emulator.getLivestream(created.data.id)).not.toBeNull();
  });

  it('lists livestreams with filters and paging', async () => {
    emulator.seed(30, { status: 'LIVE', meeting_id: null });
    const page = await client.realtimeKit.livestreams.getAllLivestreams(ids.app_id, {
      account_id: ids.account_id,
      status: 'LIVE',
      per_page: 10,
      page_no: 2,
      sort_order: 'ASC',
      exclude_meetings: true,
    });
    expect(page.success).toBe(true);
    // The SDK types `data` as one object (the page's claim); the wire carries an array.
    const data: unknown = page.data;
    expect(Array.isArray(data)).toBe(true);
    expect(data).toHaveLength(10);
    const paging: unknown = (page as unknown as { paging: unknown }).paging;
    expect(paging).toEqual({ total_count: 30, start_offset: 11, end_offset: 20 });
    expect(emulator.requests.at(-1)?.query).toMatchObject({
      status: 'LIVE',
      per_page: '10',
      page_no: '2',
      sort_order: 'ASC',
      exclude_meetings: 'true',
    });
  });

  it('reads the active session of a livestream, then the session by id', async () => {
    const stream = emulator.addLivestream({ name: 'Active' });
    emulator.setStatus(stream.id, 'LIVE');
    const active = await client.realtimeKit.livestreams.getActiveLivestreamsForLivestreamID(stream.id, ids);
    expect(active.data?.livestream).toMatchObject({ id: stream.id, status: 'LIVE' });
    const sessionId = active.data?.session?.id;
    expect(sessionId).toEqual(expect.any(String));

    const session = await client.realtimeKit.livestreams.getLivestreamSessionDetailsForSessionID(
      sessionId as string,
      ids,
    );
    expect(session.data).toMatchObject({ id: sessionId, livestream_id: stream.id, ingest_seconds: 0 });
  });

  it('reads the active livestream of a meeting', async () => {
    const stream = emulator.addLivestream({ meeting_id: MEETING_ID, status: 'LIVE' });
    const answer = await client.realtimeKit.livestreams.getMeetingActiveLivestreams(MEETING_ID, ids);
    expect(answer.data).toMatchObject({ id: stream.id, meeting_id: MEETING_ID });
  });

  it('starts a meeting’s livestream, reads it with its sessions, and stops it', async () => {
    const meeting = emulator.addMeeting({ title: 'From the SDK' });
    const started = await client.realtimeKit.livestreams.startLivestreamingAMeeting(meeting.id, {
      ...ids,
      name: 'SDK stream',
      video_config: { height: 720, width: 1280 },
    });
    expect(started.success).toBe(true);
    expect(started.data).toMatchObject({ status: 'INVOKED', stream_key: expect.any(String) });
    const id = started.data?.id as string;
    emulator.step();

    const details = await client.realtimeKit.livestreams.getLivestreamSessionForLivestreamID(id, {
      ...ids,
      page_no: 1,
      per_page: 5,
    });
    expect(details.data?.livestream).toMatchObject({ id, name: 'SDK stream', status: 'LIVE' });
    // The SDK types one `session`; the emulator sends Dyte's `sessions` list (the bot parses both).
    const sessions: unknown = (details.data as { sessions?: unknown }).sessions;
    expect(sessions).toEqual([expect.objectContaining({ livestream_id: id, stopped_time: null })]);

    const stopped = await client.realtimeKit.livestreams.stopLivestreamingAMeeting(meeting.id, ids);
    expect(stopped.data?.message).toEqual(expect.any(String));
    expect(emulator.getLivestream(id)?.status).toBe('IDLE');
    await expect(
      client.realtimeKit.livestreams.stopLivestreamingAMeeting(meeting.id, ids),
    ).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
  });

  it('gets the SDK error classes for 404 and 403', async () => {
    await expect(
      client.realtimeKit.livestreams.getLivestreamSessionDetailsForSessionID('missing', ids),
    ).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
    const wrongToken = client.withOptions({ apiToken: 'wrong' });
    await expect(
      wrongToken.realtimeKit.livestreams.getAllLivestreams(ids.app_id, { account_id: ids.account_id }),
    ).rejects.toBeInstanceOf(Cloudflare.PermissionDeniedError);
  });
});

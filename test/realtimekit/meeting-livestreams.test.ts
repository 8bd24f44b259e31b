/**
 * Starting and stopping a meeting's livestream, and one livestream's details with its sessions: what the
 * real client sends, what it refuses to send, and every shape of answer the sources disagree on (the
 * shapes docs/emulator.md lists for GET /livestreams/{id}), parsed by wire.ts.
 */
import { describe, expect, it } from 'vitest';
import { RealtimeKitError } from '../../src/realtimekit/errors.js';
import { parseLivestreamDetailsBody, parseStopBody } from '../../src/realtimekit/wire.js';
import { useScriptedApi } from './support.js';

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const APP = 'app_0123-abc';
const PREFIX = `/client/v4/accounts/${ACCOUNT}/realtime/kit/${APP}`;
const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

const api = useScriptedApi({ accountId: ACCOUNT, appId: APP });
const client = api.client;

const LIVESTREAM = {
  id: 'ls-1',
  name: 'Town hall',
  status: 'IDLE',
  meeting_id: MEETING,
  ingest_server: 'rtmps://live.cloudflare.com:443/live/',
  stream_key: 'secret-key',
  playback_url: 'https://customer-x.cloudflarestream.com/abc/manifest/video.m3u8',
  disabled: 'false',
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-20T11:00:00.000Z',
};
const session = (id: string, started: string, stopped: string | null) => ({
  id,
  livestream_id: 'ls-1',
  err_message: null,
  ingest_seconds: '120',
  viewer_seconds: 116.116,
  invoked_time: started,
  started_time: started,
  stopped_time: stopped,
  created_at: started,
  updated_at: stopped ?? started,
});
const S1 = session('s-1', '2026-11-20T10:00:00.000Z', '2026-11-20T10:30:00.000Z');
const S2 = session('s-2', '2026-11-21T10:00:00.000Z', null);
const PAGING = { total_count: 2, start_offset: 1, end_offset: 2 };

async function refused(promise: Promise<unknown>): Promise<RealtimeKitError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealtimeKitError);
  return error as RealtimeKitError;
}

describe('start livestreaming a meeting', () => {
  it('POSTs {name} to meetings/{id}/livestreams and reads the 201 answer', async () => {
    api.server.enqueue({
      status: 201,
      body: {
        success: true,
        data: {
          id: 'ls-new',
          ingest_server: 'rtmps://live.cloudflare.com:443/live/',
          playback_url: 'https://customer-x.cloudflarestream.com/new/manifest/video.m3u8',
          status: 'INVOKED',
          stream_key: 'k-new',
        },
      },
    });
    const started = await client().startMeetingLivestream(MEETING, { name: '  Town hall ' });
    const request = api.server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`${PREFIX}/meetings/${MEETING}/livestreams`);
    expect(JSON.parse(request.body)).toEqual({ name: 'Town hall' });
    // The answer names neither the meeting nor the name: what was asked fills them in.
    expect(started).toMatchObject({
      id: 'ls-new',
      status: 'INVOKED',
      streamKey: 'k-new',
      meetingId: MEETING,
      name: 'Town hall',
    });
  });

  it('sends an empty body without a name, and is never retried (a second start would be a second stream)', async () => {
    api.server.enqueue({ status: 503, body: { success: false, errors: [{ code: 1, message: 'busy' }] } });
    const error = await refused(client().startMeetingLivestream(MEETING));
    expect(error.kind).toBe('ServerError');
    expect(api.server.requests).toHaveLength(1);
    expect(JSON.parse(api.server.requests[0]!.body)).toEqual({});
  });

  it.each(['not-a-uuid', `../${MEETING}`, ''])('refuses the meeting id %j unsent', async (id) => {
    const error = await refused(client().startMeetingLivestream(id));
    expect(error.kind).toBe('Invalid');
    expect(error.message).toContain('UUID');
    expect(api.server.requests).toHaveLength(0);
  });

  it('refuses a name that is too long, or holds control characters, unsent', async () => {
    expect((await refused(client().startMeetingLivestream(MEETING, { name: 'x'.repeat(201) }))).kind).toBe(
      'Invalid',
    );
    expect((await refused(client().startMeetingLivestream(MEETING, { name: 'a\u0007b' }))).kind).toBe(
      'Invalid',
    );
    expect(api.server.requests).toHaveLength(0);
  });
});

describe('stop the livestream of a meeting', () => {
  it.each([
    [{ data: { message: 'Stopped live stream successfully' } }, 'Stopped live stream successfully'],
    [{ data: { message: 'livestream stopped' } }, 'livestream stopped'],
    [{ data: 'livestream stopped' }, 'livestream stopped'],
    [{ data: {} }, null],
    [{ data: null, message: 'done' }, 'done'],
  ])('POSTs to meetings/{id}/active-livestream/stop and reads %j', async (body, message) => {
    api.server.enqueue({ body: { success: true, ...body } });
    expect(await client().stopMeetingLivestream(MEETING)).toEqual({ message });
    const request = api.server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`${PREFIX}/meetings/${MEETING}/active-livestream/stop`);
  });

  it('says NotFound when the meeting has no active livestream (RealtimeKit’s 404)', async () => {
    api.server.enqueue({
      status: 404,
      body: { success: false, error: { code: 404, message: 'No active livestream found for this meeting' } },
    });
    const error = await refused(client().stopMeetingLivestream(MEETING));
    expect(error.kind).toBe('NotFound');
    expect(error.apiMessage).toBe('No active livestream found for this meeting');
  });

  it('refuses a meeting id that is not a UUID unsent', async () => {
    expect((await refused(client().stopMeetingLivestream('abc'))).kind).toBe('Invalid');
    expect(api.server.requests).toHaveLength(0);
  });

  it('parses nothing usable as a plain success: the wording varies', () => {
    expect(parseStopBody({ success: true, data: { message: 42 } })).toEqual({ message: '42' });
  });
});

describe('one livestream with its sessions', () => {
  it('GETs livestreams/{id} with page_no and per_page', async () => {
    api.server.enqueue({ body: { success: true, data: { livestream: LIVESTREAM, sessions: [] } } });
    await client().getLivestreamDetails('ls-1', { pageNo: 2, perPage: 5 });
    const request = api.server.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.path).toBe(`${PREFIX}/livestreams/ls-1`);
    expect(Object.fromEntries(request.query)).toEqual({ page_no: '2', per_page: '5' });
  });

  it('refuses a bad id or page unsent', async () => {
    expect((await refused(client().getLivestreamDetails('../x'))).kind).toBe('Invalid');
    expect((await refused(client().getLivestreamDetails('ls-1', { pageNo: 0 }))).kind).toBe('Invalid');
    expect((await refused(client().getLivestreamDetails('ls-1', { perPage: 101 }))).kind).toBe('Invalid');
    expect(api.server.requests).toHaveLength(0);
  });

  it('reads the SDK’s typed shape: data.session one object, paging inside data', () => {
    const details = parseLivestreamDetailsBody({
      success: true,
      data: { livestream: LIVESTREAM, session: S2, paging: { ...PAGING, total_count: 1 } },
    });
    expect(details.livestream).toMatchObject({
      id: 'ls-1',
      name: 'Town hall',
      status: 'IDLE',
      disabled: false,
    });
    expect(details.sessions.map((s) => s.id)).toEqual(['s-2']);
    expect(details.sessions[0]).toMatchObject({
      ingestSeconds: 120,
      viewerSeconds: 116.116,
      stoppedTime: null,
    });
    expect(details.paging).toEqual({ totalCount: 1, startOffset: 1, endOffset: 2 });
  });

  it('reads Dyte’s example: data.sessions an array, paging beside data', () => {
    const details = parseLivestreamDetailsBody({
      success: true,
      data: { livestream: LIVESTREAM, sessions: [S1, S2] },
      paging: PAGING,
    });
    expect(details.livestream.id).toBe('ls-1');
    expect(details.sessions.map((s) => s.id)).toEqual(['s-1', 's-2']);
    expect(details.paging.totalCount).toBe(2);
  });

  it('reads a flat data with status OFFLINE (one guide’s shape), with or without sessions', () => {
    const flat = parseLivestreamDetailsBody({ success: true, data: { ...LIVESTREAM, status: 'OFFLINE' } });
    expect(flat.livestream).toMatchObject({ id: 'ls-1', status: 'OFFLINE', rawStatus: 'OFFLINE' });
    expect(flat.sessions).toEqual([]);
    expect(flat.paging).toEqual({ totalCount: null, startOffset: null, endOffset: null });
    const withSessions = parseLivestreamDetailsBody({
      success: true,
      data: { ...LIVESTREAM, sessions: [S1] },
    });
    expect(withSessions.sessions.map((s) => s.id)).toEqual(['s-1']);
  });

  it('reads no session at all as none: null, absent, an empty list, or items without an id', () => {
    for (const data of [
      { livestream: LIVESTREAM, session: null },
      { livestream: LIVESTREAM },
      { livestream: LIVESTREAM, sessions: [] },
      { livestream: LIVESTREAM, sessions: [{ ingest_seconds: 3 }] },
    ]) {
      expect(parseLivestreamDetailsBody({ success: true, data }).sessions).toEqual([]);
    }
  });

  it('takes the requested id when the livestream in the answer has none', () => {
    const { id: _id, ...withoutId } = LIVESTREAM;
    const details = parseLivestreamDetailsBody({ success: true, data: { livestream: withoutId } }, 'ls-1');
    expect(details.livestream).toMatchObject({ id: 'ls-1', name: 'Town hall' });
  });

  it('is Malformed when no livestream can be found in the answer', () => {
    for (const body of [{ success: true, data: null }, { success: true, data: [] }, { success: true }]) {
      expect(() => parseLivestreamDetailsBody(body)).toThrow(RealtimeKitError);
    }
  });

  it('through the client: each shape gives the same details', async () => {
    api.server.enqueue(
      { body: { success: true, data: { livestream: LIVESTREAM, session: S1, paging: PAGING } } },
      { body: { success: true, data: { livestream: LIVESTREAM, sessions: [S1] }, paging: PAGING } },
      { body: { success: true, data: { ...LIVESTREAM, sessions: [S1], paging: PAGING } } },
    );
    const read = [];
    for (let i = 0; i < 3; i++) read.push(await client().getLivestreamDetails('ls-1'));
    expect(read[1]).toEqual(read[0]);
    expect(read[2]).toEqual(read[0]);
  });
});

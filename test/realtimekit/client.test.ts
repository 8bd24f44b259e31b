/**
 * The real ky-based client against a scripted local server: what goes on the wire for every endpoint,
 * and what comes back for every response shape docs/emulator.md says the server may send.
 */
import { describe, expect, it } from 'vitest';
import { useScriptedApi } from './support.js';

const TOKEN = 'cfut_S3cretT0ken_abcdefghijklmnop';
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const APP = 'app_0123-abc';
const PREFIX = `/client/v4/accounts/${ACCOUNT}/realtime/kit/${APP}`;
const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

const api = useScriptedApi({ accountId: ACCOUNT, appId: APP, apiToken: TOKEN });
const client = api.client;

function wireLivestream(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `stream ${id}`,
    status: 'LIVE',
    meeting_id: null,
    ingest_server: 'rtmps://live.cloudflare.com:443/live/',
    stream_key: `key-${id}`,
    playback_url: `https://customer-x.cloudflarestream.com/${id}/manifest/video.m3u8`,
    disabled: false,
    created_at: '2023-07-15T11:48:34.753Z',
    updated_at: '2023-07-15T11:50:00.000Z',
    ...extra,
  };
}

const ok = (data: unknown, extra: Record<string, unknown> = {}) => ({
  body: { success: true, data, ...extra },
});

describe('requests on the wire', () => {
  it('lists livestreams with GET, the full path, the bearer token and no query by default', async () => {
    api.server.enqueue(ok([]));
    await client().listLivestreams();
    expect(api.server.requests).toHaveLength(1);
    const [request] = api.server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.path).toBe(`${PREFIX}/livestreams`);
    expect(request?.url).toBe(`${PREFIX}/livestreams`);
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.accept).toContain('application/json');
  });

  it('accepts a base URL with or without a trailing slash', async () => {
    api.server.enqueue(ok([]), ok([]));
    await client({ baseUrl: `${api.server.url}/client/v4` }).listLivestreams();
    await client({ baseUrl: `${api.server.url}/client/v4///` }).listLivestreams();
    expect(api.server.requests.map((r) => r.path)).toEqual([
      `${PREFIX}/livestreams`,
      `${PREFIX}/livestreams`,
    ]);
  });

  it('sends every list filter as the documented query parameter', async () => {
    api.server.enqueue(ok([]));
    await client().listLivestreams({
      status: 'LIVE',
      startTime: '2024-05-01T10:00:00Z',
      endTime: '2024-05-02T12:30:00.250+02:00',
      pageNo: 3,
      perPage: 25,
      sortOrder: 'DSC',
      excludeMeetings: true,
    });
    const query = api.server.requests[0]?.query;
    expect(Object.fromEntries(query ?? [])).toEqual({
      status: 'LIVE',
      start_time: '2024-05-01T10:00:00.000Z',
      end_time: '2024-05-02T10:30:00.250Z',
      page_no: '3',
      per_page: '25',
      sort_order: 'DSC',
      exclude_meetings: 'true',
    });
  });

  it('sends sort_order ASC and a date-only start_time as ISO', async () => {
    api.server.enqueue(ok([]));
    await client().listLivestreams({ sortOrder: 'ASC', startTime: '2024-05-01', excludeMeetings: false });
    const query = api.server.requests[0]?.query;
    expect(query?.get('sort_order')).toBe('ASC');
    expect(query?.get('start_time')).toBe('2024-05-01T00:00:00.000Z');
    // false is the API's default: not sent at all.
    expect(query?.has('exclude_meetings')).toBe(false);
  });

  it('creates a livestream with POST and a JSON body holding the trimmed name', async () => {
    api.server.enqueue({
      status: 201,
      body: { success: true, data: wireLivestream('ls-1', { status: 'INVOKED' }) },
    });
    const created = await client().createLivestream({ name: '  Town hall  ' });
    const [request] = api.server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`${PREFIX}/livestreams`);
    expect(request?.headers['content-type']).toContain('application/json');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(request?.body ?? '')).toEqual({ name: 'Town hall' });
    expect(created.id).toBe('ls-1');
    expect(created.status).toBe('INVOKED');
  });

  it('creates a livestream without a name as an empty JSON object', async () => {
    api.server.enqueue({ status: 201, body: { success: true, data: wireLivestream('ls-2') } });
    api.server.enqueue({ status: 201, body: { success: true, data: wireLivestream('ls-3') } });
    await client().createLivestream();
    await client().createLivestream({ name: '   ' });
    expect(api.server.requests.map((r) => JSON.parse(r.body))).toEqual([{}, {}]);
  });

  it('gets the active session of a livestream', async () => {
    api.server.enqueue(
      ok({ livestream: wireLivestream('ls-9'), session: { id: 'sess-1', livestream_id: 'ls-9' } }),
    );
    const active = await client().getActiveLivestreamSession('ls-9');
    expect(api.server.requests[0]?.method).toBe('GET');
    expect(api.server.requests[0]?.path).toBe(`${PREFIX}/livestreams/ls-9/active-livestream-session`);
    expect(api.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(active.livestream?.id).toBe('ls-9');
    expect(active.session?.id).toBe('sess-1');
  });

  it('gets a session by id under /livestreams/sessions/', async () => {
    api.server.enqueue(ok({ id: 'sess_42', livestream_id: 'ls-1', ingest_seconds: 10, viewer_seconds: 20 }));
    const session = await client().getLivestreamSession('sess_42');
    expect(api.server.requests[0]?.method).toBe('GET');
    expect(api.server.requests[0]?.path).toBe(`${PREFIX}/livestreams/sessions/sess_42`);
    expect(api.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(session).toMatchObject({
      id: 'sess_42',
      livestreamId: 'ls-1',
      ingestSeconds: 10,
      viewerSeconds: 20,
    });
  });

  it('gets the active livestream of a meeting by UUID', async () => {
    api.server.enqueue(ok(wireLivestream('ls-m', { meeting_id: MEETING })));
    const livestream = await client().getMeetingActiveLivestream(MEETING);
    expect(api.server.requests[0]?.method).toBe('GET');
    expect(api.server.requests[0]?.path).toBe(`${PREFIX}/meetings/${MEETING}/active-livestream`);
    expect(api.server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(livestream.meetingId).toBe(MEETING);
  });

  it('calls onRequest once per request, with the method and the path below the app', async () => {
    const seen: { method: string; path: string }[] = [];
    const c = client({ onRequest: (r) => seen.push(r) });
    api.server.enqueue(ok([]), ok({ id: 's1' }), {
      status: 201,
      body: { success: true, data: wireLivestream('x') },
    });
    await c.listLivestreams({ pageNo: 2 });
    await c.getLivestreamSession('s1');
    await c.createLivestream({ name: 'n' });
    expect(seen).toEqual([
      { method: 'GET', path: 'livestreams' },
      { method: 'GET', path: 'livestreams/sessions/s1' },
      { method: 'POST', path: 'livestreams' },
    ]);
  });

  it('calls onRequest for retries too', async () => {
    const seen: string[] = [];
    const c = client({ onRequest: (r) => seen.push(`${r.method} ${r.path}`) });
    api.server.enqueue(
      { status: 503, body: '' },
      { status: 429, headers: { 'retry-after': '0' }, body: '' },
      ok([]),
    );
    await c.listLivestreams();
    expect(api.server.requests).toHaveLength(3);
    expect(seen).toEqual(['GET livestreams', 'GET livestreams', 'GET livestreams']);
  });
});

describe('list shapes', () => {
  it('reads a list sent as an array with paging at the top level', async () => {
    api.server.enqueue(
      ok([wireLivestream('a'), wireLivestream('b', { status: 'IDLE' })], {
        paging: { total_count: 7, start_offset: 1, end_offset: 2 },
      }),
    );
    const page = await client().listLivestreams();
    expect(page.livestreams.map((l) => [l.id, l.status])).toEqual([
      ['a', 'LIVE'],
      ['b', 'IDLE'],
    ]);
    expect(page.paging).toEqual({ totalCount: 7, startOffset: 1, endOffset: 2 });
  });

  it('reads the official page example: one livestream object with paging inside it', async () => {
    api.server.enqueue({
      body: {
        data: {
          id: '3fd739f4-3c41-456e-bfba-6ebd51e16d2d',
          created_at: '2023-07-15T11:48:34.753Z',
          disabled: 'disabled',
          ingest_server: 'rtmps://live.cloudflare.com:443/live/',
          meeting_id: 'meeting_id',
          name: 'test',
          paging: { end_offset: 1, start_offset: 1, total_count: 1 },
          playback_url: 'https://customer-s8oj0c1n5ek8ah1e.cloudflarestream.com/x/manifest/video.m3u8',
          status: 'LIVE',
          stream_key: 'f26566285faca6fbe2e79a73a66',
          updated_at: '2023-07-15T11:48:34.753Z',
        },
        success: true,
      },
    });
    const page = await client().listLivestreams();
    expect(page.livestreams).toHaveLength(1);
    expect(page.livestreams[0]).toMatchObject({
      id: '3fd739f4-3c41-456e-bfba-6ebd51e16d2d',
      name: 'test',
      status: 'LIVE',
      disabled: null, // "disabled" is neither true nor false
      streamKey: 'f26566285faca6fbe2e79a73a66',
    });
    expect(page.paging).toEqual({ totalCount: 1, startOffset: 1, endOffset: 1 });
  });

  it('reads a list under data.livestreams, with paging inside data', async () => {
    api.server.enqueue(
      ok({ livestreams: [wireLivestream('x'), wireLivestream('y')], paging: { total_count: '2' } }),
    );
    const page = await client().listLivestreams();
    expect(page.livestreams.map((l) => l.id)).toEqual(['x', 'y']);
    expect(page.paging.totalCount).toBe(2);
  });

  it('prefers top-level paging over paging inside data', async () => {
    api.server.enqueue(
      ok({ livestreams: [wireLivestream('x')], paging: { total_count: 9 } }, { paging: { total_count: 1 } }),
    );
    expect((await client().listLivestreams()).paging.totalCount).toBe(1);
  });

  it('reads an empty list, an empty data.livestreams, and no data with total_count 0 as no livestreams', async () => {
    api.server.enqueue(
      ok([], { paging: { total_count: 0 } }),
      ok({ livestreams: [] }),
      ok(null, { paging: { total_count: 0 } }),
      ok({ paging: { total_count: 0 } }),
    );
    const c = client();
    for (let i = 0; i < 4; i++) {
      const page = await c.listLivestreams();
      expect(page.livestreams).toEqual([]);
    }
    expect(api.server.requests).toHaveLength(4);
  });

  it('treats a list answer with no list and no zero total as Malformed, not as "nothing is live"', async () => {
    api.server.enqueue(ok(null), ok({}));
    const c = client();
    for (let i = 0; i < 2; i++)
      await expect(c.listLivestreams()).rejects.toMatchObject({ kind: 'Malformed' });
  });

  it('leaves paging null when the server sends none', async () => {
    api.server.enqueue(ok([wireLivestream('a')]));
    expect((await client().listLivestreams()).paging).toEqual({
      totalCount: null,
      startOffset: null,
      endOffset: null,
    });
  });
});

describe('type drift in livestreams and sessions', () => {
  it('reads disabled as a boolean or as a string', async () => {
    api.server.enqueue(
      ok([
        wireLivestream('a', { disabled: true }),
        wireLivestream('b', { disabled: false }),
        wireLivestream('c', { disabled: 'true' }),
        wireLivestream('d', { disabled: 'false' }),
        wireLivestream('e', { disabled: 'disabled' }),
        wireLivestream('f', { disabled: null }),
      ]),
    );
    const page = await client().listLivestreams();
    expect(page.livestreams.map((l) => l.disabled)).toEqual([true, false, true, false, null, null]);
  });

  it('keeps OFFLINE, keeps an unknown status with its raw text, and never fails on one', async () => {
    api.server.enqueue(
      ok([
        wireLivestream('a', { status: 'OFFLINE' }),
        wireLivestream('b', { status: 'WEIRD' }),
        wireLivestream('c', { status: 'errored' }),
        wireLivestream('d', { status: null }),
        wireLivestream('e', { status: 42 }),
      ]),
    );
    const page = await client().listLivestreams();
    expect(page.livestreams.map((l) => [l.status, l.rawStatus])).toEqual([
      ['OFFLINE', 'OFFLINE'],
      ['UNKNOWN', 'WEIRD'],
      ['ERRORED', 'errored'],
      ['UNKNOWN', null],
      ['UNKNOWN', '42'],
    ]);
  });

  it('turns nulls into nulls and placeholder timestamps into null', async () => {
    api.server.enqueue(
      ok([
        {
          id: 'n',
          name: null,
          status: 'IDLE',
          meeting_id: null,
          ingest_server: null,
          stream_key: null,
          playback_url: null,
          disabled: null,
          created_at: 'created_at',
          updated_at: 'updated_at',
        },
      ]),
    );
    const [livestream] = (await client().listLivestreams()).livestreams;
    expect(livestream).toEqual({
      id: 'n',
      name: null,
      status: 'IDLE',
      rawStatus: 'IDLE',
      meetingId: null,
      ingestServer: null,
      streamKey: null,
      playbackUrl: null,
      disabled: null,
      createdAt: null,
      updatedAt: null,
    });
  });

  it('reads ingest and viewer seconds sent as strings, fractional numbers or placeholders', async () => {
    api.server.enqueue(
      ok({
        livestream: wireLivestream('ls', { disabled: 'disabled' }),
        session: {
          id: 'sess',
          livestream_id: 'ls',
          err_message: null,
          ingest_seconds: '120',
          viewer_seconds: '116.116',
          invoked_time: null,
          started_time: '2023-07-15T11:48:34.753Z',
          stopped_time: null,
          created_at: '2023-07-15T11:48:34.753Z',
          updated_at: '2023-07-15T11:48:34.753Z',
        },
      }),
      ok({ id: 'sess2', ingest_seconds: 12.5, viewer_seconds: 116.116 }),
      ok({ id: 'sess3', ingest_seconds: 'ingest_seconds', viewer_seconds: 'viewer_seconds' }),
    );
    const c = client();
    const active = await c.getActiveLivestreamSession('ls');
    expect(active.session).toMatchObject({
      ingestSeconds: 120,
      viewerSeconds: 116.116,
      errMessage: null,
      invokedTime: null,
      stoppedTime: null,
      startedTime: '2023-07-15T11:48:34.753Z',
    });
    expect(active.livestream?.disabled).toBeNull();
    expect(await c.getLivestreamSession('sess2')).toMatchObject({
      ingestSeconds: 12.5,
      viewerSeconds: 116.116,
    });
    expect(await c.getLivestreamSession('sess3')).toMatchObject({ ingestSeconds: null, viewerSeconds: null });
  });

  it('reads the official session-by-id example with placeholder timestamps', async () => {
    api.server.enqueue({
      body: {
        data: {
          id: 'id',
          created_at: '2019-12-27T18:11:19.117Z',
          err_message: 'err_message',
          ingest_seconds: 0,
          livestream_id: 'livestream_id',
          started_time: 'started_time',
          stopped_time: 'stopped_time',
          updated_at: 'updated_at',
          viewer_seconds: 0,
        },
        success: true,
      },
    });
    expect(await client().getLivestreamSession('id')).toEqual({
      id: 'id',
      livestreamId: 'livestream_id',
      errMessage: 'err_message',
      ingestSeconds: 0,
      viewerSeconds: 0,
      invokedTime: null,
      startedTime: null,
      stoppedTime: null,
      createdAt: '2019-12-27T18:11:19.117Z',
      updatedAt: null,
    });
  });

  it('reads an active session with only a livestream (no session yet)', async () => {
    api.server.enqueue(ok({ livestream: wireLivestream('ls', { status: 'INVOKED' }), session: null }));
    const active = await client().getActiveLivestreamSession('ls');
    expect(active.livestream?.status).toBe('INVOKED');
    expect(active.session).toBeNull();
  });

  it('reads a create answered 201 without created_at or updated_at', async () => {
    api.server.enqueue({
      status: 201,
      body: {
        data: {
          disabled: false,
          id: '78dd0b50-4147-4bb8-88d3-2ccc2e98bff0',
          ingest_server: 'rtmps://live.cloudflare.com:443/live/',
          meeting_id: null,
          name: 'Livestreaming-Demo',
          playback_url: 'https://customer-s8oj0c1n5ek8ah1e.cloudflarestream.com/x/manifest/video.m3u8',
          status: 'INVOKED',
          stream_key: 'f26566285faca6fbe2e79a73a66',
        },
        success: true,
      },
    });
    expect(await client().createLivestream({ name: 'Livestreaming-Demo' })).toEqual({
      id: '78dd0b50-4147-4bb8-88d3-2ccc2e98bff0',
      name: 'Livestreaming-Demo',
      status: 'INVOKED',
      rawStatus: 'INVOKED',
      meetingId: null,
      ingestServer: 'rtmps://live.cloudflare.com:443/live/',
      streamKey: 'f26566285faca6fbe2e79a73a66',
      playbackUrl: 'https://customer-s8oj0c1n5ek8ah1e.cloudflarestream.com/x/manifest/video.m3u8',
      disabled: false,
      createdAt: null,
      updatedAt: null,
    });
  });

  it('reads a meeting active livestream wrapped as data.livestream or as a one-element list', async () => {
    api.server.enqueue(ok({ livestream: wireLivestream('w1') }), ok([wireLivestream('w2')]));
    const c = client();
    expect((await c.getMeetingActiveLivestream(MEETING)).id).toBe('w1');
    expect((await c.getMeetingActiveLivestream(MEETING)).id).toBe('w2');
  });
});

describe('identical requests in flight', () => {
  it('share one GET, but never a create', async () => {
    api.server.enqueue(ok([wireLivestream('a')]), ok(wireLivestream('n1')), ok(wireLivestream('n2')));
    const c = client();
    const pages = await Promise.all([
      c.listLivestreams({ status: 'LIVE' }),
      c.listLivestreams({ status: 'LIVE' }),
    ]);
    expect(pages.map((p) => p.livestreams[0]?.id)).toEqual(['a', 'a']);
    const created = await Promise.all([c.createLivestream({ name: 'x' }), c.createLivestream({ name: 'x' })]);
    expect(created.map((l) => l.id).sort()).toEqual(['n1', 'n2']);
    expect(api.server.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'POST']);
  });
});

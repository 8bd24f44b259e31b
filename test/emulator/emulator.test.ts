import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clientSettingsOf,
  createEmulator,
  type Emulator,
  type WireLivestream,
} from '../../src/emulator/emulator.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MEETING_ID = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A clock the test moves by hand. */
function manualClock(start = T0): { now: () => Date; advance: (ms: number) => void } {
  let current = start;
  return { now: () => new Date(current), advance: (ms) => (current += ms) };
}

let emulator: Emulator;
let clock: ReturnType<typeof manualClock>;

beforeEach(async () => {
  clock = manualClock();
  emulator = createEmulator({ seed: 42, now: clock.now });
  await emulator.start();
});

afterEach(async () => {
  await emulator.stop();
});

async function api(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown; res: Response }> {
  const res = await fetch(emulator.appUrl + path, {
    ...init,
    headers: { authorization: `Bearer ${emulator.token}`, ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as unknown, res };
}

interface ListBody {
  success: boolean;
  data: WireLivestream[];
  paging: { total_count: number; start_offset: number; end_offset: number };
}

async function list(query = ''): Promise<ListBody> {
  const { status, body } = await api(`livestreams${query}`);
  expect(status).toBe(200);
  return body as ListBody;
}

/** `count` streams one minute apart, oldest first, named s0, s1, … */
function addStreams(
  count: number,
  extra: (i: number) => Partial<WireLivestream> = () => ({}),
): WireLivestream[] {
  return Array.from({ length: count }, (_, i) =>
    emulator.addLivestream({
      name: `s${i}`,
      status: 'IDLE',
      created_at: new Date(T0 - (count - i) * 60_000).toISOString(),
      ...extra(i),
    }),
  );
}

const names = (body: ListBody): (string | null)[] => body.data.map((l) => l.name);

describe('GET livestreams', () => {
  it('answers the list shape, newest first, 25 per page by default', async () => {
    addStreams(30);
    const body = await list();
    expect(body.success).toBe(true);
    expect(body.data).toHaveLength(25);
    expect(body.data[0]!.name).toBe('s29');
    expect(body.paging).toEqual({ total_count: 30, start_offset: 1, end_offset: 25 });
    expect(Object.keys(body.data[0]!).sort()).toEqual(
      [
        'created_at',
        'disabled',
        'id',
        'ingest_server',
        'meeting_id',
        'name',
        'playback_url',
        'status',
        'stream_key',
        'updated_at',
      ].sort(),
    );
  });

  it('pages with page_no and per_page, ASC or DSC', async () => {
    addStreams(7);
    expect(names(await list('?per_page=3&page_no=2&sort_order=ASC'))).toEqual(['s3', 's4', 's5']);
    expect(names(await list('?per_page=3&page_no=2&sort_order=DSC'))).toEqual(['s3', 's2', 's1']);
    const last = await list('?per_page=3&page_no=3&sort_order=ASC');
    expect(names(last)).toEqual(['s6']);
    expect(last.paging).toEqual({ total_count: 7, start_offset: 7, end_offset: 7 });
    const beyond = await list('?per_page=3&page_no=9');
    expect(beyond.data).toEqual([]);
    expect(beyond.paging.total_count).toBe(7);
  });

  it('clamps per_page to 100', async () => {
    emulator.seed(150);
    const body = await list('?per_page=500');
    expect(body.data).toHaveLength(100);
    expect(body.paging.total_count).toBe(150);
  });

  it('filters by status, by created_at range (inclusive) and exclude_meetings', async () => {
    const streams = addStreams(6, (i) => ({
      status: i % 2 === 0 ? 'IDLE' : 'LIVE',
      meeting_id: i < 2 ? MEETING_ID : null,
    }));
    expect(names(await list('?status=LIVE&sort_order=ASC'))).toEqual(['s1', 's3', 's5']);
    expect(names(await list('?exclude_meetings=true&sort_order=ASC'))).toEqual(['s2', 's3', 's4', 's5']);
    expect(names(await list('?exclude_meetings=false'))).toHaveLength(6);
    const from = streams[2]!.created_at;
    const to = streams[4]!.created_at;
    expect(names(await list(`?start_time=${from}&end_time=${to}&sort_order=ASC`))).toEqual([
      's2',
      's3',
      's4',
    ]);
    const both = await list(`?start_time=${from}&status=LIVE&per_page=1&sort_order=ASC`);
    expect(names(both)).toEqual(['s3']);
    expect(both.paging.total_count).toBe(2);
  });

  it.each([
    'status=BROKEN',
    'status=live',
    'page_no=0',
    'page_no=abc',
    'page_no=1.5',
    'per_page=0',
    'per_page=-5',
    'sort_order=DESC',
    'start_time=yesterday',
    'end_time=2026-02-31T00:00:00Z',
    'start_time=2026-03-02T00:00:00Z&end_time=2026-03-01T00:00:00Z',
    'exclude_meetings=maybe',
  ])('answers 400 in RealtimeKit shape for %s', async (query) => {
    const { status, body, res } = await api(`livestreams?${query}`);
    expect(status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(body).toMatchObject({ success: false, error: { code: 400, message: expect.any(String) } });
  });

  it('treats empty query values as absent', async () => {
    addStreams(2);
    expect((await list('?status=&page_no=&sort_order=')).data).toHaveLength(2);
  });

  it('lists 50,000 livestreams in a few ms per request', async () => {
    const seeding = performance.now();
    emulator.seed(50_000);
    expect(performance.now() - seeding).toBeLessThan(3000);
    await list(); // warm up the connection
    const started = performance.now();
    const rounds = 20;
    for (let i = 0; i < rounds; i++) {
      await list(`?per_page=100&page_no=${i + 1}`);
      await list(`?status=LIVE&exclude_meetings=true&page_no=${i + 1}&sort_order=ASC`);
    }
    const perRequest = (performance.now() - started) / (rounds * 2);
    expect(perRequest).toBeLessThan(25);
    expect((await list('?per_page=1')).paging.total_count).toBe(50_000);
  });

  it('is walked to the end by the project client, each stream once', async () => {
    emulator.seed(250);
    const client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
    const ids = new Set<string>();
    for await (const page of client.allLivestreamPages())
      for (const livestream of page) ids.add(livestream.id);
    expect(ids.size).toBe(250);
    expect(emulator.requests.filter((r) => r.path === 'livestreams')).toHaveLength(3);
  });
});

describe('POST livestreams', () => {
  it('creates an INVOKED livestream and answers 201 without timestamps', async () => {
    const { status, body } = await api('livestreams', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Launch' }),
    });
    expect(status).toBe(201);
    const { data } = body as { data: Record<string, unknown> };
    expect(body).toMatchObject({ success: true });
    expect(data).toMatchObject({
      name: 'Launch',
      status: 'INVOKED',
      disabled: false,
      meeting_id: null,
      ingest_server: expect.stringMatching(/^rtmps:\/\//),
      stream_key: expect.stringMatching(/^[0-9a-f]{64}$/),
      playback_url: expect.stringMatching(/^https:\/\/.+\.m3u8$/),
    });
    expect(data.id).toMatch(UUID);
    expect(data).not.toHaveProperty('created_at');
    expect(data).not.toHaveProperty('updated_at');
    expect(emulator.getLivestream(data.id as string)?.created_at).toBe(new Date(T0).toISOString());
  });

  it('accepts an empty body or no name (name null)', async () => {
    for (const body of ['', '{}', '{"name":""}', 'null']) {
      const answer = await api('livestreams', { method: 'POST', body });
      expect(answer.status).toBe(201);
      expect((answer.body as { data: { name: unknown } }).data.name).toBeNull();
    }
  });

  it.each(['{not json', '[1,2]', '{"name":42}', '"text"'])('answers 400 for the body %s', async (body) => {
    const answer = await api('livestreams', { method: 'POST', body });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, error: { code: 400 } });
  });
});

describe('sessions', () => {
  it('has no active session until the stream goes LIVE', async () => {
    const stream = emulator.addLivestream({ name: 'a' });
    const none = await api(`livestreams/${stream.id}/active-livestream-session`);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({
      success: false,
      error: { code: 404, message: 'No active livestream session found' },
    });

    clock.advance(1000);
    emulator.setStatus(stream.id, 'LIVE');
    const live = await api(`livestreams/${stream.id}/active-livestream-session`);
    expect(live.status).toBe(200);
    const { data } = live.body as { data: { livestream: WireLivestream; session: Record<string, unknown> } };
    expect(data.livestream).toMatchObject({ id: stream.id, status: 'LIVE', created_at: stream.created_at });
    expect(data.session).toMatchObject({
      livestream_id: stream.id,
      err_message: null,
      ingest_seconds: 0,
      viewer_seconds: 0,
      invoked_time: stream.created_at,
      started_time: new Date(T0 + 1000).toISOString(),
      stopped_time: null,
    });
    expect(data.session.id).toMatch(UUID);

    const byId = await api(`livestreams/sessions/${data.session.id}`);
    expect(byId.status).toBe(200);
    expect((byId.body as { data: unknown }).data).toEqual(data.session);
  });

  it('records err_message on ERRORED and stopped_time on IDLE', async () => {
    const stream = emulator.addLivestream({ status: 'LIVE' });
    emulator.setStatus(stream.id, 'ERRORED', 'Ingest disconnected');
    const errored = await api(`livestreams/${stream.id}/active-livestream-session`);
    const session = (errored.body as { data: { session: { id: string; err_message: string } } }).data.session;
    expect(session.err_message).toBe('Ingest disconnected');

    clock.advance(5000);
    emulator.setStatus(stream.id, 'IDLE');
    expect((await api(`livestreams/${stream.id}/active-livestream-session`)).status).toBe(404);
    const closed = await api(`livestreams/sessions/${session.id}`);
    expect(closed.body).toMatchObject({ data: { stopped_time: new Date(T0 + 5000).toISOString() } });

    emulator.setStatus(stream.id, 'LIVE');
    expect(emulator.sessionsOf(stream.id)).toHaveLength(2);
  });

  it('a session closed without simulation steps still counts its live time and some viewers', () => {
    const stream = emulator.addLivestream({ status: 'IDLE' });
    emulator.setStatus(stream.id, 'LIVE');
    clock.advance(65 * 60_000);
    emulator.setStatus(stream.id, 'IDLE');
    const [session] = emulator.sessionsOf(stream.id);
    expect(session).toMatchObject({ ingest_seconds: 3_900, viewer_seconds: 17_550 });
  });

  it('opens an errored session with no started_time when INVOKED fails', () => {
    const stream = emulator.addLivestream({});
    emulator.setStatus(stream.id, 'ERRORED');
    const [session] = emulator.sessionsOf(stream.id);
    expect(session).toMatchObject({ started_time: null, err_message: expect.stringContaining('timed out') });
  });

  it('accepts statuses outside the enum and lists them as they are', async () => {
    const stream = emulator.addLivestream({ status: 'LIVE' });
    emulator.setStatus(stream.id, 'OFFLINE');
    const other = emulator.addLivestream({ status: 'WEIRD' });
    const body = await list('?sort_order=ASC');
    expect(body.data.map((l) => l.status)).toEqual(['OFFLINE', 'WEIRD']);
    expect((await api(`livestreams/${stream.id}/active-livestream-session`)).status).toBe(404);
    expect(emulator.getLivestream(other.id)?.status).toBe('WEIRD');
  });

  it('answers 404 for unknown livestreams and sessions', async () => {
    expect((await api('livestreams/nope/active-livestream-session')).body).toMatchObject({
      error: { code: 404, message: 'Livestream not found' },
    });
    expect((await api('livestreams/sessions/nope')).status).toBe(404);
  });

  it('routes livestreams/sessions/{id} before livestreams/{id}', async () => {
    const stream = emulator.addLivestream({ id: 'sessions', status: 'LIVE' });
    // Read as the session "active-livestream-session", not as the active session of stream "sessions".
    const answer = await api('livestreams/sessions/active-livestream-session');
    expect(answer.body).toMatchObject({ error: { message: 'Livestream session not found' } });
    expect(emulator.getLivestream(stream.id)).not.toBeNull();
  });

  it('removes livestreams', async () => {
    const [first, second] = addStreams(2);
    expect(emulator.removeLivestream(first!.id)).toBe(true);
    expect(emulator.removeLivestream(first!.id)).toBe(false);
    expect((await list()).data.map((l) => l.id)).toEqual([second!.id]);
  });
});

describe('GET meetings/{meeting_id}/active-livestream', () => {
  it('answers the LIVE livestream of the meeting, else 404', async () => {
    const stream = emulator.addLivestream({ meeting_id: MEETING_ID, status: 'IDLE' });
    expect((await api(`meetings/${MEETING_ID}/active-livestream`)).status).toBe(404);
    emulator.setStatus(stream.id, 'LIVE');
    const answer = await api(`meetings/${MEETING_ID}/active-livestream`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, data: { id: stream.id, meeting_id: MEETING_ID } });
  });

  it('answers 400 for a meeting id that is not a UUID', async () => {
    const answer = await api('meetings/not-a-uuid/active-livestream');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ success: false, error: { code: 400 } });
  });
});

describe('gateway behaviour', () => {
  const authError = {
    success: false,
    errors: [{ code: 10000, message: 'Authentication error' }],
    messages: [],
    result: null,
  };

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
  ])('answers 403 code 10000 for %s', async (_, headers) => {
    const res = await fetch(`${emulator.appUrl}livestreams`, { headers });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(authError);
  });

  it('answers 400 code 9106 for a malformed Authorization header', async () => {
    const res = await fetch(`${emulator.appUrl}livestreams`, { headers: { authorization: 'Token abc def' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ code: 9106 }] });
  });

  it('answers 403 for another account and 404 for another app', async () => {
    const headers = { authorization: `Bearer ${emulator.token}` };
    const otherAccount = `${emulator.baseUrl}/accounts/other/realtime/kit/${emulator.appId}/livestreams`;
    expect((await fetch(otherAccount, { headers })).status).toBe(403);
    const otherApp = await fetch(
      `${emulator.baseUrl}/accounts/${emulator.accountId}/realtime/kit/other/livestreams`,
      {
        headers,
      },
    );
    expect(otherApp.status).toBe(404);
    expect(await otherApp.json()).toMatchObject({
      success: false,
      error: { code: 404, message: 'App not found' },
    });
  });

  it.each([
    // GET livestreams/abc is a route now (one livestream with its sessions); PUT is not.
    ['PUT', 'livestreams/abc'],
    ['DELETE', 'livestreams'],
    ['GET', 'meetings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e/livestreams'],
    ['POST', 'livestreams/sessions/abc'],
    ['GET', 'livestreams//active-livestream-session'],
    ['GET', 'recordings'],
  ])('answers 400 code 7000 for %s %s', async (method, path) => {
    const answer = await api(path, { method });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      success: false,
      errors: [{ code: 7000, message: 'No route for that URI' }],
      messages: [],
      result: null,
    });
  });

  it('answers 7000 outside the API prefix, with or without a token', async () => {
    const res = await fetch(`${emulator.url}/client/v4/zones`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ code: 7000 }] });
  });

  it('sends rate-limit headers', async () => {
    const { res } = await api('livestreams');
    expect(res.headers.get('ratelimit')).toMatch(/r=\d+/);
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=1200;w=300');
  });

  it('exposes the five settings', () => {
    const settings = emulator.settings();
    expect(Object.keys(settings)).toEqual([
      'CLOUDFLARE_API_BASE_URL',
      'CLOUDFLARE_API_TOKEN',
      'CLOUDFLARE_ACCOUNT_ID',
      'REALTIMEKIT_APP_ID',
      'REALTIMEKIT_WEBHOOK_KEY_URL',
    ]);
    expect(settings.CLOUDFLARE_API_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(settings.REALTIMEKIT_WEBHOOK_KEY_URL).toBe(`${emulator.url}/.well-known/webhooks.json`);
    expect(settings.CLOUDFLARE_ACCOUNT_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(settings.REALTIMEKIT_APP_ID).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('request log', () => {
  it('records method, path and query, and can be reset and awaited', async () => {
    await api('livestreams?status=LIVE&page_no=2');
    expect(emulator.requests).toEqual([
      {
        method: 'GET',
        path: 'livestreams',
        query: { status: 'LIVE', page_no: '2' },
        at: new Date(T0).toISOString(),
      },
    ]);
    emulator.resetRequests();
    expect(emulator.requests).toEqual([]);
    const waiting = emulator.waitForRequest({ method: 'post', path: 'livestreams' });
    await api('livestreams', { method: 'POST', body: '{}' });
    await expect(waiting).resolves.toMatchObject({ method: 'POST', path: 'livestreams' });
  });

  it('rejects waitForRequest after its timeout', async () => {
    await expect(emulator.waitForRequest({ path: 'never' }, 20)).rejects.toThrow(/no matching request/);
  });
});

describe('faults', () => {
  it('answers 429 with retry-after once, then normally', async () => {
    emulator.injectFault({ status: 429, headers: { 'Retry-After': '7' } });
    const limited = await api('livestreams');
    expect(limited.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ success: false, errors: [{ code: 971 }] });
    expect((await api('livestreams')).status).toBe(200);
  });

  it('answers 500 and 401 with default bodies, and a given body as is', async () => {
    emulator.injectFault({ status: 500 });
    emulator.injectFault({ status: 401 });
    emulator.injectFault({
      status: 409,
      body: { success: false, error: { code: 409, message: 'Conflict' } },
    });
    expect(await api('livestreams')).toMatchObject({ status: 500, body: { success: false, errors: [{}] } });
    expect(await api('livestreams')).toMatchObject({ status: 401, body: { errors: [{ code: 10000 }] } });
    expect(await api('livestreams')).toMatchObject({ status: 409, body: { error: { message: 'Conflict' } } });
  });

  it('matches method and path, and applies `times` times', async () => {
    emulator.injectFault({ method: 'GET', path: 'page_no=2', status: 503, times: 2 });
    expect((await api('livestreams?page_no=1')).status).toBe(200);
    expect((await api('livestreams', { method: 'POST', body: '{}' })).status).toBe(201);
    expect((await api('livestreams?page_no=2')).status).toBe(503);
    expect((await api('livestreams?page_no=2')).status).toBe(503);
    expect((await api('livestreams?page_no=2')).status).toBe(200);
  });

  it('clears faults', async () => {
    emulator.injectFault({ status: 500, times: Number.POSITIVE_INFINITY });
    expect((await api('livestreams')).status).toBe(500);
    emulator.clearFaults();
    expect((await api('livestreams')).status).toBe(200);
  });

  it('answers late with delayMs', async () => {
    emulator.injectFault({ delayMs: 150 });
    const started = performance.now();
    const answer = await api('livestreams');
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('sends a raw, malformed body with 200', async () => {
    emulator.injectFault({ rawBody: '{"success":true,"data":[{"id":' });
    const res = await fetch(`${emulator.appUrl}livestreams`, {
      headers: { authorization: `Bearer ${emulator.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"success":true,"data":[{"id":');
  });

  it('drops the connection with destroy', async () => {
    emulator.injectFault({ destroy: true });
    await expect(fetch(`${emulator.appUrl}livestreams`)).rejects.toThrow();
    expect((await api('livestreams')).status).toBe(200);
  });

  it('refuses a fault that would test nothing', () => {
    expect(() => emulator.injectFault({ status: 42 })).toThrow(/status/);
    expect(() => emulator.injectFault({ status: 500, times: 0 })).toThrow(/times/);
  });

  it('stops promptly while an answer is being delayed', async () => {
    emulator.injectFault({ delayMs: 60_000 });
    const pending = fetch(`${emulator.appUrl}livestreams`).catch((error: unknown) => error);
    await emulator.waitForRequest({ path: 'livestreams' });
    const started = performance.now();
    await emulator.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('surfaces as the right error kinds through the project client', async () => {
    const client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
    emulator.injectFault({ status: 403 });
    await expect(client.listLivestreams()).rejects.toMatchObject({ kind: 'Unauthorized' });
    emulator.injectFault({ rawBody: '<html>oops</html>' });
    await expect(client.listLivestreams()).rejects.toMatchObject({ kind: 'Malformed' });
    await expect(client.getActiveLivestreamSession('unknown')).rejects.toMatchObject({ kind: 'NotFound' });
  });
});

describe('lifecycle simulation', () => {
  it('moves streams through INVOKED, LIVE, ERRORED and IDLE with sessions to match', () => {
    emulator.seed(40, { status: 'INVOKED' });
    const seen = new Set<string>();
    emulator.onStatusChange((change) => seen.add(`${change.from}->${change.to}`));
    for (let i = 0; i < 30; i++) {
      clock.advance(5000);
      emulator.step();
    }
    for (const transition of ['INVOKED->LIVE', 'LIVE->IDLE', 'IDLE->LIVE', 'ERRORED->IDLE']) {
      expect(seen).toContain(transition);
    }
    expect([...seen].some((t) => t.endsWith('->ERRORED'))).toBe(true);

    for (const stream of emulator.livestreams()) {
      const sessions = emulator.sessionsOf(stream.id);
      const open = sessions.filter((s) => s.stopped_time === null);
      if (stream.status === 'LIVE' || stream.status === 'ERRORED') expect(open).toHaveLength(1);
      else expect(open).toHaveLength(0);
      if (stream.status === 'ERRORED') expect(open[0]!.err_message).toMatch(/\w/);
      for (const session of sessions) {
        expect(session.ingest_seconds).toBeGreaterThanOrEqual(0);
        expect(session.viewer_seconds).toBeGreaterThanOrEqual(0);
      }
    }
    const grown = emulator.livestreams().flatMap((s) => emulator.sessionsOf(s.id));
    expect(grown.some((s) => s.ingest_seconds > 0 && !Number.isInteger(s.viewer_seconds))).toBe(true);
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number): string => {
      const local = manualClock();
      const emu = createEmulator({ seed, now: local.now, livestreams: 8 });
      emu.seed(20);
      const changes = [];
      for (let i = 0; i < 25; i++) {
        local.advance(1000);
        changes.push(...emu.step());
      }
      const state = emu.livestreams().map((s) => ({ ...s, sessions: emu.sessionsOf(s.id) }));
      return JSON.stringify({ changes, state, token: emu.token, account: emu.accountId });
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  it('starts with friendly demo livestreams, LIVE ones with a session', () => {
    const demo = createEmulator({ seed: 1, now: clock.now, livestreams: 8 });
    const streams = demo.livestreams();
    expect(streams).toHaveLength(8);
    expect(streams.every((s) => typeof s.name === 'string' && s.name.length > 3)).toBe(true);
    for (const stream of streams.filter((s) => s.status === 'LIVE')) {
      expect(demo.sessionsOf(stream.id)).toHaveLength(1);
    }
  });

  it('runs on a timer with startSimulation until stopped', async () => {
    emulator.seed(50, { status: 'INVOKED' });
    const changed = new Promise((resolve) => emulator.onStatusChange(resolve));
    emulator.startSimulation(5);
    await expect(changed).resolves.toMatchObject({ from: 'INVOKED' });
    emulator.stopSimulation();
  });
});

describe('raw HTTP', () => {
  it('answers unparseable HTTP with a JSON 400', async () => {
    const port = Number(new URL(emulator.url).port);
    const socket = connect(port, '127.0.0.1');
    socket.end('NOT HTTP AT ALL\r\n\r\n');
    let raw = '';
    for await (const chunk of socket) raw += String(chunk);
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('content-type: application/json');
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ success: false });
  });
});

describe('status lists from an index', () => {
  /** A small seeded generator of its own, so the data differs from the emulator's but replays exactly. */
  function testRng(seed: number): { int: (n: number) => number; pick: <T>(items: readonly T[]) => T } {
    let state = seed >>> 0;
    const int = (n: number): number => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return Math.floor((state / 4_294_967_296) * n);
    };
    return { int, pick: (items) => items[int(items.length)]! };
  }

  interface Known {
    id: string;
    createdMs: number;
    /** Creation order: breaks created_at ties, as the real list's order is total. */
    order: number;
  }

  /** What a scan of every stream answers: filter each one, sort, slice. Independent of any index. */
  function bruteForce(
    known: readonly Known[],
    query: { status?: string; start?: number; end?: number; exclude: boolean; asc: boolean },
    pageNo: number,
    perPage: number,
  ): { ids: string[]; total: number } {
    const matches = known
      .map((k) => ({ k, stream: emulator.getLivestream(k.id) }))
      .filter(({ k, stream }) => {
        if (stream === null) return false;
        if (query.status !== undefined && stream.status !== query.status) return false;
        if (query.start !== undefined && k.createdMs < query.start) return false;
        if (query.end !== undefined && k.createdMs > query.end) return false;
        return !(query.exclude && stream.meeting_id !== null);
      })
      .sort((a, b) => a.k.createdMs - b.k.createdMs || a.k.order - b.k.order);
    if (!query.asc) matches.reverse();
    const page = matches.slice((pageNo - 1) * perPage, pageNo * perPage);
    return { ids: page.map((m) => m.k.id), total: matches.length };
  }

  it('answers every filter, order and page exactly as a scan of every stream would', async () => {
    const rng = testRng(20260301);
    const known: Known[] = [];
    const remember = (streams: WireLivestream[]) => {
      for (const stream of streams) {
        known.push({ id: stream.id, createdMs: Date.parse(stream.created_at), order: known.length });
      }
    };
    const statuses = ['LIVE', 'IDLE', 'ERRORED', 'INVOKED', 'OFFLINE'] as const;
    // Streams created at random past times (ties included), bulk seeds, and the seed path for many.
    for (let round = 0; round < 6; round++) {
      remember(
        Array.from({ length: 120 }, () =>
          emulator.addLivestream({
            status: rng.pick(statuses),
            meeting_id: rng.int(3) === 0 ? MEETING_ID : null,
            created_at: new Date(T0 - rng.int(400) * 60_000).toISOString(),
          }),
        ),
      );
      remember(emulator.seed(150 + rng.int(100)));
      remember(emulator.seed(40, { status: 'IDLE' }));
      // seedLarge returns nothing: its streams are the ones not known yet, one second apart, oldest first.
      emulator.seedLarge(300, { status: 'INVOKED' });
      const knownIds = new Set(known.map((k) => k.id));
      const fresh = emulator.livestreams().filter((s) => !knownIds.has(s.id));
      remember(fresh.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)));
      expect(fresh).toHaveLength(300);
      // Status changes, removals and the simulation move streams between the lists.
      clock.advance(60_000);
      for (let i = 0; i < 200; i++) {
        const target = known[rng.int(known.length)]!;
        if (emulator.getLivestream(target.id) === null) continue;
        if (rng.int(10) === 0) emulator.removeLivestream(target.id);
        else emulator.setStatus(target.id, rng.pick(statuses));
      }
      emulator.step();
    }
    const everything = emulator.livestreams();
    expect(everything.length).toBeGreaterThan(3000);

    const times = known.map((k) => k.createdMs);
    for (let q = 0; q < 300; q++) {
      const query = {
        status: rng.int(5) === 0 ? undefined : rng.pick(['LIVE', 'IDLE', 'ERRORED', 'INVOKED']),
        start: rng.int(3) === 0 ? rng.pick(times) : undefined,
        end: rng.int(3) === 0 ? rng.pick(times) + rng.int(2) : undefined,
        exclude: rng.int(2) === 0,
        asc: rng.int(2) === 0,
      };
      if (query.start !== undefined && query.end !== undefined && query.start > query.end) {
        [query.start, query.end] = [query.end, query.start];
      }
      const perPage = 1 + rng.int(100);
      const pageNo = 1 + rng.int(4);
      const params = new URLSearchParams({ per_page: String(perPage), page_no: String(pageNo) });
      params.set('sort_order', query.asc ? 'ASC' : 'DSC');
      if (query.status !== undefined) params.set('status', query.status);
      if (query.start !== undefined) params.set('start_time', new Date(query.start).toISOString());
      if (query.end !== undefined) params.set('end_time', new Date(query.end).toISOString());
      if (query.exclude) params.set('exclude_meetings', 'true');
      const body = await list(`?${params}`);
      const expected = bruteForce(known, query, pageNo, perPage);
      expect({
        query: String(params),
        ids: body.data.map((l) => l.id),
        total: body.paging.total_count,
      }).toEqual({
        query: String(params),
        ...expected,
      });
    }
  });

  it('reads only the rows of the page it answers, however many streams there are', async () => {
    emulator.seedLarge(200_000, { status: 'IDLE' });
    const idle = emulator.livestreams({ status: 'IDLE', limit: 150 });
    expect(idle).toHaveLength(150);
    for (const stream of idle) emulator.setStatus(stream.id, 'LIVE');
    const read = async (query: string) => {
      const before = emulator.listRowsRead;
      const body = await list(query);
      return { rows: emulator.listRowsRead - before, body };
    };
    // A scan would read 200,000 rows for each of these.
    const first = await read('?status=LIVE&per_page=100');
    expect(first.rows).toBe(100);
    expect(first.body.paging.total_count).toBe(150);
    const second = await read('?status=LIVE&per_page=100&page_no=2&sort_order=ASC');
    expect(second.rows).toBe(50);
    expect((await read('?status=ERRORED&per_page=100')).rows).toBe(0);
    const withTime = await read(
      `?status=LIVE&exclude_meetings=true&start_time=${idle[10]!.created_at}&end_time=${idle[120]!.created_at}&per_page=100`,
    );
    expect(withTime.rows).toBe(withTime.body.data.length);
    expect(withTime.body.data.length).toBeGreaterThan(0);
    const everyStream = await read('?per_page=100&page_no=7');
    expect(everyStream.rows).toBe(100);
    expect(everyStream.body.paging.total_count).toBe(200_000);
  });
});

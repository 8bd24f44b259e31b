/** Validation before sending: a bad argument is `Invalid` and no request reaches the server. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRealtimeKitClient, type RealtimeKitClient } from '../../src/realtimekit/client.js';
import { RealtimeKitError } from '../../src/realtimekit/errors.js';
import type { ListQuery } from '../../src/realtimekit/types.js';
import {
  isIsoDateTime,
  isoInstant,
  isUuid,
  isValidId,
  utcIsoDateTime,
} from '../../src/realtimekit/validate.js';
import { type FakeHttpServer, startFakeHttpServer } from '../fakes/http-server.js';

let server: FakeHttpServer;
let client: RealtimeKitClient;

beforeAll(async () => {
  server = await startFakeHttpServer();
  // Anything that does get through is answered as a success, so a missing check shows as a request.
  server.route('GET', /.*/, { body: { success: true, data: { id: 'x', livestream: { id: 'x' } } } });
  server.route('POST', /.*/, { status: 201, body: { success: true, data: { id: 'x' } } });
  client = createRealtimeKitClient({
    baseUrl: `${server.url}/client/v4`,
    accountId: 'acct',
    appId: 'app',
    apiToken: 'validate-token-1234',
    timeoutMs: 1_000,
    retries: 0,
    retryDelayMs: () => 5,
  });
});
afterEach(() => {
  server.requests.length = 0;
});
afterAll(async () => {
  await server.close();
});

async function invalid(promise: Promise<unknown>): Promise<RealtimeKitError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealtimeKitError);
  expect((error as RealtimeKitError).kind).toBe('Invalid');
  expect((error as RealtimeKitError).status).toBeNull();
  expect(server.requests).toHaveLength(0);
  return error as RealtimeKitError;
}

const BAD_IDS = [
  '',
  '../x',
  '..',
  'a b',
  'a/b',
  'a?b=1',
  'a#b',
  '%2e%2e',
  '-leading-dash',
  'x'.repeat(129),
  'é',
];

describe('ids', () => {
  it.each(BAD_IDS)('a livestream id %j is refused unsent', async (id) => {
    await invalid(client.getActiveLivestreamSession(id));
  });

  it.each(BAD_IDS)('a session id %j is refused unsent', async (id) => {
    await invalid(client.getLivestreamSession(id));
  });

  it.each([
    '',
    'not-a-uuid',
    '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26',
    '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26eX',
    '../182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e',
    '182bd5e56e1a4fe4a799aa6d9a6ab26e',
  ])('a meeting id %j that is not a UUID is refused unsent', async (id) => {
    const error = await invalid(client.getMeetingActiveLivestream(id));
    expect(error.message).toContain('UUID');
  });

  it('good ids do get sent', async () => {
    await client.getActiveLivestreamSession('3fd739f4-3c41-456e-bfba-6ebd51e16d2d');
    await client.getLivestreamSession('sess_01-AB');
    await client.getMeetingActiveLivestream('182BD5E5-6E1A-4FE4-A799-AA6D9A6AB26E');
    expect(server.requests.map((r) => r.path.split('/realtime/kit/app/')[1])).toEqual([
      'livestreams/3fd739f4-3c41-456e-bfba-6ebd51e16d2d/active-livestream-session',
      'livestreams/sessions/sess_01-AB',
      'meetings/182BD5E5-6E1A-4FE4-A799-AA6D9A6AB26E/active-livestream',
    ]);
  });

  it('the predicates agree', () => {
    expect(isValidId('ls-1_A')).toBe(true);
    for (const id of BAD_IDS) expect(isValidId(id)).toBe(false);
    expect(isUuid('182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e')).toBe(true);
    expect(isUuid('182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26g')).toBe(false);
  });
});

describe('list filters', () => {
  it.each<[string, ListQuery]>([
    ['page 0', { pageNo: 0 }],
    ['page -1', { pageNo: -1 }],
    ['page 1.5', { pageNo: 1.5 }],
    ['page NaN', { pageNo: Number.NaN }],
    ['per_page 0', { perPage: 0 }],
    ['per_page 101', { perPage: 101 }],
    ['per_page 2.5', { perPage: 2.5 }],
    ['an unknown status', { status: 'OFFLINE' as never }],
    ['a status in lower case', { status: 'live' as never }],
    ['a start time that is not a date', { startTime: 'yesterday' }],
    ['an end time that is not a date', { endTime: '2024-13-01' }],
    ['a day that does not exist', { startTime: '2024-02-31' }],
    ['a time with a bad hour', { startTime: '2024-01-01T25:00:00Z' }],
    ['a bare number', { startTime: '1714557600' }],
    ['since after until', { startTime: '2024-05-02T00:00:00Z', endTime: '2024-05-01T00:00:00Z' }],
    // The instant sent would depend on the host's time zone; the command spec writes the zone (UTC).
    ['a time without a zone', { startTime: '2024-05-01T10:00' }],
    ['an end time without a zone', { endTime: '2024-05-01 23:59' }],
  ])('%s is refused unsent', async (_label, query) => {
    await invalid(client.listLivestreams(query));
  });

  it('the edges are accepted', async () => {
    await client.listLivestreams({ pageNo: 1, perPage: 1 });
    await client.listLivestreams({
      perPage: 100,
      startTime: '2024-05-01',
      endTime: '2024-05-01T23:59:59+02:00',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('utcIsoDateTime makes a zoneless time UTC and leaves the rest alone', () => {
    expect(utcIsoDateTime('2024-05-01T10:00')).toBe('2024-05-01T10:00Z');
    expect(utcIsoDateTime('2024-05-01 10:00:30')).toBe('2024-05-01T10:00:30Z');
    for (const same of ['2024-05-01', '2024-05-01T10:00Z', '2024-05-01T10:00:00+02:00'])
      expect(utcIsoDateTime(same)).toBe(same);
    expect(isoInstant('2024-05-01T10:00')).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it('isIsoDateTime takes dates and date-times, with or without zone', () => {
    for (const ok of [
      '2024-05-01',
      '2024-05-01T10:00',
      '2024-05-01T10:00:00Z',
      '2024-05-01T10:00:00.123+05:30',
    ])
      expect(isIsoDateTime(ok)).toBe(true);
    for (const bad of ['', '05/01/2024', '2024-5-1', 'now', '2024-05-01T10'])
      expect(isIsoDateTime(bad)).toBe(false);
  });
});

describe('create', () => {
  it('refuses a name over 200 characters or with control characters, unsent', async () => {
    await invalid(client.createLivestream({ name: 'x'.repeat(201) }));
    await invalid(client.createLivestream({ name: 'line\nbreak' }));
    await invalid(client.createLivestream({ name: 'bell\u0007' }));
  });

  it('sends a 200-character name', async () => {
    await client.createLivestream({ name: 'y'.repeat(200) });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ name: 'y'.repeat(200) });
  });
});

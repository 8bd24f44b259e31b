/**
 * Every way a call can fail, through the real client and a scripted server: the kind, the API's own
 * message, retries (counted on the server), and that the token shows up nowhere.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useScriptedApi } from './support.js';
import { createLogger } from '../../src/log.js';
import { type ApiErrorKind, RealtimeKitError } from '../../src/realtimekit/errors.js';
import { type ScriptedResponse, startFakeHttpServer } from '../fakes/http-server.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';

const TOKEN = 'cfut_Err0rT0kenNeverPrinted_9876543210';
const MEETING = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';

const api = useScriptedApi({ apiToken: TOKEN });
const client = api.client;

const okList = { body: { success: true, data: [{ id: 'ls-1', status: 'LIVE' }] } };
const cfError = (status: number, code: number, message: string, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: { success: false, errors: [{ code, message }], messages: [], result: null },
});
const dyteError = (status: number, message: string): ScriptedResponse => ({
  status,
  body: { success: false, error: { code: status, message } },
});

/** Runs the call, expects a RealtimeKitError, and checks the token is nowhere in it or in a log line. */
async function failure(promise: Promise<unknown>): Promise<RealtimeKitError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RealtimeKitError);
  const rtk = error as RealtimeKitError;
  expect(rtk.message).not.toContain(TOKEN);
  expect(inspect(rtk, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  expect(JSON.stringify(rtk)).not.toContain(TOKEN);
  // A logger that was not even told the token must not print it.
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(line) });
  log.error('call failed', { error: rtk, detail: rtk.message, api: rtk.apiMessage });
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain(TOKEN);
  expect(lines[0]).not.toContain('Bearer');
  return rtk;
}

const expectKind = (error: RealtimeKitError, kind: ApiErrorKind, status: number | null) => {
  expect(error.kind).toBe(kind);
  expect(error.status).toBe(status);
};

describe('HTTP error statuses', () => {
  it('401 is Unauthorized and not retried', async () => {
    api.server.enqueue(cfError(401, 10001, 'Unable to authenticate request'));
    const error = await failure(client().listLivestreams());
    expectKind(error, 'Unauthorized', 401);
    expect(error.apiMessage).toBe('Unable to authenticate request');
    expect(api.server.requests).toHaveLength(1);
  });

  it('403 code 10000 (the gateway on a wrong token) is Unauthorized', async () => {
    api.server.enqueue(cfError(403, 10000, 'Authentication error'));
    const error = await failure(client().listLivestreams());
    expectKind(error, 'Unauthorized', 403);
    expect(error.apiCode).toBe(10000);
    expect(error.apiMessage).toBe('Authentication error');
    expect(error.message).toContain('Authentication error');
    expect(api.server.requests).toHaveLength(1);
  });

  it('403 with another code is Forbidden', async () => {
    api.server.enqueue(cfError(403, 9109, 'Unauthorized to access requested resource'));
    const error = await failure(client().getLivestreamSession('s1'));
    expectKind(error, 'Forbidden', 403);
    expect(error.apiMessage).toBe('Unauthorized to access requested resource');
  });

  it('400 code 9106 (a malformed token) is Unauthorized', async () => {
    api.server.enqueue(cfError(400, 9106, 'Missing X-Auth-Key, X-Auth-Email or Authorization headers'));
    const error = await failure(client().listLivestreams());
    expectKind(error, 'Unauthorized', 400);
    expect(error.apiCode).toBe(9106);
  });

  it('404 in Dyte’s shape is NotFound carrying the API message', async () => {
    api.server.enqueue(dyteError(404, 'No active livestream found for the given meeting'));
    const error = await failure(client().getMeetingActiveLivestream(MEETING));
    expectKind(error, 'NotFound', 404);
    expect(error.apiMessage).toBe('No active livestream found for the given meeting');
    expect(error.apiCode).toBe(404);
    expect(error.message).toContain('No active livestream found for the given meeting');
    expect(api.server.requests).toHaveLength(1);
  });

  it('400 and 409 are Invalid with the API message; 400 code 7000 (unknown route) too', async () => {
    api.server.enqueue(
      dyteError(400, 'name must be a string'),
      dyteError(409, 'Livestream already running'),
      cfError(400, 7000, 'No route for that URI'),
      { status: 422, body: { message: 'Unprocessable' } },
    );
    const c = client();
    const e400 = await failure(c.createLivestream({ name: 'x' }));
    expectKind(e400, 'Invalid', 400);
    expect(e400.apiMessage).toBe('name must be a string');
    const e409 = await failure(c.createLivestream({ name: 'y' }));
    expectKind(e409, 'Invalid', 409);
    expect(e409.apiMessage).toBe('Livestream already running');
    const e7000 = await failure(c.listLivestreams());
    expectKind(e7000, 'Invalid', 400);
    expect(e7000.apiMessage).toBe('No route for that URI');
    const e422 = await failure(c.listLivestreams());
    expectKind(e422, 'Invalid', 422);
    expect(e422.apiMessage).toBe('Unprocessable');
    expect(api.server.requests).toHaveLength(4);
  });

  it('an error page that is not JSON still gets its kind from the status', async () => {
    api.server.enqueue({ status: 404, body: '<html>Not Found</html>' });
    const error = await failure(client().getLivestreamSession('nope'));
    expectKind(error, 'NotFound', 404);
    expect(error.apiMessage).toBeNull();
  });
});

describe('retries', () => {
  it('429 with retry-after is retried and then succeeds', async () => {
    api.server.enqueue(
      cfError(429, 971, 'Please wait and consider throttling your request speed', { 'retry-after': '0' }),
    );
    api.server.enqueue(okList);
    const page = await client().listLivestreams();
    expect(page.livestreams.map((l) => l.id)).toEqual(['ls-1']);
    expect(api.server.requests).toHaveLength(2);
  });

  it('429 on every attempt ends as RateLimited with retryAfterSeconds, after 1 + retries requests', async () => {
    const limited = cfError(429, 971, 'Please wait and consider throttling your request speed', {
      'retry-after': '0.01',
    });
    api.server.route('GET', /\/livestreams$/, limited);
    const error = await failure(client({ retries: 3 }).listLivestreams());
    expectKind(error, 'RateLimited', 429);
    expect(error.retryAfterSeconds).toBe(1); // rounded up to whole seconds
    expect(error.apiCode).toBe(971);
    expect(api.server.requests).toHaveLength(4);
  });

  it('a Retry-After longer than maxRetryAfterMs is not waited out: RateLimited at once', async () => {
    api.server.route('GET', /\/livestreams$/, cfError(429, 971, 'slow down', { 'retry-after': '300' }));
    // Waiting out 300 s would time the test out; one request says it did not retry either.
    const error = await failure(client({ maxRetryAfterMs: 1_000 }).listLivestreams());
    expectKind(error, 'RateLimited', 429);
    expect(error.retryAfterSeconds).toBe(300);
    expect(api.server.requests).toHaveLength(1);
  });

  it('a 503 with a Retry-After longer than maxRetryAfterMs fails at once as ServerError', async () => {
    api.server.route('GET', /\/livestreams$/, { status: 503, headers: { 'retry-after': '120' }, body: '' });
    const error = await failure(client().listLivestreams());
    expectKind(error, 'ServerError', 503);
    expect(error.retryAfterSeconds).toBe(120);
    expect(api.server.requests).toHaveLength(1);
  });

  it('5xx is retried and then succeeds', async () => {
    api.server.enqueue(
      { status: 500, body: 'oops' },
      { status: 502, body: '<html>Bad gateway</html>' },
      okList,
    );
    const page = await client().listLivestreams();
    expect(page.livestreams).toHaveLength(1);
    expect(api.server.requests).toHaveLength(3);
  });

  it('5xx on every attempt ends as ServerError', async () => {
    api.server.route('GET', /\/sessions\//, dyteError(500, 'Internal Server Error'));
    const error = await failure(client({ retries: 2 }).getLivestreamSession('s1'));
    expectKind(error, 'ServerError', 500);
    expect(error.apiMessage).toBe('Internal Server Error');
    expect(api.server.requests).toHaveLength(3);
  });

  it('a create answered 500 is never repeated', async () => {
    api.server.route('POST', /\/livestreams$/, dyteError(500, 'Internal Server Error'));
    const error = await failure(client({ retries: 3 }).createLivestream({ name: 'once' }));
    expectKind(error, 'ServerError', 500);
    expect(api.server.requests).toHaveLength(1);
    expect(api.server.requests[0]?.method).toBe('POST');
  });

  it('a create answered 429 is not repeated either', async () => {
    api.server.route('POST', /\/livestreams$/, cfError(429, 971, 'slow down', { 'retry-after': '0' }));
    const error = await failure(client().createLivestream());
    expectKind(error, 'RateLimited', 429);
    expect(api.server.requests).toHaveLength(1);
  });

  it('no answer within timeoutMs is Timeout, after the retries', async () => {
    api.server.route('GET', /active-livestream-session$/, {
      delayMs: 1_000,
      body: { success: true, data: {} },
    });
    const error = await failure(client({ timeoutMs: 50, retries: 2 }).getActiveLivestreamSession('ls'));
    expectKind(error, 'Timeout', null);
    expect(api.server.requests).toHaveLength(3);
  });

  it('a timeout is retried and the retry can succeed', async () => {
    api.server.enqueue({ delayMs: 1_000, ...okList }, okList);
    const page = await client({ timeoutMs: 100 }).listLivestreams();
    expect(page.livestreams).toHaveLength(1);
    expect(api.server.requests).toHaveLength(2);
  });

  it('a body that stops arriving after the headers is a Timeout, not a hang', async () => {
    api.server.route('GET', /\/livestreams$/, { ...okList, destroy: 'hang-body' });
    const error = await failure(client({ timeoutMs: 100, retries: 0 }).listLivestreams());
    expectKind(error, 'Timeout', 200);
  });

  it('a dropped connection is retried and the retry can succeed', async () => {
    api.server.enqueue({ destroy: 'before-response' }, okList);
    const page = await client().listLivestreams();
    expect(page.livestreams).toHaveLength(1);
    expect(api.server.requests).toHaveLength(2);
  });

  it('a refused connection is Network', async () => {
    const closed = await startFakeHttpServer();
    const deadUrl = closed.url;
    await closed.close();
    const error = await failure(
      createRealtimeKitClient({
        baseUrl: `${deadUrl}/client/v4`,
        accountId: 'acct',
        appId: 'app',
        apiToken: TOKEN,
        timeoutMs: 1_000,
        retries: 1,
        retryDelayMs: () => 5,
      }).listLivestreams(),
    );
    expectKind(error, 'Network', null);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(deadUrl);
  });
});

describe('bodies we cannot use', () => {
  /** A valid list answer of about `mb` megabytes (one livestream with a very long name). */
  const hugeList = (mb: number) =>
    JSON.stringify({
      success: true,
      data: [{ id: 'ls-1', status: 'LIVE', name: 'x'.repeat(mb * 1024 * 1024) }],
    });

  it('an answer larger than the cap (8 MB) is Malformed, whether Content-Length says so or not', async () => {
    const body = hugeList(12);
    api.server.enqueue({ body }, { body, chunkBytes: 64 * 1024 });
    for (let i = 0; i < 2; i++) {
      const error = await failure(client({ retries: 0 }).listLivestreams());
      expectKind(error, 'Malformed', 200);
      expect(error.message).toMatch(/larger than 8 MB/);
    }
  });

  it('the cap is a setting; an answer under it is read as usual', async () => {
    api.server.enqueue(
      { body: hugeList(1), chunkBytes: 16 * 1024 },
      { body: hugeList(1), chunkBytes: 16 * 1024 },
    );
    expectKind(await failure(client({ maxBodyBytes: 512 * 1024 }).listLivestreams()), 'Malformed', 200);
    expect((await client().listLivestreams()).livestreams[0]?.id).toBe('ls-1');
  });

  it('a 200 that is not JSON is Malformed', async () => {
    api.server.enqueue({ body: '<html>Welcome to nginx</html>' });
    const error = await failure(client().listLivestreams());
    expectKind(error, 'Malformed', 200);
  });

  it('an empty 200 body is Malformed', async () => {
    api.server.enqueue({ body: '' });
    expectKind(await failure(client().getLivestreamSession('s')), 'Malformed', 200);
  });

  it('truncated JSON is Malformed', async () => {
    api.server.enqueue({ body: '{"success":true,"data":[{"id":"a","status":"LI' });
    expectKind(await failure(client().listLivestreams()), 'Malformed', 200);
  });

  it('a body cut off by a dropped connection is Malformed', async () => {
    api.server.enqueue({ ...okList, destroy: 'mid-body' });
    expectKind(await failure(client().listLivestreams()), 'Malformed', 200);
    expect(api.server.requests).toHaveLength(1);
  });

  it('JSON that is not an envelope, or has no data, is Malformed', async () => {
    api.server.enqueue({ body: [1, 2, 3] }, { body: { success: true } }, { body: 'null' });
    const c = client();
    expect((await failure(c.listLivestreams())).kind).toBe('Malformed');
    expect((await failure(c.listLivestreams())).kind).toBe('Malformed');
    expect((await failure(c.listLivestreams())).kind).toBe('Malformed');
  });

  it('a single livestream without an id, or a list of items without ids, is Malformed', async () => {
    api.server.enqueue(
      { body: { success: true, data: { name: 'no id' } } },
      { body: { success: true, data: [{ name: 'no id' }] } },
      { body: { success: true, data: { livestream: null, session: null } } },
    );
    const c = client();
    expect((await failure(c.getMeetingActiveLivestream(MEETING))).kind).toBe('Malformed');
    expect((await failure(c.listLivestreams())).kind).toBe('Malformed');
    expect((await failure(c.getActiveLivestreamSession('ls'))).kind).toBe('Malformed');
  });

  it('success:false with a 200 is a refusal carrying the message, never a success', async () => {
    api.server.enqueue(
      { body: { success: false, errors: [{ code: 1234, message: 'livestream is disabled' }], result: null } },
      { body: { success: false, error: { code: 'E1', message: 'bad filter' } } },
      { body: { success: false } },
    );
    const c = client();
    const a = await failure(c.listLivestreams());
    expectKind(a, 'Invalid', 200);
    expect(a.apiMessage).toBe('livestream is disabled');
    expect(a.apiCode).toBe(1234);
    expect(a.message).toContain('livestream is disabled');
    const b = await failure(c.listLivestreams());
    expect(b.apiMessage).toBe('bad filter');
    expect(b.apiCode).toBe('E1');
    const d = await failure(c.listLivestreams());
    expect(d.apiMessage).toBeNull();
    expect(d.message).toContain('no reason given');
    expect(api.server.requests).toHaveLength(3);
  });
});

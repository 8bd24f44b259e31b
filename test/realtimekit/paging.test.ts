/** `allLivestreamPages`: the paging iterator, through the real client and a scripted api.server. */
import { describe, expect, it } from 'vitest';
import { useScriptedApi } from './support.js';
import { RealtimeKitError } from '../../src/realtimekit/errors.js';
import type { Livestream } from '../../src/realtimekit/types.js';
import type { RecordedRequest } from '../fakes/http-server.js';

const api = useScriptedApi({ apiToken: 'paging-token-1234', retries: 1 });
const client = api.client;

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `ls-${from + i}`);

/** Answers GET /livestreams from `pages[page_no - 1]` (an empty list past the end). */
function servePages(pages: string[][], paging: (pageNo: number) => Record<string, unknown> | undefined) {
  api.server.route('GET', /\/livestreams$/, (request: RecordedRequest) => {
    const pageNo = Number(request.query.get('page_no') ?? '1');
    const page = pages[pageNo - 1] ?? [];
    const extra = paging(pageNo);
    return {
      body: {
        success: true,
        data: page.map((id) => ({ id, status: 'LIVE' })),
        ...(extra ? { paging: extra } : {}),
      },
    };
  });
}

async function collect(iterator: AsyncGenerator<Livestream[], void, undefined>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of iterator) out.push(...page.map((livestream) => livestream.id));
  return out;
}

const pageNumbers = () => api.server.requests.map((r) => r.query.get('page_no'));

describe('allLivestreamPages', () => {
  it('follows pages until a short page reaches total_count, asking for page_no 1, 2, 3 with the same filters', async () => {
    servePages([ids(1, 2), ids(3, 2), ids(5, 1), ids(7, 2)], () => ({ total_count: 5 }));
    const got = await collect(client().allLivestreamPages({ perPage: 2, status: 'LIVE', sortOrder: 'ASC' }));
    expect(got).toEqual(ids(1, 5));
    expect(pageNumbers()).toEqual(['1', '2', '3']);
    for (const request of api.server.requests) {
      expect(request.query.get('per_page')).toBe('2');
      expect(request.query.get('status')).toBe('LIVE');
      expect(request.query.get('sort_order')).toBe('ASC');
    }
  });

  it('reads on past a total_count lower than what the pages hold, while pages are full', async () => {
    servePages([ids(1, 2), ids(3, 2), ids(5, 2), ids(7, 1)], () => ({ total_count: 3 }));
    expect(await collect(client().allLivestreamPages({ perPage: 2 }))).toEqual(ids(1, 7));
    expect(pageNumbers()).toEqual(['1', '2', '3', '4']);
  });

  it('a short page does not end the walk while total_count says more exist (a server with a smaller page size)', async () => {
    servePages([ids(1, 2), ids(3, 2), ids(5, 1)], () => ({ total_count: 5 }));
    expect(await collect(client().allLivestreamPages({ perPage: 3 }))).toEqual(ids(1, 5));
    expect(pageNumbers()).toEqual(['1', '2', '3']);
  });

  it('a list item without an id still counts towards a full page', async () => {
    api.server.route('GET', /\/livestreams$/, (request) => {
      const pageNo = Number(request.query.get('page_no'));
      const items = pageNo === 1 ? [{ id: 'a' }, { name: 'no id' }] : pageNo === 2 ? [{ id: 'b' }] : [];
      return { body: { success: true, data: items } };
    });
    expect(await collect(client().allLivestreamPages({ perPage: 2 }))).toEqual(['a', 'b']);
    expect(pageNumbers()).toEqual(['1', '2']);
  });

  it('asks for the largest page (100) when no per_page is given', async () => {
    servePages([ids(1, 3)], () => ({ total_count: 3 }));
    expect(await collect(client().allLivestreamPages())).toEqual(ids(1, 3));
    expect(api.server.requests[0]?.query.get('per_page')).toBe('100');
    expect(api.server.requests).toHaveLength(1);
  });

  it('stops on a short page when there is no paging at all', async () => {
    servePages([ids(1, 3), ids(4, 3), ids(7, 1), ids(8, 3)], () => undefined);
    expect(await collect(client().allLivestreamPages({ perPage: 3 }))).toEqual(ids(1, 7));
    expect(pageNumbers()).toEqual(['1', '2', '3']);
  });

  it('stops on an empty page', async () => {
    servePages([ids(1, 2), ids(3, 2)], () => ({ total_count: 99 }));
    expect(await collect(client().allLivestreamPages({ perPage: 2 }))).toEqual(ids(1, 4));
    expect(pageNumbers()).toEqual(['1', '2', '3']);
  });

  it('stops when the server ignores page_no and repeats the same page', async () => {
    api.server.route('GET', /\/livestreams$/, {
      body: { success: true, data: ids(1, 2).map((id) => ({ id })), paging: { total_count: 50 } },
    });
    expect(await collect(client().allLivestreamPages({ perPage: 2 }))).toEqual(ids(1, 2));
    expect(pageNumbers()).toEqual(['1', '2']);
  });

  it('yields an id repeated across pages once', async () => {
    servePages(
      [
        ['a', 'b', 'c'],
        ['c', 'd', 'e'],
        ['e', 'f'],
      ],
      () => ({ total_count: 6 }),
    );
    expect(await collect(client().allLivestreamPages({ perPage: 3 }))).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
    ]);
    expect(pageNumbers()).toEqual(['1', '2', '3']);
  });

  it('reads paging from inside data too', async () => {
    api.server.route('GET', /\/livestreams$/, (request) => {
      const pageNo = Number(request.query.get('page_no'));
      return {
        body: {
          success: true,
          data: {
            livestreams: ids(pageNo * 10, pageNo === 1 ? 2 : pageNo === 2 ? 1 : 0).map((id) => ({ id })),
            paging: { total_count: 4 },
          },
        },
      };
    });
    // Page 2 is short, but total_count (read from inside data) says one more exists: page 3 is asked.
    expect(await collect(client().allLivestreamPages({ perPage: 2 }))).toEqual([
      ...ids(10, 2),
      ...ids(20, 1),
    ]);
    expect(api.server.requests).toHaveLength(3);
  });

  it('handles the official one-object shape as a single short page', async () => {
    api.server.route('GET', /\/livestreams$/, {
      body: { success: true, data: { id: 'solo', status: 'LIVE', paging: { total_count: 1 } } },
    });
    expect(await collect(client().allLivestreamPages())).toEqual(['solo']);
    expect(api.server.requests).toHaveLength(1);
  });

  it('leaves out ids already in a shared `seen` set and adds the ones it yields', async () => {
    servePages([ids(1, 2), ids(3, 1)], () => ({ total_count: 3 }));
    const seen = new Set(['ls-2']);
    expect(await collect(client().allLivestreamPages({ perPage: 2 }, seen))).toEqual(['ls-1', 'ls-3']);
    expect([...seen].sort()).toEqual(['ls-1', 'ls-2', 'ls-3']);
    // A second walk sharing the set (a server that ignores the status filter) yields nothing new, and
    // stops after one page instead of walking them all again.
    const before = api.server.requests.length;
    expect(await collect(client().allLivestreamPages({ perPage: 2, status: 'ERRORED' }, seen))).toEqual([]);
    expect(api.server.requests.length - before).toBe(1);
  });

  it('propagates an error on page 3 as a RealtimeKitError, after yielding pages 1 and 2', async () => {
    api.server.route('GET', /\/livestreams$/, (request) => {
      const pageNo = Number(request.query.get('page_no'));
      if (pageNo === 3)
        return {
          status: 403,
          body: { success: false, errors: [{ code: 10000, message: 'Authentication error' }] },
        };
      return { body: { success: true, data: ids(pageNo * 10, 2).map((id) => ({ id })) } };
    });
    const got: string[] = [];
    let caught: unknown;
    try {
      for await (const page of client().allLivestreamPages({ perPage: 2 }))
        got.push(...page.map((l) => l.id));
    } catch (error) {
      caught = error;
    }
    expect(got).toEqual([...ids(10, 2), ...ids(20, 2)]);
    expect(caught).toBeInstanceOf(RealtimeKitError);
    expect((caught as RealtimeKitError).kind).toBe('Unauthorized');
    expect(pageNumbers()).toEqual(['1', '2', '3']);
  });

  it('propagates a malformed page 3 and a retried-out 5xx on page 2', async () => {
    servePages([ids(1, 2), ids(3, 2)], () => ({ total_count: 10 }));
    api.server.enqueue(
      { body: { success: true, data: ids(1, 2).map((id) => ({ id })) } },
      { body: '<html>' },
    );
    await expect(collect(client().allLivestreamPages({ perPage: 2 }))).rejects.toMatchObject({
      kind: 'Malformed',
    });
    api.server.reset();
    api.server.route('GET', /\/livestreams$/, (request) =>
      request.query.get('page_no') === '1'
        ? { body: { success: true, data: ids(1, 2).map((id) => ({ id })) } }
        : { status: 500, body: '' },
    );
    await expect(collect(client().allLivestreamPages({ perPage: 2 }))).rejects.toMatchObject({
      name: 'RealtimeKitError',
      kind: 'ServerError',
    });
    expect(pageNumbers()).toEqual(['1', '2', '2']);
  });

  it('refuses an invalid query before asking anything', async () => {
    await expect(collect(client().allLivestreamPages({ perPage: 101 }))).rejects.toMatchObject({
      kind: 'Invalid',
    });
    expect(api.server.requests).toHaveLength(0);
  });
});

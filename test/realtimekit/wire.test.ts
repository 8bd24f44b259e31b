/** The wire parser on its own: every shape and type drift in docs/emulator.md, without HTTP in between. */
import { describe, expect, it } from 'vitest';
import { kindForStatus, RealtimeKitError } from '../../src/realtimekit/errors.js';
import {
  bool,
  envelopeData,
  errorDetails,
  num,
  parseActiveSessionBody,
  parseLivestreamBody,
  parseLivestreamPage,
  parseSessionBody,
  status,
  text,
  time,
} from '../../src/realtimekit/wire.js';

function malformed(run: () => unknown): RealtimeKitError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RealtimeKitError);
    expect((error as RealtimeKitError).kind).toBe('Malformed');
    return error as RealtimeKitError;
  }
  throw new Error('expected a Malformed error');
}

describe('scalar readers', () => {
  it.each([
    ['a', 'a'],
    ['', null],
    ['   ', null],
    [12, '12'],
    [Number.NaN, null],
    [null, null],
    [undefined, null],
    [true, null],
    [{}, null],
  ])('text(%j) is %j', (input, expected) => {
    expect(text(input)).toBe(expected);
  });

  it.each([
    [0, 0],
    [116.116, 116.116],
    ['120', 120],
    ['116.116', 116.116],
    [' 7 ', 7],
    ['', null],
    ['viewer_seconds', null],
    [Number.POSITIVE_INFINITY, null],
    [null, null],
    [false, null],
  ])('num(%j) is %j', (input, expected) => {
    expect(num(input)).toBe(expected);
  });

  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['false', false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    ['disabled', null],
    [null, null],
    [undefined, null],
  ])('bool(%j) is %j', (input, expected) => {
    expect(bool(input)).toBe(expected);
  });

  it.each([
    ['2023-07-15T11:48:34.753Z', '2023-07-15T11:48:34.753Z'],
    ['2019-12-27T18:11:19.117Z', '2019-12-27T18:11:19.117Z'],
    ['started_time', null],
    ['updated_at', null],
    ['', null],
    [null, null],
    ['2026-11-22T10:00:00+05:30', '2026-11-22T10:00:00+05:30'],
    ['2026-11-22T10:00:00.123456Z', '2026-11-22T10:00:00.123456Z'],
    ['2026-11-22 10:00:00', '2026-11-22 10:00:00'], // not the API's shape, but a date all the same
    ['2026-13-01T00:00:00Z', null],
    ['2026-11-22T23:60:00Z', null],
  ])('time(%j) is %j', (input, expected) => {
    expect(time(input)).toBe(expected);
  });

  it('accepts a timestamp exactly when Date.parse does (the fast pattern never disagrees)', () => {
    const parts = {
      month: ['00', '01', '02', '12', '13'],
      day: ['00', '01', '29', '31', '32'],
      hour: ['00', '23', '24'],
      minute: ['00', '59', '60'],
      rest: ['Z', ':00Z', ':59.5Z', ':60Z', '+01:00', '-23:59', '+24:00', ''],
    };
    let checked = 0;
    for (const month of parts.month)
      for (const day of parts.day)
        for (const hour of parts.hour)
          for (const minute of parts.minute)
            for (const rest of parts.rest) {
              const raw = `2026-${month}-${day}T${hour}:${minute}${rest}`;
              expect(time(raw) !== null, raw).toBe(!Number.isNaN(Date.parse(raw)));
              checked++;
            }
    expect(checked).toBe(5 * 5 * 3 * 3 * 8);
  });

  it.each([
    ['LIVE', 'LIVE', 'LIVE'],
    ['IDLE', 'IDLE', 'IDLE'],
    ['ERRORED', 'ERRORED', 'ERRORED'],
    ['INVOKED', 'INVOKED', 'INVOKED'],
    ['OFFLINE', 'OFFLINE', 'OFFLINE'],
    ['live', 'LIVE', 'live'],
    ['WEIRD', 'UNKNOWN', 'WEIRD'],
    [null, 'UNKNOWN', null],
    ['', 'UNKNOWN', null],
  ])('status(%j) is %s (raw %j)', (input, expected, raw) => {
    expect(status(input)).toEqual({ status: expected, rawStatus: raw });
  });
});

describe('envelopes', () => {
  it('takes data, or a Cloudflare-style result when there is no data', () => {
    expect(envelopeData({ success: true, data: [1] })).toEqual([1]);
    expect(envelopeData({ success: true, result: { id: 'r' } })).toEqual({ id: 'r' });
    expect(envelopeData({ success: true, data: null, result: { id: 'r' } })).toBeNull();
  });

  it('is Malformed for non-objects and objects without data', () => {
    malformed(() => envelopeData([]));
    malformed(() => envelopeData('x'));
    malformed(() => envelopeData(null));
    malformed(() => envelopeData({ success: true }));
  });
});

describe('list pages', () => {
  const ls = (id: string, extra: Record<string, unknown> = {}) => ({ id, status: 'LIVE', ...extra });

  it('reads an array with top-level paging', () => {
    const page = parseLivestreamPage({
      success: true,
      data: [ls('a'), ls('b')],
      paging: { total_count: 10, start_offset: 1, end_offset: 2 },
    });
    expect(page.livestreams.map((l) => l.id)).toEqual(['a', 'b']);
    expect(page.paging).toEqual({ totalCount: 10, startOffset: 1, endOffset: 2 });
  });

  it('reads one object with paging inside as a one-element list', () => {
    const page = parseLivestreamPage({
      success: true,
      data: { ...ls('only'), paging: { total_count: '1', start_offset: '1', end_offset: '1' } },
    });
    expect(page.livestreams.map((l) => l.id)).toEqual(['only']);
    expect(page.paging).toEqual({ totalCount: 1, startOffset: 1, endOffset: 1 });
  });

  it('reads data.livestreams, and any other array held by data', () => {
    expect(parseLivestreamPage({ data: { livestreams: [ls('x')] } }).livestreams.map((l) => l.id)).toEqual([
      'x',
    ]);
    expect(parseLivestreamPage({ data: { items: [ls('y')] } }).livestreams.map((l) => l.id)).toEqual(['y']);
  });

  it('prefers data.livestreams over another array in data', () => {
    const page = parseLivestreamPage({ data: { tags: [{ id: 'tag' }], livestreams: [ls('real')] } });
    expect(page.livestreams.map((l) => l.id)).toEqual(['real']);
  });

  it('reads one livestream that holds an array (its sessions) as that livestream, not its sessions', () => {
    const page = parseLivestreamPage({
      data: { ...ls('parent'), sessions: [{ id: 'session-1' }, { id: 'session-2' }] },
    });
    expect(page.livestreams.map((l) => l.id)).toEqual(['parent']);
  });

  it('reads empty lists, and no list with a total of 0, as no livestreams', () => {
    for (const data of [[], { livestreams: [] }, { paging: { total_count: 0 } }]) {
      expect(parseLivestreamPage({ success: true, data }).livestreams).toEqual([]);
    }
    expect(
      parseLivestreamPage({ success: true, data: null, paging: { total_count: 0 } }).livestreams,
    ).toEqual([]);
  });

  it('no list and no zero total is Malformed: "nothing is live" would announce false endings', () => {
    for (const data of [null, {}, { paging: { total_count: 3 } }])
      malformed(() => parseLivestreamPage({ success: true, data }));
  });

  it('skips items without an id, but a list with no usable item at all is Malformed', () => {
    expect(parseLivestreamPage({ data: [ls('a'), { name: 'x' }, null, 'junk'] }).livestreams).toHaveLength(1);
    malformed(() => parseLivestreamPage({ data: [{ name: 'x' }] }));
    malformed(() => parseLivestreamPage({ data: 'a string' }));
    malformed(() => parseLivestreamPage({ data: 42 }));
  });

  it('reads paging sent as strings and ignores paging that is not an object', () => {
    expect(parseLivestreamPage({ data: [], paging: { total_count: '25' } }).paging.totalCount).toBe(25);
    expect(parseLivestreamPage({ data: [], paging: 'x' }).paging).toEqual({
      totalCount: null,
      startOffset: null,
      endOffset: null,
    });
  });
});

describe('single bodies', () => {
  it('reads a livestream directly, wrapped in data.livestream, or as a one-element list', () => {
    expect(parseLivestreamBody({ data: { id: 'a' } }).id).toBe('a');
    expect(parseLivestreamBody({ data: { livestream: { id: 'b' } } }).id).toBe('b');
    expect(parseLivestreamBody({ data: [{ id: 'c' }] }).id).toBe('c');
    malformed(() => parseLivestreamBody({ data: [] }));
    malformed(() => parseLivestreamBody({ data: { name: 'no id' } }));
  });

  it('reads the active-session page example: every number and boolean as a placeholder string', () => {
    const active = parseActiveSessionBody({
      data: {
        livestream: {
          id: 'id',
          created_at: '2019-12-27T18:11:19.117Z',
          disabled: 'disabled',
          ingest_server: 'ingest_server',
          meeting_id: 'meeting_id',
          name: 'name',
          playback_url: 'playback_url',
          status: 'LIVE',
          stream_key: 'stream_key',
          updated_at: '2019-12-27T18:11:19.117Z',
        },
        session: {
          id: 'id',
          created_at: '2019-12-27T18:11:19.117Z',
          err_message: 'err_message',
          ingest_seconds: 'ingest_seconds',
          invoked_time: '2019-12-27T18:11:19.117Z',
          livestream_id: 'livestream_id',
          started_time: '2019-12-27T18:11:19.117Z',
          stopped_time: '2019-12-27T18:11:19.117Z',
          updated_at: '2019-12-27T18:11:19.117Z',
          viewer_seconds: 'viewer_seconds',
        },
      },
      success: true,
    });
    expect(active.livestream).toMatchObject({ id: 'id', status: 'LIVE', disabled: null });
    expect(active.session).toMatchObject({
      id: 'id',
      ingestSeconds: null,
      viewerSeconds: null,
      invokedTime: '2019-12-27T18:11:19.117Z',
    });
  });

  it('reads an active session with only one half, and is Malformed with neither', () => {
    expect(parseActiveSessionBody({ data: { session: { id: 's' } } })).toMatchObject({
      livestream: null,
      session: { id: 's' },
    });
    malformed(() => parseActiveSessionBody({ data: {} }));
    malformed(() => parseActiveSessionBody({ data: [] }));
  });

  it('reads a session directly or wrapped in data.session', () => {
    expect(parseSessionBody({ data: { id: 's1', viewer_seconds: '116.116' } }).viewerSeconds).toBe(116.116);
    expect(parseSessionBody({ data: { session: { id: 's2' } } }).id).toBe('s2');
    malformed(() => parseSessionBody({ data: { session: null } }));
  });
});

describe('error bodies', () => {
  it('reads the message and code from every shape', () => {
    expect(
      errorDetails({ success: false, errors: [{ code: 10000, message: 'Authentication error' }] }),
    ).toEqual({
      message: 'Authentication error',
      code: 10000,
    });
    expect(errorDetails({ success: false, error: { code: 404, message: 'Not found' } })).toEqual({
      message: 'Not found',
      code: 404,
    });
    expect(errorDetails({ error: 'plain words' })).toEqual({ message: 'plain words', code: null });
    expect(errorDetails({ message: 'top level' })).toEqual({ message: 'top level', code: null });
    expect(errorDetails({ errors: [], message: 'fallback' })).toEqual({ message: 'fallback', code: null });
    expect(errorDetails('<html>')).toEqual({ message: null, code: null });
    expect(errorDetails(null)).toEqual({ message: null, code: null });
  });

  it.each([
    [401, null, 'Unauthorized'],
    [403, 10000, 'Unauthorized'],
    [403, '10000', 'Unauthorized'],
    [403, 9109, 'Forbidden'],
    [403, null, 'Forbidden'],
    [400, 9106, 'Unauthorized'],
    [400, 7000, 'Invalid'],
    [404, 404, 'NotFound'],
    [408, null, 'Timeout'],
    [409, null, 'Invalid'],
    [422, null, 'Invalid'],
    [429, 971, 'RateLimited'],
    [500, null, 'ServerError'],
    [503, null, 'ServerError'],
  ] as const)('HTTP %i code %j is %s', (httpStatus, code, kind) => {
    expect(kindForStatus(httpStatus, code)).toBe(kind);
  });
});

describe('livestream names are data', () => {
  const named = (name: unknown) => parseLivestreamBody({ data: { id: 'ls-1', name } }).name;

  it.each([
    ['bidi overrides and isolates', 'Town \u202Eevil\u202C hall \u2066x\u2069', 'Town evil hall x'],
    ['marks and the Arabic letter mark', '\u200Eleft\u200F \u061Cright', 'left right'],
    ['zero-width characters', 'Z\u200Bero\u200C-\u200Dwidth\u2060\uFEFF', 'Zero-width'],
    ['line breaks and tabs, as spaces', 'Show\n*Stream key:* fake\r\n\tend', 'Show *Stream key:* fake end'],
    ['ANSI escape codes and C1 controls, as spaces', 'Red\u001b[31m\u0085name\u009b', 'Red [31m name'],
  ])('%s are taken out of a name', (_, raw, shown) => {
    expect(named(raw)).toBe(shown);
  });

  it('a name of nothing but invisible characters is no name', () => {
    expect(named('\u200B\u202E\uFEFF')).toBeNull();
  });

  it('names in a list are cleaned the same way', () => {
    const page = parseLivestreamPage({ data: [{ id: 'a', name: 'A\u202E\nB' }] });
    expect(page.livestreams[0]?.name).toBe('A B');
  });
});

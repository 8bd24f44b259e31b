/**
 * The client's analytics calls against a scripted server: the path and query on the wire, and every
 * shape of answer read tolerantly (numbers as strings, days out of order or twice, a null date, a
 * list inside an object), while a figure that cannot be read is an error, never a silent zero.
 */
import { describe, expect, it } from 'vitest';
import { isRealtimeKitError } from '../../src/realtimekit/errors.js';
import { useScriptedApi } from '../realtimekit/support.js';

const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const APP = 'app_0123-abc';
const PREFIX = `/client/v4/accounts/${ACCOUNT}/realtime/kit/${APP}`;
const api = useScriptedApi({ accountId: ACCOUNT, appId: APP });
const RANGE = { startMs: Date.parse('2026-11-01T00:00:00Z'), endMs: Date.parse('2026-11-30T13:45:30.500Z') };

const ok = (data: unknown) => ({ body: { success: true, data } });

describe('analytics requests', () => {
  it('GET overall and daywise with start_time and end_time in whole Unix seconds', async () => {
    api.server.enqueue(ok({ count: 0, total_ingest_seconds: 0, total_viewer_seconds: 0 }), ok([]));
    await api.client().getLivestreamTotals(RANGE);
    await api.client().getLivestreamDays(RANGE);
    expect(api.server.requests.map((r) => [r.method, r.path, Object.fromEntries(r.query)])).toEqual([
      [
        'GET',
        `${PREFIX}/analytics/livestreams/overall`,
        { start_time: '1793491200', end_time: '1796046331' },
      ],
      [
        'GET',
        `${PREFIX}/analytics/livestreams/daywise`,
        { start_time: '1793491200', end_time: '1796046331' },
      ],
    ]);
  });

  it('refuses to send a range that ends before it starts', async () => {
    const error = await api
      .client()
      .getLivestreamDays({ startMs: RANGE.endMs, endMs: RANGE.startMs })
      .catch((e: unknown) => e);
    expect(isRealtimeKitError(error) && error.kind).toBe('Invalid');
    expect(api.server.requests).toHaveLength(0);
  });
});

describe('reading the totals', () => {
  it('takes numbers sent as strings', async () => {
    api.server.enqueue(ok({ count: '3', total_ingest_seconds: '5400.5', total_viewer_seconds: 72000 }));
    expect(await api.client().getLivestreamTotals(RANGE)).toEqual({
      count: 3,
      ingestSeconds: 5400.5,
      viewerSeconds: 72000,
    });
  });

  it('reads an absent figure or an empty answer as nothing streamed', async () => {
    api.server.enqueue(ok({ count: 2 }), ok(null), ok({}));
    expect(await api.client().getLivestreamTotals(RANGE)).toEqual({
      count: 2,
      ingestSeconds: 0,
      viewerSeconds: 0,
    });
    for (let i = 0; i < 2; i++)
      expect(await api.client().getLivestreamTotals(RANGE)).toEqual({
        count: 0,
        ingestSeconds: 0,
        viewerSeconds: 0,
      });
  });

  it('fails as Malformed on a figure it cannot read, or a list where the totals should be', async () => {
    api.server.enqueue(ok({ count: 'many', total_ingest_seconds: 1 }), ok('nothing'));
    for (let i = 0; i < 2; i++) {
      const error = await api
        .client()
        .getLivestreamTotals(RANGE)
        .catch((e: unknown) => e);
      expect(isRealtimeKitError(error) && error.kind).toBe('Malformed');
    }
  });
});

describe('reading the days', () => {
  it('sorts them, merges a day sent twice, takes a date-time as its UTC day and leaves out a day without a date', async () => {
    api.server.enqueue(
      ok([
        { date: '2026-11-03', count: 1, total_ingest_seconds: '60', total_viewer_seconds: 600 },
        { date: null, count: 9, total_ingest_seconds: 9, total_viewer_seconds: 9 },
        { date: '2026-11-01T00:00:00.000Z', count: 2, total_ingest_seconds: 120, total_viewer_seconds: 30 },
        { date: '2026-11-03', count: 1, total_ingest_seconds: 40, total_viewer_seconds: 0 },
        { date: 'soon', count: 1, total_ingest_seconds: 1, total_viewer_seconds: 1 },
        { date: '2026-11-02' },
      ]),
    );
    expect(await api.client().getLivestreamDays(RANGE)).toEqual([
      { date: '2026-11-01', count: 2, ingestSeconds: 120, viewerSeconds: 30 },
      { date: '2026-11-02', count: 0, ingestSeconds: 0, viewerSeconds: 0 },
      { date: '2026-11-03', count: 2, ingestSeconds: 100, viewerSeconds: 600 },
    ]);
  });

  it('finds the list inside an object, and reads no list as no days', async () => {
    api.server.enqueue(
      ok({ days: [{ date: '2026-11-05', count: 1, total_ingest_seconds: 5, total_viewer_seconds: 6 }] }),
      ok(null),
    );
    expect(await api.client().getLivestreamDays(RANGE)).toEqual([
      { date: '2026-11-05', count: 1, ingestSeconds: 5, viewerSeconds: 6 },
    ]);
    expect(await api.client().getLivestreamDays(RANGE)).toEqual([]);
  });

  it('fails as Malformed on a day whose figures cannot be read', async () => {
    api.server.enqueue(ok([{ date: '2026-11-05', count: 1, total_ingest_seconds: 'lots' }]));
    const error = await api
      .client()
      .getLivestreamDays(RANGE)
      .catch((e: unknown) => e);
    expect(isRealtimeKitError(error) && error.kind).toBe('Malformed');
  });
});

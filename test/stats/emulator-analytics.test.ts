/**
 * The emulator's livestream analytics over HTTP: figures summed from its livestreams' sessions, by the
 * UTC day each began, for a time range given either way the API has taken it (ISO strings in older
 * docs, Unix seconds in the newer SDK). And the real client reading them, sending Unix seconds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';

const T0 = Date.parse('2026-03-05T12:00:00.000Z');
const HOUR = 3_600_000;

let emulator: Emulator;
let current = T0;

beforeEach(async () => {
  current = T0;
  emulator = createEmulator({ seed: 11, now: () => new Date(current) });
  await emulator.start();
});
afterEach(() => emulator.stop());

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(emulator.appUrl + path, {
    headers: { authorization: `Bearer ${emulator.token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const unix = (iso: string) => String(Date.parse(iso) / 1000);

/** Two livestreams with sessions on 1 and 3 March, and one long before. */
function seedHistory(): void {
  const a = emulator.addLivestream({ name: 'A', status: 'IDLE', created_at: '2026-01-01T00:00:00.000Z' });
  const b = emulator.addLivestream({ name: 'B', status: 'IDLE', created_at: '2026-01-01T00:00:00.000Z' });
  const session = (id: string, startedAt: string, hours: number, viewers: number) =>
    emulator.addPastSession(id, {
      startedAt,
      stoppedAt: new Date(Date.parse(startedAt) + hours * HOUR).toISOString(),
      ingestSeconds: hours * 3600,
      viewerSeconds: hours * 3600 * viewers,
    });
  session(a.id, '2026-03-01T09:00:00.000Z', 1, 10);
  session(b.id, '2026-03-01T23:30:00.000Z', 2, 5);
  session(a.id, '2026-03-03T18:00:00.000Z', 0.5, 4);
  session(b.id, '2026-02-10T10:00:00.000Z', 3, 100);
}

const MARCH = [
  {
    date: '2026-03-01',
    count: 2,
    total_ingest_seconds: 3 * 3600,
    total_viewer_seconds: 10 * 3600 + 10 * 3600,
  },
  { date: '2026-03-03', count: 1, total_ingest_seconds: 1800, total_viewer_seconds: 1800 * 4 },
];

describe('the emulator answers analytics from its sessions', () => {
  it('day by day, by the UTC day each session began, for an ISO range and the same range in Unix seconds', async () => {
    seedHistory();
    const iso = await get(
      'analytics/livestreams/daywise?start_time=2026-02-25T00:00:00Z&end_time=2026-03-05T00:00:00Z',
    );
    expect(iso.status).toBe(200);
    expect(iso.body).toEqual({ success: true, data: MARCH });
    const seconds = await get(
      `analytics/livestreams/daywise?start_time=${unix('2026-02-25T00:00:00Z')}&end_time=${unix('2026-03-05T00:00:00Z')}`,
    );
    expect(seconds.body).toEqual(iso.body);
  });

  it('overall: the livestreams that streamed in the range, and the seconds of their sessions', async () => {
    seedHistory();
    const expected = {
      success: true,
      data: { count: 2, total_ingest_seconds: 3 * 3600 + 1800, total_viewer_seconds: 20 * 3600 + 7200 },
    };
    expect(
      (await get('analytics/livestreams/overall?start_time=2026-02-25&end_time=2026-03-05')).body,
    ).toEqual(expected);
    expect(
      (
        await get(
          `analytics/livestreams/overall?start_time=${unix('2026-02-25T00:00:00Z')}&end_time=${unix('2026-03-05T00:00:00Z')}`,
        )
      ).body,
    ).toEqual(expected);
    // Only 1 March, to the second: the session at 23:30 began inside it.
    const day = await get(
      `analytics/livestreams/overall?start_time=${unix('2026-03-01T00:00:00Z')}&end_time=${unix('2026-03-01T23:59:59Z')}`,
    );
    expect(day.body.data).toEqual({
      count: 2,
      total_ingest_seconds: 3 * 3600,
      total_viewer_seconds: 20 * 3600,
    });
  });

  it('without a range, everything; an empty range is zeros and no days', async () => {
    seedHistory();
    const all = await get('analytics/livestreams/overall');
    expect(all.body.data).toEqual({
      count: 2,
      total_ingest_seconds: 6.5 * 3600,
      total_viewer_seconds: 20 * 3600 + 7200 + 300 * 3600,
    });
    const nothing = `start_time=${unix('2025-01-01T00:00:00Z')}&end_time=${unix('2025-02-01T00:00:00Z')}`;
    expect((await get(`analytics/livestreams/overall?${nothing}`)).body.data).toEqual({
      count: 0,
      total_ingest_seconds: 0,
      total_viewer_seconds: 0,
    });
    expect((await get(`analytics/livestreams/daywise?${nothing}`)).body.data).toEqual([]);
  });

  it('refuses a time that is neither form, a day that does not exist, and a range that ends before it starts', async () => {
    for (const query of [
      'start_time=yesterday',
      'end_time=2026-02-31',
      'start_time=12e5',
      `start_time=${unix('2026-03-02T00:00:00Z')}&end_time=${unix('2026-03-01T00:00:00Z')}`,
      'start_time=2026-03-02&end_time=2026-03-01',
    ]) {
      const answer = await get(`analytics/livestreams/daywise?${query}`);
      expect(answer.status, query).toBe(400);
      // RealtimeKit's own error, naming the parameter (not the gateway's "No route for that URI").
      expect((answer.body.error as { message?: string } | undefined)?.message, query).toMatch(
        /^(start_time|end_time) /,
      );
    }
  });

  it('counts what the simulation streams: a LIVE livestream’s growing session is in today’s figures', async () => {
    const live = emulator.addLivestream({ name: 'Live now', status: 'LIVE' });
    for (let i = 0; i < 4; i++) {
      current += 5_000;
      emulator.step();
    }
    const [session] = emulator.sessionsOf(live.id);
    expect(session!.ingest_seconds).toBeGreaterThan(0);
    const today = await get(
      `analytics/livestreams/daywise?start_time=${unix('2026-03-05T00:00:00Z')}&end_time=${current / 1000}`,
    );
    expect(today.body.data).toEqual([
      {
        date: '2026-03-05',
        count: 1,
        total_ingest_seconds: session!.ingest_seconds,
        total_viewer_seconds: session!.viewer_seconds,
      },
    ]);
  });

  it('gives the demo weeks of history when asked (historyDays): livestreams made before their sessions, which ended before now', async () => {
    const demo = createEmulator({ seed: 3, now: () => new Date(T0), livestreams: 8, historyDays: 30 });
    await demo.start();
    try {
      const res = await fetch(
        `${demo.appUrl}analytics/livestreams/daywise?start_time=${unix('2026-02-01T00:00:00Z')}`,
        { headers: { authorization: `Bearer ${demo.token}` } },
      );
      const days = (
        (await res.json()) as { data: { date: string; count: number; total_ingest_seconds: number }[] }
      ).data;
      expect(days.length).toBeGreaterThan(15);
      expect(days.every((day) => day.date >= '2026-02-03' && day.date <= '2026-03-05')).toBe(true);
      expect(days.every((day) => day.count > 0 && day.total_ingest_seconds > 0)).toBe(true);
      // Sessions of livestreams made before them, closed before now: a history that holds together.
      const streams = demo.livestreams();
      const past = streams
        .filter((stream) => stream.status === 'IDLE')
        .flatMap((stream) =>
          demo
            .sessionsOf(stream.id)
            .filter((s) => Date.parse(s.started_time ?? '') < T0 - 24 * HOUR)
            .map((session) => ({ stream, session })),
        );
      expect(past.length).toBeGreaterThan(15);
      for (const { stream, session } of past) {
        expect(session.started_time! >= stream.created_at).toBe(true);
        expect(session.stopped_time !== null && Date.parse(session.stopped_time) <= T0).toBe(true);
      }
      // The demo's own livestreams are as they were: the LIVE ones with their one open session.
      for (const stream of streams.filter((s) => s.status === 'LIVE'))
        expect(demo.sessionsOf(stream.id)).toHaveLength(1);
    } finally {
      await demo.stop();
    }
  });
});

describe('the client reads them', () => {
  it('sends the range as Unix seconds and gets the same figures', async () => {
    seedHistory();
    const client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
    const range = { startMs: Date.parse('2026-02-25T00:00:00Z'), endMs: Date.parse('2026-03-05T00:00:00Z') };
    expect(await client.getLivestreamTotals(range)).toEqual({
      count: 2,
      ingestSeconds: 3 * 3600 + 1800,
      viewerSeconds: 20 * 3600 + 7200,
    });
    expect(await client.getLivestreamDays(range)).toEqual(
      MARCH.map((day) => ({
        date: day.date,
        count: day.count,
        ingestSeconds: day.total_ingest_seconds,
        viewerSeconds: day.total_viewer_seconds,
      })),
    );
    const sent = emulator.requests.filter((r) => r.path.startsWith('analytics/livestreams/'));
    expect(sent.map((r) => r.path).sort()).toEqual([
      'analytics/livestreams/daywise',
      'analytics/livestreams/overall',
    ]);
    for (const request of sent) {
      expect(request.query).toEqual({
        start_time: unix('2026-02-25T00:00:00Z'),
        end_time: unix('2026-03-05T00:00:00Z'),
      });
    }
  });
});

/**
 * `stats [days]` end to end in the core: text -> parser -> core -> handler -> the real client -> the
 * emulator's analytics over HTTP -> a Reply with the chart. Time is a ManualClock shared by the emulator
 * and the core, so "the last 7 days" is exact.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { parseCommandText } from '../../src/commands/parse.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { type Reply, replyToPlainText } from '../../src/reply.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/stats/chart.js';
import { readPngHeader } from './png.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;
let clock: ManualClock;
let emulator: Emulator;
let core: Core;
const ana: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U0ANA' };
const ask = (text: string) => core.replyToText(text, ana);
const field = (reply: Reply, label: string) => reply.fields.find((f) => f.label === label)?.value;

beforeAll(async () => {
  clock = new ManualClock(NOW);
  emulator = createEmulator({ seed: 23, now: () => new Date(clock.now()) });
  await emulator.start();
  core = createCore({
    client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
    log: silentLogger,
    clock,
  });
  const stream = emulator.addLivestream({
    name: 'Town hall',
    status: 'IDLE',
    created_at: '2026-09-01T00:00:00Z',
  });
  const other = emulator.addLivestream({
    name: 'Office hours',
    status: 'IDLE',
    created_at: '2026-09-01T00:00:00Z',
  });
  const session = (id: string, startedAt: string, hours: number, viewers: number) =>
    emulator.addPastSession(id, {
      startedAt,
      stoppedAt: new Date(Date.parse(startedAt) + hours * HOUR).toISOString(),
      ingestSeconds: hours * 3600,
      viewerSeconds: hours * 3600 * viewers,
    });
  // Within the last 7 days (16 to 22 November): 2 livestreams, 3 sessions.
  session(stream.id, '2026-11-18T10:00:00Z', 2, 30); // 60 viewer hours
  session(other.id, '2026-11-18T15:00:00Z', 1, 10); // 10
  session(stream.id, '2026-11-21T09:00:00Z', 1.5, 20); // 30
  // Within the last 30 days only.
  session(other.id, '2026-11-02T09:00:00Z', 3, 100); // 300
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.resetRequests());

describe('stats [days]', () => {
  it('answers the last 7 days with a chart, the totals in its title and in words', async () => {
    const reply = await ask('stats 7');
    expect(reply.title).toBe('Livestreams, the last 7 days: 100 viewer hours, 4.5 ingest hours');
    expect(reply.visibility).toBe('requester');
    expect(field(reply, 'Viewer time')).toBe('100 hours');
    expect(field(reply, 'Ingest time')).toBe('4.5 hours');
    expect(field(reply, 'Livestreams')).toBe('2');
    expect(field(reply, 'Sessions')).toBe('3');
    expect(field(reply, 'Busiest day')).toBe('2026-11-18: 70 viewer hours');
    expect(reply.text).toBe('16 Nov – 22 Nov 2026, by UTC day.');
    const image = reply.image!;
    expect(readPngHeader(image.png)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(image.filename).toBe('livestream-stats-2026-11-16-to-2026-11-22.png');
    expect(image.alt).toContain('100 viewer hours and 4.5 ingest hours');
    expect(image.data).toEqual({
      from: '2026-11-16',
      to: '2026-11-22',
      series: [
        { label: 'Viewer hours', values: [0, 0, 70, 0, 0, 30, 0] },
        { label: 'Ingest hours', values: [0, 0, 3, 0, 0, 1.5, 0] },
      ],
    });
    // Both endpoints, for the same range: from the first day's midnight to now, in Unix seconds.
    const range = {
      start_time: String(Date.parse('2026-11-16T00:00:00Z') / 1000),
      end_time: String(NOW / 1000),
    };
    expect(emulator.requests.map((r) => [r.path, r.query]).sort()).toEqual([
      ['analytics/livestreams/daywise', range],
      ['analytics/livestreams/overall', range],
    ]);
  });

  it('looks back 30 days by default', async () => {
    const reply = await ask('stats');
    expect(reply.title).toBe('Livestreams, the last 30 days: 400 viewer hours, 7.5 ingest hours');
    expect(reply.image?.data?.series[0]?.values).toHaveLength(30);
    expect(reply.image?.data?.from).toBe('2026-10-24');
  });

  it('says an empty period is empty instead of drawing an empty chart', async () => {
    const later = Date.parse('2027-03-01T08:00:00Z') - NOW;
    clock.stepWall(later);
    try {
      const reply = await ask('stats 14');
      expect(reply.title).toBe('No livestream activity in the last 14 days');
      expect(reply.image).toBeUndefined();
      expect(replyToPlainText(reply)).toContain('Nothing was streamed from 16 Feb – 1 Mar 2027 (UTC days)');
      expect(replyToPlainText(reply)).toContain('`stats` looks up to 90 days back.');
    } finally {
      clock.stepWall(-later);
    }
  });

  it('takes 1 to 90 days, and says so otherwise', () => {
    expect(parseCommandText('stats')).toEqual({ ok: true, command: { name: 'stats', days: 30 } });
    expect(parseCommandText('stats 1')).toEqual({ ok: true, command: { name: 'stats', days: 1 } });
    expect(parseCommandText('stats 90')).toEqual({ ok: true, command: { name: 'stats', days: 90 } });
    for (const text of ['stats 0', 'stats 91', 'stats -3', 'stats 2.5', 'stats week']) {
      const parsed = parseCommandText(text);
      expect(parsed.ok, text).toBe(false);
    }
  });

  it('tells the person what a bad number of days is', async () => {
    for (const text of ['stats 0', 'stats 91', 'stats week']) {
      const reply = await ask(text);
      expect(reply.tone, text).toBe('error');
      expect(replyToPlainText(reply), text).toMatch(/days needs a whole number from 1 to 90/);
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it('answers an API failure in words, with no chart', async () => {
    emulator.injectFault({ status: 503, times: 1, path: 'analytics/livestreams/daywise' });
    const reply = await ask('stats 7');
    expect(reply.tone).toBe('error');
    expect(replyToPlainText(reply)).toContain(
      'RealtimeKit is having trouble (HTTP 503). Try again in a minute.',
    );
    expect(reply.image).toBeUndefined();
  });
});

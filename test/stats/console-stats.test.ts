/**
 * `stats` in the terminal: no image there, so the chart's numbers become a compact sparkline per
 * series under the totals, a character a day (or a few days a character past 45 days), within 80
 * columns.
 */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { sparkline } from '../../adapters/console/sparkline.js';
import { reply } from '../../src/reply.js';

function statsLike(viewer: number[], ingest: number[]) {
  return reply({
    title: 'Livestreams, the last 7 days: 100 viewer hours, 4.5 ingest hours',
    text: '16 Nov – 22 Nov 2026, by UTC day.',
    fields: [
      { label: 'Viewer time', value: '100 hours' },
      { label: 'Ingest time', value: '4.5 hours' },
    ],
    image: {
      png: new Uint8Array(),
      filename: 'livestream-stats.png',
      alt: 'A chart',
      width: 1200,
      height: 600,
      data: {
        from: '2026-11-16',
        to: '2026-11-22',
        series: [
          { label: 'Viewer hours', values: viewer },
          { label: 'Ingest hours', values: ingest },
        ],
      },
    },
  });
}

describe('the terminal’s stats', () => {
  it('draws each series as a sparkline under the totals', () => {
    const text = renderForTerminal(statsLike([0, 0, 70, 0, 0, 30, 0], [0, 0, 3, 0, 0, 1.5, 0]), {
      colour: false,
      width: 80,
    });
    expect(text.split('\n')).toEqual([
      'Livestreams, the last 7 days: 100 viewer hours, 4.5 ingest hours',
      '16 Nov – 22 Nov 2026, by UTC day.',
      '  Viewer hours  ··█··▄·  peak 70',
      '  Ingest hours  ··█··▄·  peak 3',
      '  2026-11-16 to 2026-11-22, a character a day',
      '  Viewer time: 100 hours',
      '  Ingest time: 4.5 hours',
    ]);
  });

  it('a tiny value still shows, and zero is a dot', () => {
    expect(sparkline([0, 0.01, 1, 8])).toBe('·▁▁█');
  });

  it('fits 90 days in 45 characters, two days a character', () => {
    const days = Array.from({ length: 90 }, (_, i) => (i % 10 === 0 ? 10 : 1));
    const text = renderForTerminal(statsLike(days, days), { colour: false, width: 80 });
    const line = text.split('\n').find((l) => l.startsWith('  Viewer hours'))!;
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^ {2}Viewer hours {2}[·▁-█]{45} {2}peak 11$/);
    expect(text).toContain('a character every 2 days');
  });
});

/**
 * The stats chart as a person gets it: a real PNG of the expected size, opaque, with bars where the
 * data is (read back from the decoded pixels, not trusted from the SVG), the ingest line over them,
 * text drawn with the font shipped in node_modules (no system font), the same bytes on every run, and
 * a palette with enough contrast to read on a dark or a light chat theme.
 */
import { describe, expect, it } from 'vitest';
import {
  CHART_HEIGHT,
  CHART_PALETTE,
  CHART_WIDTH,
  type ChartInput,
  chartSvg,
  layoutChart,
  renderChart,
} from '../../src/stats/chart.js';
import { colourDistance, decodePng, readPngHeader, rgbOf } from './png.js';

/** Two weeks: nothing on most days, a peak on day 5, half of it on day 9, ingest peaking on day 9. */
const INPUT: ChartInput = {
  title: 'Livestreams, last 14 days: 90 viewer hours, 7.5 ingest hours',
  subtitle: '1 Nov – 14 Nov 2026, by UTC day',
  days: Array.from({ length: 14 }, (_, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    viewerHours: i === 5 ? 60 : i === 9 ? 30 : 0,
    ingestHours: i === 5 ? 2.5 : i === 9 ? 5 : 0,
  })),
};

const BACKGROUND = rgbOf(CHART_PALETTE.background);

describe('the chart image', () => {
  it('is a valid PNG of the chart’s size, opaque, the same bytes every time', async () => {
    const first = await renderChart(INPUT);
    expect(readPngHeader(first.png)).toEqual({
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
      bitDepth: 8,
      colourType: 6,
      interlace: 0,
    });
    expect({ width: first.width, height: first.height }).toEqual({
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
    });
    const image = decodePng(first.png);
    for (let i = 3; i < image.pixels.length; i += 4)
      if (image.pixels[i] !== 255) throw new Error('transparent pixel');
    expect(Buffer.from((await renderChart(INPUT)).png).equals(Buffer.from(first.png))).toBe(true);
  });

  it('shows the bars: a day with viewers is bar-coloured up to its height, a day without is background', async () => {
    const layout = layoutChart(INPUT);
    const image = decodePng((await renderChart(INPUT)).png);
    const peak = layout.bars[5]!;
    const half = layout.bars[9]!;
    expect(peak.height).toBeGreaterThan(200);
    expect(half.height).toBeCloseTo(peak.height / 2, 0);
    expect(layout.bars[2]).toBeNull();
    const inside = (bar: NonNullable<(typeof layout.bars)[number]>) =>
      image.at(bar.x + bar.width / 2, bar.y + bar.height - 4);
    expect(colourDistance(inside(peak), rgbOf(CHART_PALETTE.bars))).toBeLessThan(12);
    expect(colourDistance(inside(half), rgbOf(CHART_PALETTE.bars))).toBeLessThan(12);
    expect(colourDistance(inside(peak), BACKGROUND)).toBeGreaterThan(60);
    // Halfway up the peak in an empty day's slot, and above the half bar's top: the background.
    const emptySlotX = layout.slotCentres[2]!;
    expect(colourDistance(image.at(emptySlotX, peak.y + peak.height / 2), BACKGROUND)).toBeLessThan(12);
    expect(colourDistance(image.at(half.x + half.width / 2, half.y - 20), BACKGROUND)).toBeLessThan(40);
  });

  it('draws the ingest line through its points', async () => {
    const layout = layoutChart(INPUT);
    const image = decodePng((await renderChart(INPUT)).png);
    const line = rgbOf(CHART_PALETTE.line);
    for (const day of [0, 5, 9, 13]) {
      const point = layout.points[day]!;
      let nearest = Number.POSITIVE_INFINITY;
      for (let dx = -3; dx <= 3; dx++)
        for (let dy = -3; dy <= 3; dy++)
          nearest = Math.min(nearest, colourDistance(image.at(point.x + dx, point.y + dy), line));
      expect(nearest, `day ${day}`).toBeLessThan(20);
    }
  });

  it('writes its text with the shipped font: the title band is not empty', async () => {
    const image = decodePng((await renderChart(INPUT)).png);
    const band = layoutChart(INPUT).title;
    let inked = 0;
    for (let y = band.y; y < band.y + band.height; y++)
      for (let x = band.x; x < band.x + band.width; x++)
        if (colourDistance(image.at(x, y), BACKGROUND) > 80) inked++;
    // Hundreds of glyph pixels: a missing font would draw none.
    expect(inked).toBeGreaterThan(1500);
  });

  it('labels both axes and the days, and puts the totals in the title', () => {
    const svg = chartSvg(INPUT);
    for (const text of ['Viewer hours', 'Ingest hours', 'Day (UTC)', INPUT.title, '1 Nov – 14 Nov 2026'])
      expect(svg).toContain(text);
    expect(svg).toContain('>Nov 1<');
    expect(svg).toContain('>Nov 14<');
  });

  it('escapes text it is given', () => {
    const svg = chartSvg({ ...INPUT, title: 'a <b> & "c"' });
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).not.toContain('<b>');
  });
});

/** WCAG 2 contrast ratio of two sRGB colours. */
function contrast(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = rgbOf(hex).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('the palette', () => {
  it('reads on its own opaque background, whatever the chat theme around it', () => {
    const { background, text, muted, bars, line, grid, border } = CHART_PALETTE;
    expect(contrast(text, background)).toBeGreaterThanOrEqual(7);
    expect(contrast(muted, background)).toBeGreaterThanOrEqual(4.5);
    // Graphics (WCAG 1.4.11): at least 3:1 against what they sit on.
    expect(contrast(bars, background)).toBeGreaterThanOrEqual(3);
    expect(contrast(line, background)).toBeGreaterThanOrEqual(3);
    expect(contrast(line, bars)).toBeGreaterThanOrEqual(1.5);
    // Gridlines stay quiet.
    expect(contrast(grid, background)).toBeLessThan(2);
    // A card apart from the page around it: dark on a light theme (Slack and Discord, #ffffff); its
    // lighter border on a dark one (Slack #1a1d21, Discord #313338).
    expect(contrast(background, '#ffffff')).toBeGreaterThanOrEqual(3);
    expect(contrast(border, '#1a1d21')).toBeGreaterThanOrEqual(1.5);
    expect(contrast(border, '#313338')).toBeGreaterThanOrEqual(1.3);
  });
});

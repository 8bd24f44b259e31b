/**
 * The stats chart: daily viewer hours as bars (left axis), daily ingest hours as a line (right axis),
 * the totals in the title, drawn as an SVG we write ourselves and rendered to PNG by resvg.
 *
 * One opaque dark card for every chat theme: on a light page it stands out as a card, on a dark page its
 * lighter border sets it apart, and inside it every colour is chosen for contrast against the card
 * (text at least 7:1, bars and line at least 3:1; test/stats/chart.test.ts checks). The card is the
 * manifest's background colour (#1f2937).
 */
import { CHART_FONT_FAMILY, type RenderedPng, svgToPng } from './render-png.js';

export const CHART_WIDTH = 1200;
export const CHART_HEIGHT = 600;

export const CHART_PALETTE = {
  background: '#1f2937',
  border: '#4b5563',
  text: '#f3f4f6',
  muted: '#9ca3af',
  grid: '#374151',
  bars: '#60a5fa',
  line: '#fbbf24',
} as const;

export interface ChartDay {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  viewerHours: number;
  ingestHours: number;
}

export interface ChartInput {
  /** With the totals: "Livestreams, last 30 days: 1,234 viewer hours, 56.7 ingest hours". */
  title: string;
  /** The period, in words. */
  subtitle: string;
  /** Oldest first, one per day, days without activity included (as zeros). */
  days: readonly ChartDay[];
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything goes: the SVG is drawn from it, and tests read the pixels where it says. */
export interface ChartLayout {
  title: Rect;
  plot: Rect;
  /** Each day's bar; null for a day without viewers. */
  bars: (Rect | null)[];
  /** The middle of each day's slot. */
  slotCentres: number[];
  /** Each day's point of the ingest line. */
  points: { x: number; y: number }[];
  viewerAxis: Scale;
  ingestAxis: Scale;
  /** Indexes of the days with a label under them. */
  labelled: number[];
}

/** An axis from 0 to `max` in `TICKS` equal steps of `step`. */
export interface Scale {
  max: number;
  step: number;
}

const TICKS = 4;
const MARGIN = { left: 104, right: 104, top: 140, bottom: 86 } as const;
const TITLE_SIZE = 26;
const TITLE_MAX_WIDTH = CHART_WIDTH - 64;
/** The most day labels under the axis; the rest are left out evenly. */
const MAX_DAY_LABELS = 10;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** The smallest nice step (1, 2, 2.5 or 5 times a power of ten) that fits `max` in TICKS steps. */
export function niceScale(max: number): Scale {
  if (!(max > 0)) return { max: TICKS, step: 1 };
  const raw = max / TICKS;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * power;
  return { max: step * TICKS, step };
}

export function layoutChart(input: ChartInput): ChartLayout {
  const plot: Rect = {
    x: MARGIN.left,
    y: MARGIN.top,
    width: CHART_WIDTH - MARGIN.left - MARGIN.right,
    height: CHART_HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const count = Math.max(1, input.days.length);
  const slot = plot.width / count;
  // Narrow enough to read as days, however few there are.
  const barWidth = Math.min(64, Math.max(1, slot * 0.72));
  const viewerAxis = niceScale(Math.max(0, ...input.days.map((d) => d.viewerHours)));
  const ingestAxis = niceScale(Math.max(0, ...input.days.map((d) => d.ingestHours)));
  const bottom = plot.y + plot.height;
  const slotCentres = input.days.map((_, i) => plot.x + slot * (i + 0.5));
  const bars = input.days.map((day, i): Rect | null => {
    if (!(day.viewerHours > 0)) return null;
    // A day with any viewers shows at least a sliver.
    const height = Math.max(2, (day.viewerHours / viewerAxis.max) * plot.height);
    return { x: slotCentres[i]! - barWidth / 2, y: bottom - height, width: barWidth, height };
  });
  const points = input.days.map((day, i) => ({
    x: slotCentres[i]!,
    y: bottom - (Math.max(0, day.ingestHours) / ingestAxis.max) * plot.height,
  }));
  return {
    title: { x: 32, y: 22, width: TITLE_MAX_WIDTH, height: 36 },
    plot,
    bars,
    slotCentres,
    points,
    viewerAxis,
    ingestAxis,
    labelled: labelledDays(input.days.length),
  };
}

/** Every k-th day from the first, and the last (today) always; one too close to the last is dropped. */
function labelledDays(count: number): number[] {
  if (count === 0) return [];
  const every = Math.max(1, Math.ceil((count - 1) / (MAX_DAY_LABELS - 1)));
  const last = count - 1;
  const picked: number[] = [];
  for (let i = 0; i < last; i += every) if (last - i >= every * 0.6 || i === 0) picked.push(i);
  if (picked.at(-1) !== last) picked.push(last);
  return picked;
}

/** `Nov 3` for `2026-11-03`. */
export function dayLabel(date: string): string {
  const [, month, day] = date.split('-').map(Number);
  return `${MONTHS[(month ?? 1) - 1] ?? ''} ${day ?? ''}`;
}

/** An axis value: as many decimals as its step needs (`2.5`, `0.25`), thousands grouped. */
function tickText(value: number, step: number): string {
  const decimals = Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9) + (step % 1 === 0 ? 0 : 1)));
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: decimals });
}

/** Text for an SVG text node or attribute. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(
  content: string,
  at: { x: number; y: number },
  style: { size: number; fill: string; anchor?: 'start' | 'middle' | 'end'; weight?: 600; rotate?: number },
): string {
  const transform = style.rotate ? ` transform="rotate(${style.rotate} ${at.x} ${at.y})"` : '';
  return (
    `<text x="${at.x}" y="${at.y}" font-size="${style.size}" fill="${style.fill}"` +
    ` text-anchor="${style.anchor ?? 'start'}"${style.weight ? ` font-weight="${style.weight}"` : ''}${transform}>` +
    `${escapeXml(content)}</text>`
  );
}

const round = (value: number) => Math.round(value * 100) / 100;

export function chartSvg(input: ChartInput): string {
  const layout = layoutChart(input);
  const { plot, viewerAxis, ingestAxis } = layout;
  const p = CHART_PALETTE;
  const bottom = plot.y + plot.height;
  const parts: string[] = [];
  parts.push(
    `<rect width="${CHART_WIDTH}" height="${CHART_HEIGHT}" fill="${p.background}"/>`,
    `<rect x="1" y="1" width="${CHART_WIDTH - 2}" height="${CHART_HEIGHT - 2}" fill="none" stroke="${p.border}" stroke-width="2"/>`,
  );
  // A long title (large totals) is set smaller rather than cut: about 0.56 em per character in Inter.
  const titleSize = Math.min(TITLE_SIZE, Math.floor(TITLE_MAX_WIDTH / (0.56 * input.title.length)));
  parts.push(
    text(input.title, { x: 32, y: 50 }, { size: titleSize, fill: p.text, weight: 600 }),
    text(input.subtitle, { x: 32, y: 80 }, { size: 16, fill: p.muted }),
  );
  // Legend: what the bars and the line are, and which axis each reads on.
  const legendY = 112;
  parts.push(
    `<rect x="${plot.x}" y="${legendY - 12}" width="14" height="14" fill="${p.bars}"/>`,
    text('Viewer hours (bars, left axis)', { x: plot.x + 22, y: legendY }, { size: 15, fill: p.text }),
    `<line x1="${plot.x + 300}" y1="${legendY - 5}" x2="${plot.x + 324}" y2="${legendY - 5}" stroke="${p.line}" stroke-width="3"/>`,
    `<circle cx="${plot.x + 312}" cy="${legendY - 5}" r="4" fill="${p.line}"/>`,
    text('Ingest hours (line, right axis)', { x: plot.x + 332, y: legendY }, { size: 15, fill: p.text }),
  );
  // Gridlines and both axes' ticks, at the same heights (each axis has TICKS steps).
  for (let tick = 0; tick <= TICKS; tick++) {
    const y = round(bottom - (tick / TICKS) * plot.height);
    parts.push(
      `<line x1="${plot.x}" y1="${y}" x2="${plot.x + plot.width}" y2="${y}" stroke="${tick === 0 ? p.muted : p.grid}" stroke-width="1"/>`,
      text(
        tickText(tick * viewerAxis.step, viewerAxis.step),
        { x: plot.x - 10, y: y + 5 },
        {
          size: 14,
          fill: p.bars,
          anchor: 'end',
        },
      ),
      text(
        tickText(tick * ingestAxis.step, ingestAxis.step),
        { x: plot.x + plot.width + 10, y: y + 5 },
        {
          size: 14,
          fill: p.line,
        },
      ),
    );
  }
  const middle = plot.y + plot.height / 2;
  parts.push(
    text('Viewer hours', { x: 30, y: middle }, { size: 15, fill: p.bars, anchor: 'middle', rotate: -90 }),
    text(
      'Ingest hours',
      { x: CHART_WIDTH - 30, y: middle },
      { size: 15, fill: p.line, anchor: 'middle', rotate: 90 },
    ),
  );
  for (const bar of layout.bars) {
    if (!bar) continue;
    parts.push(
      `<rect x="${round(bar.x)}" y="${round(bar.y)}" width="${round(bar.width)}" height="${round(bar.height)}" fill="${p.bars}"/>`,
    );
  }
  if (layout.points.length > 1) {
    const points = layout.points.map((pt) => `${round(pt.x)},${round(pt.y)}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${p.line}" stroke-width="3" stroke-linejoin="round" stroke-linecap="round"/>`,
    );
  }
  // Dots while they fit; past two months of days they would only blur the line.
  const dot = layout.points.length <= 62 ? 4 : 0;
  if (dot > 0 || layout.points.length === 1) {
    for (const pt of layout.points)
      parts.push(`<circle cx="${round(pt.x)}" cy="${round(pt.y)}" r="${dot || 4}" fill="${p.line}"/>`);
  }
  for (const index of layout.labelled) {
    parts.push(
      text(
        dayLabel(input.days[index]!.date),
        { x: round(layout.slotCentres[index]!), y: bottom + 24 },
        {
          size: 14,
          fill: p.muted,
          anchor: 'middle',
        },
      ),
    );
  }
  parts.push(
    text(
      'Day (UTC)',
      { x: plot.x + plot.width / 2, y: CHART_HEIGHT - 24 },
      { size: 15, fill: p.muted, anchor: 'middle' },
    ),
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}"` +
    ` viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="${CHART_FONT_FAMILY}">${parts.join('')}</svg>`
  );
}

/** The chart as a PNG. */
export function renderChart(input: ChartInput): Promise<RenderedPng> {
  return svgToPng(chartSvg(input));
}

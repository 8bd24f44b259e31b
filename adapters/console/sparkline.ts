/**
 * The terminal has no images: a reply's chart (the stats) becomes a sparkline per series, one block
 * character a day, a few days a character when there are more days than fit.
 */
import type { ReplyImage } from '../../src/reply.js';

const BLOCKS = '▁▂▃▄▅▆▇█';
/** Zero stays visible as a dot: a blank would read as a gap, not as "nothing that day". */
const ZERO = '·';
/** Characters a sparkline may take, so label, line and peak fit 80 columns. */
export const SPARKLINE_WIDTH = 45;

/** One character per value, scaled to the largest; any value above zero shows at least the lowest block. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((value) => {
      if (!(value > 0) || max === 0) return ZERO;
      const level = Math.min(BLOCKS.length, Math.max(1, Math.ceil((value / max) * BLOCKS.length)));
      return BLOCKS[level - 1];
    })
    .join('');
}

/** `values` summed in runs of `every`, so at most SPARKLINE_WIDTH remain. */
function bucketed(values: readonly number[], every: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += every)
    out.push(values.slice(i, i + every).reduce((sum, value) => sum + value, 0));
  return out;
}

function numberText(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 1 : 0 });
}

/** The chart's data as lines of text: a sparkline and its peak per series, then what a character is. */
export function sparklineLines(data: NonNullable<ReplyImage['data']>): string[] {
  const points = Math.max(0, ...data.series.map((series) => series.values.length));
  if (points === 0) return [];
  const every = Math.ceil(points / SPARKLINE_WIDTH);
  const width = Math.max(...data.series.map((series) => series.label.length));
  const lines = data.series.map((series) => {
    const values = bucketed(series.values, every);
    return `  ${series.label.padEnd(width)}  ${sparkline(values)}  peak ${numberText(Math.max(0, ...values))}`;
  });
  const unit = every === 1 ? 'a character a day' : `a character every ${every} days`;
  lines.push(`  ${data.from} to ${data.to}, ${unit}`);
  return lines;
}

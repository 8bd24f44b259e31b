/**
 * `stats [days]`: the app's livestreams over the last days, as a chart (viewer hours a day as bars,
 * ingest hours as a line, the totals in its title) with the same figures in words. An empty period
 * says so instead of drawing an empty chart. Knows no platform: adapters deliver the image.
 */
import type { RealtimeKitClient } from '../realtimekit/client.js';
import type { LivestreamDay, LivestreamTotals } from '../realtimekit/types.js';
import { type Reply, type ReplyField, reply } from '../reply.js';
import { type ChartDay, renderChart } from './chart.js';
import { periodText, STATS_DAYS_RANGE, type StatsPeriod, statsPeriod } from './period.js';

export interface StatsDeps {
  client: Pick<RealtimeKitClient, 'getLivestreamTotals' | 'getLivestreamDays'>;
  /** Epoch ms: the period ends now. */
  nowMs: number;
}

const HOUR_SECONDS = 3600;

/** Hours for people: `1,034.5`, `2.3`, `0.25`; under a hundredth, `<0.01`. */
export function hoursText(seconds: number): string {
  const hours = seconds / HOUR_SECONDS;
  if (hours === 0) return '0';
  if (hours < 0.01) return '<0.01';
  return hours.toLocaleString('en-US', { maximumFractionDigits: hours < 1 ? 2 : 1 });
}

function countText(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** The chart's slots: one per day of the period, zeros where the API had nothing (or no such day). */
function daysOf(period: StatsPeriod, days: readonly LivestreamDay[]): LivestreamDay[] {
  const byDate = new Map(days.map((day) => [day.date, day]));
  return period.dates.map(
    (date) => byDate.get(date) ?? { date, count: 0, ingestSeconds: 0, viewerSeconds: 0 },
  );
}

function anything(figures: LivestreamTotals): boolean {
  return figures.count > 0 || figures.ingestSeconds > 0 || figures.viewerSeconds > 0;
}

export async function statsReply(days: number, deps: StatsDeps): Promise<Reply> {
  const period = statsPeriod(days, deps.nowMs);
  const [overall, daily] = await Promise.all([
    deps.client.getLivestreamTotals(period.range),
    deps.client.getLivestreamDays(period.range),
  ]);
  const slots = daysOf(period, daily);
  const summed = slots.reduce<LivestreamTotals>(
    (sum, day) => ({
      count: sum.count + day.count,
      ingestSeconds: sum.ingestSeconds + day.ingestSeconds,
      viewerSeconds: sum.viewerSeconds + day.viewerSeconds,
    }),
    { count: 0, ingestSeconds: 0, viewerSeconds: 0 },
  );
  const when = periodText(period);
  const lastDays = days === 1 ? 'today' : `the last ${days} days`;
  if (!anything(overall) && !anything(summed)) {
    const further =
      days < STATS_DAYS_RANGE.max! ? ` \`stats\` looks up to ${STATS_DAYS_RANGE.max!} days back.` : '';
    return reply({
      title: days === 1 ? 'No livestream activity today' : `No livestream activity in the last ${days} days`,
      tone: 'info',
      text: `Nothing was streamed from ${when} (UTC days), so there is no chart to draw.${further}`,
    });
  }
  // The API's totals when it has any; a range whose totals came back empty still adds up its days.
  const totals = anything(overall) ? overall : { ...summed, count: 0 };
  const title = `Livestreams, ${lastDays}: ${hoursText(totals.viewerSeconds)} viewer hours, ${hoursText(totals.ingestSeconds)} ingest hours`;
  const busiest = slots.reduce((best, day) => (day.viewerSeconds > best.viewerSeconds ? day : best));
  const chartDays: ChartDay[] = slots.map((day) => ({
    date: day.date,
    viewerHours: day.viewerSeconds / HOUR_SECONDS,
    ingestHours: day.ingestSeconds / HOUR_SECONDS,
  }));
  const counts = [
    ...(totals.count > 0 ? [countText(totals.count, 'livestream', 'livestreams')] : []),
    countText(summed.count, 'session', 'sessions'),
  ].join(', ');
  const chart = await renderChart({ title, subtitle: `${when}, by UTC day · ${counts}`, days: chartDays });
  const first = period.dates[0]!;
  const last = period.dates.at(-1)!;
  const fields: ReplyField[] = [
    { label: 'Viewer time', value: `${hoursText(totals.viewerSeconds)} hours` },
    { label: 'Ingest time', value: `${hoursText(totals.ingestSeconds)} hours` },
  ];
  if (totals.count > 0) fields.push({ label: 'Livestreams', value: totals.count.toLocaleString('en-US') });
  fields.push({ label: 'Sessions', value: summed.count.toLocaleString('en-US') });
  if (busiest.viewerSeconds > 0)
    fields.push({
      label: 'Busiest day',
      value: `${busiest.date}: ${hoursText(busiest.viewerSeconds)} viewer hours`,
    });
  return reply({
    title,
    tone: 'info',
    text: `${when}, by UTC day.`,
    fields,
    image: {
      png: chart.png,
      filename: `livestream-stats-${first}-to-${last}.png`,
      alt:
        `Chart of ${lastDays} (${when}, UTC): bars of viewer hours per day, a line of ingest hours per day. ` +
        `${hoursText(totals.viewerSeconds)} viewer hours and ${hoursText(totals.ingestSeconds)} ingest hours in all` +
        (busiest.viewerSeconds > 0
          ? `; the busiest day ${busiest.date} with ${hoursText(busiest.viewerSeconds)} viewer hours.`
          : '.'),
      width: chart.width,
      height: chart.height,
      data: {
        from: first,
        to: last,
        series: [
          { label: 'Viewer hours', values: chartDays.map((day) => day.viewerHours) },
          { label: 'Ingest hours', values: chartDays.map((day) => day.ingestHours) },
        ],
      },
    },
    visibility: 'requester',
  });
}

/**
 * The days `stats` looks at: the last N UTC days, today included, as the API's range and as the list
 * of dates the chart has a slot for (days without activity are zeros, not gaps).
 */
import type { TimeRange } from '../realtimekit/types.js';
import type { IntegerRange } from '../realtimekit/validate.js';

export const DEFAULT_STATS_DAYS = 30;
/** At most 90: a quarter, and still one readable bar a day. */
export const STATS_DAYS_RANGE: IntegerRange = { min: 1, max: 90 };

const DAY_MS = 86_400_000;

export interface StatsPeriod {
  days: number;
  /** `YYYY-MM-DD`, oldest first; the last is today (UTC). */
  dates: string[];
  /** From the first day's midnight (UTC) to now. */
  range: TimeRange;
}

export function statsPeriod(days: number, nowMs: number): StatsPeriod {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const first = today - (days - 1) * DAY_MS;
  const dates = Array.from({ length: days }, (_, i) =>
    new Date(first + i * DAY_MS).toISOString().slice(0, 10),
  );
  return { days, dates, range: { startMs: first, endMs: nowMs } };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `1 Nov – 30 Nov 2026`, or `28 Dec 2026 – 3 Jan 2027` across a year; one day alone: `3 Jan 2027`. */
export function periodText(period: StatsPeriod): string {
  const parts = (date: string) => {
    const [year, month, day] = date.split('-').map(Number);
    return { year: year!, text: `${day} ${MONTHS[month! - 1]}` };
  };
  const first = parts(period.dates[0]!);
  const last = parts(period.dates.at(-1)!);
  if (period.dates.length === 1) return `${last.text} ${last.year}`;
  return first.year === last.year
    ? `${first.text} – ${last.text} ${last.year}`
    : `${first.text} ${first.year} – ${last.text} ${last.year}`;
}

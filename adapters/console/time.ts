/**
 * Times for a person at a terminal: the local time with its zone, and how long ago ("14:05 CET
 * (3 min ago)"). Slack and Discord show each reader their own zone with date tokens; a terminal has
 * one reader, whose zone is the host's (TZ) unless told otherwise.
 */

export interface TimeView {
  /** Epoch ms: what "ago" is measured from, and which day is today. */
  now: number;
  /** An IANA zone (`Europe/Paris`); default: the host's. */
  timeZone?: string;
}

/** An ISO 8601 instant with a zone, as the API and the core write them. */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})\b/g;

/** `2026-11-22T13:02:00Z` -> `14:02 CET (3 min ago)`; a value that is not a time is returned as is. */
export function localTime(iso: string, view: TimeView): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const at = partsOf(ms, view.timeZone);
  const today = partsOf(view.now, view.timeZone);
  const day =
    at.year !== today.year
      ? `${at.day} ${at.month} ${at.year} `
      : at.day !== today.day || at.month !== today.month
        ? `${at.weekday} ${at.day} ${at.month} `
        : '';
  return `${day}${at.hour}:${at.minute} ${at.zone} (${relative(ms - view.now)})`;
}

/** `2026-11-22T13:02:00Z` -> `3 min ago`, for a row with no room for the time itself; a non-time as is. */
export function timeAgo(iso: string, view: TimeView): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? relative(ms - view.now) : iso;
}

/** Every ISO instant inside running text (`back live at 2026-…Z.`), made local the same way. */
export function localTimesIn(text: string, view: TimeView): string {
  return text.replace(ISO_INSTANT, (iso) => localTime(iso, view));
}

interface TimeParts {
  year: string;
  month: string;
  day: string;
  weekday: string;
  hour: string;
  minute: string;
  zone: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsOf(ms: number, timeZone: string | undefined): TimeParts {
  const key = timeZone ?? '';
  let format = formats.get(key);
  if (!format) {
    // en-GB: a 24-hour clock, day before month, and zone names such as CET, BST or GMT+9.
    format = new Intl.DateTimeFormat('en-GB', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
      ...(timeZone ? { timeZone } : {}),
    });
    formats.set(key, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  return {
    year: parts.year ?? '',
    month: parts.month ?? '',
    day: parts.day ?? '',
    weekday: parts.weekday ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
    zone: parts.timeZoneName ?? '',
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH = 30.44 * DAY;
const YEAR = 365.25 * DAY;

/** `-180_000` -> `3 min ago`; rounded as people say it, with a unit chosen so the number stays small. */
function relative(deltaMs: number): string {
  const span = Math.abs(deltaMs);
  if (span < 45_000) return 'just now';
  const amount = (unit: number, one: string, many: string) => {
    const n = Math.max(1, Math.round(span / unit));
    return n === 1 ? one : `${n} ${many}`;
  };
  const said =
    span < 45 * MINUTE
      ? amount(MINUTE, '1 min', 'min')
      : span < 22 * HOUR
        ? amount(HOUR, '1 h', 'h')
        : span < 26 * DAY
          ? amount(DAY, '1 day', 'days')
          : span < 11 * MONTH
            ? amount(MONTH, 'a month', 'months')
            : amount(YEAR, 'a year', 'years');
  return deltaMs < 0 ? `${said} ago` : `in ${said}`;
}

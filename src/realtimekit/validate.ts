/**
 * What the API takes, as rules, and the client's checks on what it sends, so a bad id never becomes a
 * confusing API error (or a different path). The command spec (src/commands/spec.ts) checks what
 * people type against these same rules, so the two can never disagree on a limit or a pattern.
 */
import { RealtimeKitError } from './errors.js';
import { KNOWN_STATUSES, type ListQuery, MAX_NAME_LENGTH, MAX_PER_PAGE } from './types.js';

/** An id the API takes in a URL path. */
export interface IdRule {
  pattern: RegExp;
  minLength?: number;
  maxLength: number;
  /** What one such id is, for "… must be a UUID". */
  one: string;
  /** What such ids are, for "meeting ids are UUIDs". */
  many: string;
}

/** Livestream and session ids: no dots, slashes or escapes can reach a path. */
export const ID_RULE: IdRule = {
  pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/,
  maxLength: 128,
  one: 'letters, digits, "-" or "_"',
  many: 'letters, digits, "-" and "_"',
};

export const UUID_RULE: IdRule = {
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  minLength: 36,
  maxLength: 36,
  one: 'a UUID',
  many: 'UUIDs',
};

/** A whole number from `min` to `max` (no upper bound without `max`). */
export interface IntegerRange {
  min: number;
  max?: number;
}

export const PAGE_RANGE: IntegerRange = { min: 1 };
export const PER_PAGE_RANGE: IntegerRange = { min: 1, max: MAX_PER_PAGE };

export function inRange(value: number, range: IntegerRange): boolean {
  return Number.isInteger(value) && value >= range.min && (range.max === undefined || value <= range.max);
}

export const NAME_RULE = { maxLength: MAX_NAME_LENGTH } as const;

/** The longest ISO date-time worth reading (`2026-11-01T09:00:00.123456+05:30` is 32). */
export const ISO_MAX_LENGTH = 40;

export type TextFault = 'too-long' | 'control-characters';

/** Why a piece of text cannot be sent (a name, say), or null when it can. */
export function textFault(text: string, maxLength: number): TextFault | null {
  if (text.length > maxLength) return 'too-long';
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(text)) return 'control-characters';
  return null;
}

function invalid(message: string): RealtimeKitError {
  return new RealtimeKitError({ kind: 'Invalid', message });
}

export function matchesId(value: string, rule: IdRule): boolean {
  return rule.pattern.test(value);
}

export function isValidId(value: string): boolean {
  return matchesId(value, ID_RULE);
}

export function isUuid(value: string): boolean {
  return matchesId(value, UUID_RULE);
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Date-only or full date-time, as the `date-time` format and people type them, with or without zone. */
export function isIsoDateTime(value: string): boolean {
  const match = ISO_DATE_TIME.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2024-02-31 over to March 2: the day must exist in its month.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A date-time with a time of day but no zone: JavaScript would read it in the host's zone. */
export function isZonelessDateTime(value: string): boolean {
  const match = ISO_DATE_TIME.exec(value);
  return match !== null && match[4] !== undefined && match[5] === undefined;
}

/**
 * An ISO date or date-time with its zone made explicit: a time without a zone is UTC, like a date
 * alone is (`2026-11-01T09:00` -> `2026-11-01T09:00Z`), whatever the host's time zone.
 */
export function utcIsoDateTime(value: string): string {
  if (!isZonelessDateTime(value)) return value;
  return `${value.replace(' ', 'T')}Z`;
}

/** Milliseconds since the epoch of an ISO date or date-time, a zoneless time read as UTC. */
export function isoInstant(value: string): number {
  return Date.parse(utcIsoDateTime(value));
}

export function assertId(value: string, what: string): void {
  assertMatches(value, what, ID_RULE);
}

export function assertUuid(value: string, what: string): void {
  assertMatches(value, what, UUID_RULE);
}

function assertMatches(value: string, what: string, rule: IdRule): void {
  if (!matchesId(value, rule)) throw invalid(`${what} must be ${rule.one} (got "${value.slice(0, 40)}")`);
}

export function assertName(name: string): void {
  switch (textFault(name, NAME_RULE.maxLength)) {
    case 'too-long':
      throw invalid(`the name is longer than ${NAME_RULE.maxLength} characters`);
    case 'control-characters':
      throw invalid('the name contains control characters');
    case null:
  }
}

/** A page of a paged answer other than the list (a livestream's sessions). */
export function assertPage(page: { pageNo?: number; perPage?: number }): void {
  if (page.pageNo !== undefined && !inRange(page.pageNo, PAGE_RANGE)) {
    throw invalid('the page must be a whole number of 1 or more');
  }
  if (page.perPage !== undefined && !inRange(page.perPage, PER_PAGE_RANGE)) {
    throw invalid(`per-page must be a whole number from 1 to ${MAX_PER_PAGE}`);
  }
}

export function assertListQuery(query: ListQuery): void {
  if (query.status !== undefined && !KNOWN_STATUSES.includes(query.status))
    throw invalid('unknown status filter');
  if (query.pageNo !== undefined && !inRange(query.pageNo, PAGE_RANGE)) {
    throw invalid('the page must be a whole number of 1 or more');
  }
  if (query.perPage !== undefined && !inRange(query.perPage, PER_PAGE_RANGE)) {
    throw invalid(`per-page must be a whole number from 1 to ${MAX_PER_PAGE}`);
  }
  for (const [key, value] of [
    ['since', query.startTime],
    ['until', query.endTime],
  ] as const) {
    if (value === undefined) continue;
    if (!isIsoDateTime(value)) throw invalid(`${key} must be an ISO date or date-time`);
    // The request carries an instant; a zoneless time would become one in this host's zone.
    if (isZonelessDateTime(value)) throw invalid(`${key} has a time of day but no time zone`);
  }
  if (query.startTime && query.endTime && isoInstant(query.startTime) > isoInstant(query.endTime)) {
    throw invalid('since must be before until');
  }
}

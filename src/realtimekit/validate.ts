/** Checks on what we send, so a bad id never becomes a confusing API error (or a different path). */
import { RealtimeKitError } from './errors.js';
import { KNOWN_STATUSES, type ListQuery, MAX_NAME_LENGTH, MAX_PER_PAGE } from './types.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): RealtimeKitError {
  return new RealtimeKitError({ kind: 'Invalid', message });
}

export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export function isIsoDateTime(value: string): boolean {
  // Date-only or full date-time, as the `date-time` format and people type them.
  if (
    !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    return false;
  }
  // Date.parse rolls 2024-02-31 over to March 2: the day must exist in its month.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function assertId(value: string, what: string): void {
  if (!isValidId(value))
    throw invalid(`${what} must be letters, digits, "-" or "_" (got "${value.slice(0, 40)}")`);
}

export function assertUuid(value: string, what: string): void {
  if (!isUuid(value)) throw invalid(`${what} must be a UUID (got "${value.slice(0, 40)}")`);
}

export function assertName(name: string): void {
  if (name.length > MAX_NAME_LENGTH) throw invalid(`the name is longer than ${MAX_NAME_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('the name contains control characters');
}

export function assertListQuery(query: ListQuery): void {
  if (query.status !== undefined && !KNOWN_STATUSES.includes(query.status))
    throw invalid('unknown status filter');
  if (query.pageNo !== undefined && !(Number.isInteger(query.pageNo) && query.pageNo >= 1)) {
    throw invalid('the page must be a whole number of 1 or more');
  }
  if (
    query.perPage !== undefined &&
    !(Number.isInteger(query.perPage) && query.perPage >= 1 && query.perPage <= MAX_PER_PAGE)
  ) {
    throw invalid(`per-page must be a whole number from 1 to ${MAX_PER_PAGE}`);
  }
  for (const [key, value] of [
    ['since', query.startTime],
    ['until', query.endTime],
  ] as const) {
    if (value !== undefined && !isIsoDateTime(value))
      throw invalid(`${key} must be an ISO date or date-time`);
  }
  if (query.startTime && query.endTime && Date.parse(query.startTime) > Date.parse(query.endTime)) {
    throw invalid('since must be before until');
  }
}

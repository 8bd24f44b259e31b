/**
 * Injected faults: the failures a real API produces now and then (rate limits, 5xx, slow or broken
 * answers, dropped connections), on demand, so tests can prove the client survives each one.
 */

export interface FaultMatch {
  /** Only requests with this method (any case). */
  method?: string;
  /** Only requests whose path and query contain this text, e.g. `livestreams/sessions` or `page_no=2`. */
  path?: string;
  /** How many matching requests the fault applies to; default 1. `Infinity` keeps it until cleared. */
  times?: number;
}

/** Answer with this status instead (the body defaults to the envelope the real API uses for it). */
export interface StatusFault extends FaultMatch {
  status: number;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Answer normally, but only after `delayMs`. */
export interface DelayFault extends FaultMatch {
  delayMs: number;
}

/** A body that is not what it should be (truncated, HTML, empty), with status 200 unless told. */
export interface RawBodyFault extends FaultMatch {
  rawBody: string;
  status?: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Drop the connection without answering. */
export interface DestroyFault extends FaultMatch {
  destroy: true;
  delayMs?: number;
}

export type Fault = StatusFault | DelayFault | RawBodyFault | DestroyFault;

interface PendingFault {
  fault: Fault;
  remaining: number;
}

export class FaultQueue {
  private pending: PendingFault[] = [];

  add(fault: Fault): void {
    validateFault(fault);
    this.pending.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.pending = [];
  }

  get size(): number {
    return this.pending.length;
  }

  /** The first fault matching the request, used up by one; faults apply in the order injected. */
  take(method: string, target: string): Fault | null {
    const index = this.pending.findIndex(({ fault }) => matches(fault, method, target));
    if (index < 0) return null;
    const entry = this.pending[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}

function matches(fault: Fault, method: string, target: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) return false;
  return fault.path === undefined || target.includes(fault.path);
}

/** A mistyped fault would silently test nothing: refuse it loudly instead. */
function validateFault(fault: Fault): void {
  const times = fault.times ?? 1;
  if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1))) {
    throw new Error(`fault.times must be a whole number of 1 or more (got ${times})`);
  }
  const status = 'status' in fault ? fault.status : undefined;
  if (status !== undefined && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw new Error(`fault.status must be an HTTP status (got ${status})`);
  }
  const delayMs = fault.delayMs;
  if (delayMs !== undefined && !(Number.isFinite(delayMs) && delayMs >= 0)) {
    throw new Error(`fault.delayMs must be a number of 0 or more (got ${delayMs})`);
  }
  const kinds = ['status' in fault, 'rawBody' in fault, 'destroy' in fault, 'delayMs' in fault];
  if (!kinds.some(Boolean)) throw new Error('a fault needs status, rawBody, destroy or delayMs');
}

export function isDestroyFault(fault: Fault): fault is DestroyFault {
  return 'destroy' in fault && fault.destroy === true;
}

export function isRawBodyFault(fault: Fault): fault is RawBodyFault {
  return 'rawBody' in fault && typeof fault.rawBody === 'string';
}

export function isStatusFault(fault: Fault): fault is StatusFault {
  return 'status' in fault && typeof fault.status === 'number' && !isRawBodyFault(fault);
}

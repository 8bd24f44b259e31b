/**
 * Every way a RealtimeKit call can fail, as a value with a kind. The message carries the API's own words
 * (never the token: requests and headers are deliberately not kept on the error).
 */
export type ApiErrorKind =
  | 'Unauthorized' // 401, or 403 "Authentication error": bad token or missing Realtime permission
  | 'Forbidden' // 403 for anything else
  | 'NotFound' // 404
  | 'Invalid' // 400/409/422, or a request we refused to send
  | 'RateLimited' // 429 after retries
  | 'ServerError' // 5xx after retries
  | 'Timeout' // no answer within the request timeout
  | 'Network' // connection refused, DNS, reset
  | 'Malformed'; // a 2xx body we cannot make sense of

export class RealtimeKitError extends Error {
  override readonly name = 'RealtimeKitError';
  readonly kind: ApiErrorKind;
  readonly status: number | null;
  readonly apiMessage: string | null;
  readonly apiCode: number | string | null;
  readonly retryAfterSeconds: number | null;

  constructor(init: {
    kind: ApiErrorKind;
    message: string;
    status?: number | null;
    apiMessage?: string | null;
    apiCode?: number | string | null;
    retryAfterSeconds?: number | null;
  }) {
    super(init.message);
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.apiMessage = init.apiMessage ?? null;
    this.apiCode = init.apiCode ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export function isRealtimeKitError(error: unknown): error is RealtimeKitError {
  return error instanceof RealtimeKitError;
}

export function kindForStatus(status: number, apiCode: number | string | null): ApiErrorKind {
  if (status === 401) return 'Unauthorized';
  // Cloudflare's gateway answers a wrong token or missing permission with 403 code 10000.
  if (status === 403) return apiCode === 10000 || apiCode === '10000' ? 'Unauthorized' : 'Forbidden';
  if (status === 404) return 'NotFound';
  if (status === 408) return 'Timeout';
  if (status === 429) return 'RateLimited';
  if (status >= 500) return 'ServerError';
  // A malformed token is 400 code 9106 at the gateway.
  if (status === 400 && (apiCode === 9106 || apiCode === '9106')) return 'Unauthorized';
  return 'Invalid';
}

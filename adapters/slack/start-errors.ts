/**
 * Why the Slack adapter could not start, in one sentence that says what to do. A Slack the bot cannot
 * reach (no network, DNS, a proxy, a timeout) is told apart from a Slack that refused the token: people
 * otherwise regenerate good tokens while the network is down. The error kinds are @slack/web-api's
 * (`WebAPIRequestError` wraps fetch's failure, `WebAPIPlatformError` carries Slack's own code).
 */
import { webApi } from '@slack/bolt';

/** auth.test codes that mean the token itself is refused (https://docs.slack.dev/reference/methods/auth.test). */
const TOKEN_REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'invalid_token',
]);

export interface DescribeSlackStartErrorOptions {
  /** The client's request timeout, to say how long the bot waited. */
  timeoutMs: number;
}

/** The auth.test failure at start, as a sentence (lower-case start: it follows "Start-up failed: "). */
export function describeSlackStartError(
  error: unknown,
  { timeoutMs }: DescribeSlackStartErrorOptions,
): string {
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = error.data.error;
    if (TOKEN_REFUSED.has(code)) {
      return `Slack refused SLACK_BOT_TOKEN (${code}): copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page, or reinstall the app to the workspace`;
    }
    return `Slack answered auth.test with "${code}" for SLACK_BOT_TOKEN: see https://docs.slack.dev/reference/methods/auth.test`;
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    return `Slack answered HTTP ${error.statusCode} to auth.test: Slack may be having trouble (https://slack-status.com), or SLACK_API_URL points at something that is not Slack's Web API`;
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return `Slack is rate-limiting this token (retry after ${error.retryAfter} s): start again in a minute`;
  }
  if (error instanceof webApi.WebAPIRequestError) {
    return `could not reach Slack (${networkReason(error.original, timeoutMs)}): check the network, a proxy or firewall, or SLACK_API_URL; the token was not checked`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Slack could not be started: ${message}`;
}

/** `ENOTFOUND slack.com`, `ECONNREFUSED 127.0.0.1:3000`, `no answer after 15 s`. */
function networkReason(original: Error, timeoutMs: number): string {
  if (original.name === 'TimeoutError' || original.name === 'AbortError')
    return `no answer after ${Math.round(timeoutMs / 100) / 10} s`;
  const cause = firstCause(original);
  if (!cause) return original.message;
  const where =
    typeof cause.hostname === 'string'
      ? cause.hostname
      : typeof cause.address === 'string'
        ? `${cause.address}${typeof cause.port === 'number' ? `:${cause.port}` : ''}`
        : null;
  // A cause without a system code ("bad port": fetch refuses some ports itself) says it in words.
  if (typeof cause.code !== 'string')
    return original.cause instanceof Error ? original.cause.message : original.message;
  return where ? `${cause.code} ${where}` : cause.code;
}

interface SystemCause {
  code?: unknown;
  hostname?: unknown;
  address?: unknown;
  port?: unknown;
}

/** fetch's `cause`: a system error, or an AggregateError of one per address tried (take the first). */
function firstCause(error: Error): SystemCause | null {
  const cause = error.cause;
  if (typeof cause !== 'object' || cause === null) return null;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    const first: unknown = cause.errors[0];
    if (typeof first === 'object' && first !== null) return { code: (cause as SystemCause).code, ...first };
  }
  return cause as SystemCause;
}

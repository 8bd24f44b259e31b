/**
 * The Slack Sink: posts and edits channel messages through a WebClient. It never waits or retries on its
 * own: every failure leaves as a `SinkError` whose kind tells the caller (notification delivery) whether
 * to wait `retryAfterMs`, back off, or give up. The WebClient must be built with `SLACK_CLIENT_OPTIONS`
 * so that web-api itself neither sleeps through a 429 nor retries for half an hour.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import { assertPublicSafe, type PostedMessage, type Sink, SinkError } from '../../src/sink.js';
import { renderReply } from './render.js';

/**
 * WebClient options the sink relies on: a 429 rejects at once with its Retry-After, nothing is retried,
 * and a call Slack never answers fails (Transient) after `timeout` ms instead of hanging: web-api's
 * default is no timeout at all, which would stall notification delivery for every channel.
 * Never retried inside the client: Slack has no idempotency key, so a post that timed out after Slack
 * accepted it appears twice if sent again. The delivery worker owns retries (with backoff), and the
 * timeout is generous so that a slow answer is rarely taken for a failure.
 */
export const SLACK_CLIENT_OPTIONS = {
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 15_000,
} as const satisfies webApi.WebClientOptions;

/**
 * The bot token itself is refused: every channel would fail alike, so nothing is paused or dropped;
 * Slack deliveries stop (logged once) until someone fixes SLACK_BOT_TOKEN and restarts the bot.
 */
const TOKEN_REFUSED_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

/** Slack error codes that mean "later": its side had a problem, the same call may well work. */
const TRANSIENT_SLACK_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** Errors that say the channel (or the bot's access to it) is unusable: the subscription pauses. */
const CHANNEL_UNUSABLE_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'missing_scope',
  'restricted_action',
]);

/** chat.update's answers when the message to edit is gone or may no longer be edited. */
const MESSAGE_GONE_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** chat.postMessage allows about one message a second per channel: the wait when Slack gives none. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** Posts to one channel at least this far apart: that limit, with 10 % of margin. */
export const SLACK_PACING_MS = 1_100;

export function createSlackSink(args: { client: webApi.WebClient; log: Logger }): Sink {
  const { client, log } = args;
  const call = async <T>(what: string, channelId: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const mapped = toSinkError(error);
      log.warn(`slack ${what} failed`, { channelId, kind: mapped.kind, code: mapped.details.code });
      throw mapped;
    }
  };
  return {
    platform: 'slack',
    pacingMs: SLACK_PACING_MS,
    // Slack has no idempotency key for chat.postMessage: `options.idempotencyKey` cannot be used here.
    async post(channelId: string, reply: Reply): Promise<PostedMessage> {
      assertPublicSafe(reply);
      const { text, blocks } = renderReply({ reply, surface: 'channel' });
      const result = await call('chat.postMessage', channelId, () =>
        client.chat.postMessage({
          channel: channelId,
          text,
          blocks,
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (!result.ts) throw new SinkError('Transient', 'Slack accepted the message but returned no ts');
      return { messageId: result.ts };
    },
    async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
      assertPublicSafe(reply);
      const { text, blocks } = renderReply({ reply, surface: 'channel' });
      await call('chat.update', channelId, () =>
        client.chat.update({ channel: channelId, ts: messageId, text, blocks }),
      );
    },
  };
}

/** web-api's errors, by their `code`, as the platform-neutral SinkError. */
export function toSinkError(error: unknown): SinkError {
  if (error instanceof SinkError) return error;
  const coded = error as Partial<webApi.WebAPICallError> | null;
  switch (coded?.code) {
    case 'slack_webapi_rate_limited_error': {
      const { retryAfter } = coded as webApi.WebAPIRateLimitedError;
      return new SinkError('RateLimited', `Slack rate limited the call: retry after ${retryAfter} s`, {
        code: 'rate_limited',
        retryAfterMs: retryAfter * 1000,
      });
    }
    case 'slack_webapi_platform_error': {
      const { data } = coded as webApi.WebAPIPlatformError;
      const code = data.error;
      if (code === 'rate_limited' || code === 'ratelimited') {
        const seconds = data.response_metadata?.retryAfter;
        return new SinkError('RateLimited', `Slack said ${code}`, {
          code,
          retryAfterMs: seconds ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS,
        });
      }
      if (TOKEN_REFUSED_ERRORS.has(code)) {
        return new SinkError('Unauthorized', `Slack refused SLACK_BOT_TOKEN (${code})`, { code });
      }
      // A channel the bot cannot use pauses its subscription; any other named error (invalid_blocks,
      // msg_too_long, message_not_found…) is about this one message: repeating it cannot help.
      const kind = TRANSIENT_SLACK_ERRORS.has(code)
        ? 'Transient'
        : CHANNEL_UNUSABLE_ERRORS.has(code)
          ? 'Permanent'
          : MESSAGE_GONE_ERRORS.has(code)
            ? 'MessageGone'
            : 'Rejected';
      return new SinkError(kind, `Slack said ${code}`, { code });
    }
    case 'slack_webapi_http_error': {
      const { statusCode } = coded as webApi.WebAPIHTTPError;
      return new SinkError(
        statusCode >= 500 || statusCode === 408 ? 'Transient' : 'Rejected',
        `Slack answered HTTP ${statusCode}`,
        {
          code: `http_${statusCode}`,
        },
      );
    }
    case 'slack_webapi_request_error':
      return new SinkError('Transient', 'Could not reach Slack', { code: 'network' });
    default:
      return new SinkError(
        'Transient',
        `Slack call failed: ${error instanceof Error ? error.name : 'unknown error'}`,
      );
  }
}

/**
 * The Discord Sink: posts and edits notification messages in a channel through the bot's REST client.
 * REST rather than `channels.fetch()` + `send()`: it needs no guild cache (a channel in a server that
 * has not streamed GUILD_CREATE yet still works), and @discordjs/rest already queues per route and
 * waits out 429s, so delivery only ever sees a final answer.
 */
import { createHash } from 'node:crypto';
import { type APIMessage, DiscordAPIError, HTTPError, RateLimitError, type REST, Routes } from 'discord.js';
import type { Reply } from '../../src/reply.js';
import {
  assertPublicSafe,
  type PostedMessage,
  type PostOptions,
  type Sink,
  SinkError,
} from '../../src/sink.js';
import { type DiscordMessage, renderReply } from './render.js';
import { DISCORD_ERROR_CODES } from './rest.js';

export interface DiscordSinkArgs {
  /**
   * A REST client with the bot token set that never retries on its own (`discordSinkRestOptions`): a
   * retried POST can be a second message, and the delivery worker retries with the same nonce instead.
   */
  rest: REST;
}

/** https://discord.com/developers/docs/resources/message#create-message: a nonce is at most 25 characters. */
const MAX_NONCE_LENGTH = 25;

const SNOWFLAKE = /^\d{15,21}$/;

/** Discord allows 5 messages per 5 s per channel: posts at least this far apart, with 10 % of margin. */
export const DISCORD_PACING_MS = 1_100;

/** Errors that say the target is gone or closed to the bot: retrying cannot help. */
const PERMANENT_CODES: Readonly<Record<number, string>> = {
  [DISCORD_ERROR_CODES.unknownChannel]: 'the channel does not exist (deleted, or a wrong id)',
  [DISCORD_ERROR_CODES.missingAccess]:
    'the bot cannot see the channel (add it to the channel, or give it View Channel)',
  [DISCORD_ERROR_CODES.missingPermissions]: 'the bot lacks Send Messages or Embed Links in the channel',
  [DISCORD_ERROR_CODES.unknownMessage]: 'the message to edit no longer exists',
};

const CHANNEL_UNUSABLE_CODES: ReadonlySet<number> = new Set([
  DISCORD_ERROR_CODES.unknownChannel,
  DISCORD_ERROR_CODES.missingAccess,
  DISCORD_ERROR_CODES.missingPermissions,
]);

/** A channel message: never ephemeral (only interaction replies can be), never carrying a secret. */
function channelMessage(reply: Reply): Omit<DiscordMessage, 'flags'> {
  assertPublicSafe(reply);
  const { flags: _flags, ...message } = renderReply({ ...reply, visibility: 'channel' });
  return message;
}

function assertSnowflake(value: string, what: string): void {
  if (!SNOWFLAKE.test(value)) {
    throw new SinkError('Permanent', `${what} must be a numeric Discord id (got "${value.slice(0, 40)}")`, {
      code: 'invalid-id',
    });
  }
}

/** Any REST failure as a SinkError, so delivery can decide between retry and give-up. */
export function toSinkError(error: unknown, action: string): SinkError {
  if (error instanceof SinkError) return error;
  if (error instanceof RateLimitError) {
    // Only when a caller opts into `rejectOnRateLimit`; by default @discordjs/rest waits instead.
    return new SinkError('RateLimited', `Discord rate limited ${action}`, { retryAfterMs: error.retryAfter });
  }
  if (error instanceof DiscordAPIError) {
    const code = String(error.code);
    if (error.status >= 500)
      return new SinkError('Transient', `Discord failed ${action} (HTTP ${error.status})`, { code });
    // The bot token is refused: every channel would fail alike, so nothing is dropped; Discord deliveries
    // stop until DISCORD_BOT_TOKEN is fixed and the bot restarted.
    if (error.status === 401)
      return new SinkError('Unauthorized', `Discord refused DISCORD_BOT_TOKEN (HTTP 401) for ${action}`, {
        code: 'http-401',
      });
    const why = typeof error.code === 'number' ? PERMANENT_CODES[error.code] : undefined;
    // The channel codes pause the subscription; a message to edit that is gone is said anew; any other
    // 4xx (a refused body) is about this one message, which Discord will refuse again: drop it, keep
    // the channel.
    const channelUnusable = typeof error.code === 'number' && CHANNEL_UNUSABLE_CODES.has(error.code);
    const gone = error.code === DISCORD_ERROR_CODES.unknownMessage;
    return new SinkError(
      channelUnusable ? 'Permanent' : gone ? 'MessageGone' : 'Rejected',
      `Discord refused ${action}: ${why ?? error.message}`,
      {
        code,
      },
    );
  }
  if (error instanceof HTTPError) {
    const kind = error.status >= 500 || error.status === 408 ? 'Transient' : 'Rejected';
    return new SinkError(kind, `Discord failed ${action} (HTTP ${error.status})`, {
      code: `http-${error.status}`,
    });
  }
  // After a 401 @discordjs/rest forgets the token, and every later call fails before it is sent.
  if (error instanceof Error && error.message.startsWith('Expected token to be set')) {
    return new SinkError(
      'Unauthorized',
      `Discord refused DISCORD_BOT_TOKEN earlier; ${action} was not sent`,
      {
        code: 'http-401',
      },
    );
  }
  // Network errors and timeouts (AbortError): Discord may be fine a moment later.
  const message = error instanceof Error ? error.message : String(error);
  return new SinkError('Transient', `Could not reach Discord to ${action}: ${message}`);
}

/**
 * Discord's nonce for an idempotency key: with `enforce_nonce`, a create repeating a nonce this bot used
 * in the last few minutes returns the first message instead of posting again. A key longer than Discord
 * takes is hashed down, the same way every time.
 */
function nonceFor(key: string): string {
  if (key.length <= MAX_NONCE_LENGTH) return key;
  return createHash('sha256').update(key).digest('base64url').slice(0, MAX_NONCE_LENGTH);
}

export function createDiscordSink({ rest }: DiscordSinkArgs): Sink {
  if (rest.options.retries !== 0) {
    throw new Error(
      'the Discord sink needs a REST client with retries: 0 (discordSinkRestOptions): a POST retried inside the client can post the message twice',
    );
  }
  return {
    platform: 'discord',
    pacingMs: DISCORD_PACING_MS,
    async post(channelId: string, reply: Reply, options: PostOptions = {}): Promise<PostedMessage> {
      const body = {
        ...channelMessage(reply),
        ...(options.idempotencyKey ? { nonce: nonceFor(options.idempotencyKey), enforce_nonce: true } : {}),
      };
      assertSnowflake(channelId, 'The channel id');
      try {
        const message = (await rest.post(Routes.channelMessages(channelId), { body })) as APIMessage;
        return { messageId: message.id };
      } catch (error) {
        throw toSinkError(error, `a post to channel ${channelId}`);
      }
    },
    async edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
      const body = channelMessage(reply);
      assertSnowflake(channelId, 'The channel id');
      assertSnowflake(messageId, 'The message id');
      try {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body });
      } catch (error) {
        throw toSinkError(error, `an edit of message ${messageId} in channel ${channelId}`);
      }
    },
  };
}

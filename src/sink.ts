/**
 * The outward half of the adapter contract: post and edit a Reply in a channel. Notifications use it;
 * each platform adapter provides one. Failures are `SinkError`s so delivery can tell a retry from a
 * give-up without knowing the platform.
 */
import { containsSecret, type Reply } from './reply.js';

/** Every platform the bot can run on. */
export const PLATFORMS = ['slack', 'discord', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface PostedMessage {
  /** Platform message id (Slack `ts`, Discord snowflake) for later edits. */
  messageId: string;
}

export type SinkErrorKind =
  /** The platform said "slow down": retry after `retryAfterMs`. */
  | 'RateLimited'
  /** The channel is gone, archived, or the bot may not post there: the channel's subscription pauses. */
  | 'Permanent'
  /** This one message cannot be sent (refused body, a secret): drop it, keep the channel. */
  | 'Rejected'
  /** The message to edit no longer exists (deleted, or too old to edit): say it with a new post. */
  | 'MessageGone'
  /**
   * The platform refused the bot's own token (revoked, invalid, account deactivated): every channel of
   * that platform would fail alike. Its deliveries stop, and wait, until the token is fixed and the bot
   * restarted; nothing is dropped or paused.
   */
  | 'Unauthorized'
  /** Outage, timeout, 5xx: retry with backoff (for a bounded time: then the channel is paused). */
  | 'Transient';

export class SinkError extends Error {
  override readonly name = 'SinkError';
  constructor(
    readonly kind: SinkErrorKind,
    message: string,
    readonly details: { code?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

export interface PostOptions {
  /**
   * The same for every attempt at the same notification, across retries and restarts. A platform that
   * can deduplicate on it (Discord's message nonce) makes a repeated post return the first message, so
   * a post that timed out after the platform accepted it does not appear twice. Others ignore it.
   */
  idempotencyKey?: string;
}

export interface Sink {
  readonly platform: Platform;
  /**
   * The least time between two posts to one channel: the platform's per-channel limit, with a margin
   * (the sender paces each channel by it).
   */
  readonly pacingMs: number;
  post(channelId: string, reply: Reply, options?: PostOptions): Promise<PostedMessage>;
  edit(channelId: string, messageId: string, reply: Reply): Promise<void>;
}

/** Sinks post to channels, where a secret must never appear: every sink calls this first. */
export function assertPublicSafe(reply: Reply): void {
  if (containsSecret(reply))
    throw new SinkError('Rejected', 'refusing to post a reply that contains a secret to a channel');
}

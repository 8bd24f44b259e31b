/**
 * The one place Discord REST settings and errors are interpreted: the bot, the sink and the
 * registration CLI all talk to the same base URL and explain failures the same way.
 */
import { DefaultRestOptions, DiscordAPIError, HTTPError, type RESTOptions } from 'discord.js';
import type { DiscordConfig } from '../../src/config.js';

/** API v10: what the payloads in this adapter (and discord.js 14) are written against. */
export const DISCORD_API_VERSION = '10';

/** `DISCORD_API_URL` replaces `https://discord.com/api` (without `/v10`: the version is appended). */
export function discordRestOptions(
  config: Pick<DiscordConfig, 'apiUrl'>,
  overrides: Partial<RESTOptions> = {},
): Partial<RESTOptions> {
  return { api: config.apiUrl ?? DefaultRestOptions.api, version: DISCORD_API_VERSION, ...overrides };
}

/**
 * The notification sink's own REST client: the bot's with `retries: 0`. @discordjs/rest retries a
 * request that timed out or got a 5xx, and Discord may well have created the message already: one
 * notification became four. The delivery worker owns retries (with backoff, and the same nonce, so
 * Discord drops a repeat). Interaction replies keep the client's own retries: they have no nonce but
 * their own deadline. 429s are still waited out inside the client: Discord created nothing then.
 */
export function discordSinkRestOptions(
  config: Pick<DiscordConfig, 'apiUrl'>,
  overrides: Partial<RESTOptions> = {},
): Partial<RESTOptions> {
  return { ...discordRestOptions(config, overrides), retries: 0 };
}

/** Discord's JSON error codes this bot explains; https://discord.com/developers/docs/topics/opcodes-and-status-codes */
export const DISCORD_ERROR_CODES = {
  unknownApplication: 10002,
  unknownChannel: 10003,
  unknownGuild: 10004,
  unknownMessage: 10008,
  unknownInteraction: 10062,
  missingAccess: 50001,
  missingPermissions: 50013,
} as const;

export interface DescribeRegistrationErrorArgs {
  error: unknown;
  applicationId: string;
  guildId: string | null;
}

/** Why registering `/livestream` failed, and what to change: shown by the CLI and logged at start. */
export function describeRegistrationError({
  error,
  applicationId,
  guildId,
}: DescribeRegistrationErrorArgs): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 401)
      return 'Discord rejected DISCORD_BOT_TOKEN: copy a fresh token from the Bot page.';
    if (error.code === DISCORD_ERROR_CODES.unknownApplication || (error.status === 403 && !guildId)) {
      return `DISCORD_APPLICATION_ID ${applicationId} does not belong to this bot token: copy the Application ID from the same application's General Information page.`;
    }
    if (
      guildId &&
      (error.code === DISCORD_ERROR_CODES.missingAccess || error.code === DISCORD_ERROR_CODES.unknownGuild)
    ) {
      return `The bot cannot register commands in guild ${guildId}: invite it there with the applications.commands scope (see docs/discord.md), or check DISCORD_GUILD_ID.`;
    }
    return `Discord refused the registration (HTTP ${error.status}, code ${error.code}): ${error.message}`;
  }
  if (error instanceof HTTPError)
    return `Discord is having trouble (HTTP ${error.status}). Try again in a minute.`;
  const message = error instanceof Error ? error.message : String(error);
  return `Could not reach Discord (${message}). Check the network, or DISCORD_API_URL if you use a proxy.`;
}

/**
 * The URL that adds the bot to a server, with what it needs and nothing more: printed at start when the
 * bot is in no server, and by `npm run discord:register`. docs/discord.md explains the same numbers.
 */
import { OAuth2Scopes, PermissionFlagsBits } from 'discord.js';

/**
 * View Channel + Send Messages + Embed Links (1024 + 2048 + 16384 = 19456): what posting a notification
 * embed in a channel takes. Editing the bot's own message needs nothing more, and answers to
 * `/livestream` go through the interaction, which needs no channel permission. Read Message History
 * only matters to reply to or read other messages, which the bot never does.
 */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.EmbedLinks;

/** `bot` adds the bot user (it posts notifications); `applications.commands` lets `/livestream` be registered. */
export const INVITE_SCOPES = [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands] as const;

export function discordInviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: INVITE_SCOPES.join(' '),
    permissions: BOT_PERMISSIONS.toString(),
  });
  return `https://discord.com/oauth2/authorize?${query.toString()}`;
}

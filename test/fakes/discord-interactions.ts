/**
 * INTERACTION_CREATE payloads for `/livestream <subcommand> option:value…`, shaped as Discord sends
 * them to a guild channel (testing-offline.md; `entitlements` and `authorizing_integration_owners`
 * are required or discord.js crashes, pitfall D5).
 */
import { snowflake } from './discord-server.js';

export type OptionValue = string | number | boolean;

export interface ChatInputArgs {
  applicationId: string;
  guildId: string;
  channelId: string;
  subcommand: string;
  options?: Record<string, OptionValue>;
  commandName?: string;
  userId?: string;
  /** The member's permission bit set as a decimal string; default: no Manage Channels. */
  permissions?: string;
  roles?: string[];
}

export interface ChatInputInteraction {
  id: string;
  token: string;
  payload: Record<string, unknown>;
}

/** Everything a member usually has (View Channel, Send Messages…) but not Manage Channels (0x10). */
export const MEMBER_PERMISSIONS = '2248473465835073';

function optionType(value: OptionValue): number {
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return 4;
  return 3;
}

export function chatInputInteraction(args: ChatInputArgs): ChatInputInteraction {
  const id = snowflake();
  const token = `itok-${id}`;
  const userId = args.userId ?? '1200000000000000001';
  const options = Object.entries(args.options ?? {}).map(([name, value]) => ({
    name,
    type: optionType(value),
    value,
  }));
  return {
    id,
    token,
    payload: {
      id,
      application_id: args.applicationId,
      type: 2,
      token,
      version: 1,
      data: {
        id: '1250000000000000001',
        name: args.commandName ?? 'livestream',
        type: 1,
        guild_id: args.guildId,
        options: [{ name: args.subcommand, type: 1, options }],
      },
      guild_id: args.guildId,
      channel_id: args.channelId,
      channel: {
        id: args.channelId,
        type: 0,
        guild_id: args.guildId,
        name: 'general',
        position: 0,
        permission_overwrites: [],
        nsfw: false,
        parent_id: null,
        flags: 0,
        last_message_id: null,
        rate_limit_per_user: 0,
        topic: null,
      },
      member: {
        user: { id: userId, username: 'alice', discriminator: '0', global_name: 'Alice', avatar: null },
        roles: args.roles ?? [],
        permissions: args.permissions ?? MEMBER_PERMISSIONS,
        joined_at: '2024-01-01T00:00:00.000Z',
        deaf: false,
        mute: false,
        flags: 0,
        nick: null,
        avatar: null,
        premium_since: null,
        pending: false,
      },
      app_permissions: MEMBER_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': args.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
    },
  };
}

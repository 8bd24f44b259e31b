/**
 * INTERACTION_CREATE payloads for `/livestream <subcommand> option:value…`, shaped as Discord sends
 * them to a guild channel (testing-offline.md; `entitlements` and `authorizing_integration_owners`
 * are required or discord.js crashes, pitfall D5).
 */
import { messageObject, snowflake } from './discord-server.js';

/** A role picked in a Role option: Discord sends its id as the value and the role in `data.resolved`. */
export interface RoleOption {
  roleId: string;
  name?: string;
  /** The role's "Allow anyone to @mention this role" setting. */
  mentionable: boolean;
}

export type OptionValue = string | number | boolean | RoleOption;

export interface ChatInputArgs {
  applicationId: string;
  guildId: string;
  channelId: string;
  subcommand: string;
  options?: Record<string, OptionValue>;
  commandName?: string;
  userId?: string;
  /**
   * The member's permissions in the channel (overwrites applied) as a decimal string, as Discord
   * computes them; default: no Manage Channels.
   */
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

/** MENTION_EVERYONE: ping @everyone, @here and every role, mentionable or not. */
export const MENTION_EVERYONE = 1n << 17n;

/** MEMBER_PERMISSIONS without Mention Everyone: a member who may ping only mentionable roles. */
export const NO_MENTION_EVERYONE = String(BigInt(MEMBER_PERMISSIONS) & ~MENTION_EVERYONE);

function optionType(value: OptionValue): number {
  if (typeof value === 'object') return 8;
  if (typeof value === 'boolean') return 5;
  if (typeof value === 'number') return 4;
  return 3;
}

/** The role as Discord resolves it in an interaction (an APIRole). */
function resolvedRole(option: RoleOption): Record<string, unknown> {
  return {
    id: option.roleId,
    name: option.name ?? 'Role',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 1,
    permissions: '0',
    managed: false,
    mentionable: option.mentionable,
    flags: 0,
  };
}

export function chatInputInteraction(args: ChatInputArgs): ChatInputInteraction {
  const id = snowflake();
  const token = `itok-${id}`;
  const userId = args.userId ?? '1200000000000000001';
  const options = Object.entries(args.options ?? {}).map(([name, value]) => ({
    name,
    type: optionType(value),
    value: typeof value === 'object' ? value.roleId : value,
  }));
  const roles = Object.values(args.options ?? {}).filter((v): v is RoleOption => typeof v === 'object');
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
        ...(roles.length > 0
          ? { resolved: { roles: Object.fromEntries(roles.map((r) => [r.roleId, resolvedRole(r)])) } }
          : {}),
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

/** The message a clicked button is on, as the bot sent it. */
export interface ClickedMessage {
  id?: string;
  /** 64 (EPHEMERAL) for a reply only the clicker sees; 0 for a channel message (a LIVE post). */
  flags?: number;
  embeds?: unknown[];
  components?: unknown[];
}

export interface ComponentArgs extends Omit<ChatInputArgs, 'subcommand' | 'options' | 'commandName'> {
  customId: string;
  message?: ClickedMessage;
  /** 2: a button. */
  componentType?: number;
}

/**
 * A MESSAGE_COMPONENT interaction (type 3): a click on a button of one of the bot's messages, with the
 * message as Discord includes it, and the same member, channel and required fields as a command.
 */
export function componentInteraction(args: ComponentArgs): ChatInputInteraction {
  const base = chatInputInteraction({ ...args, subcommand: 'unused' });
  const message = args.message ?? {};
  const sent = {
    embeds: message.embeds ?? [],
    components: message.components ?? [],
    flags: message.flags ?? 64,
  };
  return {
    ...base,
    payload: {
      ...base.payload,
      type: 3,
      data: { custom_id: args.customId, component_type: args.componentType ?? 2 },
      message: {
        ...messageObject(args.channelId, sent, args.applicationId, message.id),
        components: sent.components,
      },
    },
  };
}

/**
 * What one interaction says, read from Discord's own JSON. An interaction arrives either as the
 * gateway's INTERACTION_CREATE or as a POST to the Interactions Endpoint URL (http-interactions.ts),
 * and the payload is the same object both ways: reading it here, once, is what lets commands and
 * clicks run one path whichever way they came (dispatch.ts). Only what the bot uses is read, and a
 * payload missing any of it is not an interaction we answer (null).
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionType,
  MessageFlags,
  PermissionsBitField,
  SnowflakeUtil,
} from 'discord.js';
import type { OptionValues } from './options.js';

/** Who acted, where, with which rights, and what authorises the answer. */
export interface InteractionOrigin {
  id: string;
  /** Authorises the answer and its edits for 15 minutes: never logged. */
  token: string;
  applicationId: string;
  channelId: string;
  userId: string;
  /** When the person acted, by Discord's clock (from the interaction's snowflake id). */
  createdTimestamp: number;
  /** The member's permissions in the channel, as Discord computed them (overwrites applied); null outside a server. */
  memberPermissions: Readonly<PermissionsBitField> | null;
  /** The member's role ids; null outside a server. */
  roles: readonly string[] | null;
}

/** A slash command (CHAT_INPUT). */
export interface IncomingCommand extends InteractionOrigin {
  kind: 'command';
  commandName: string;
  /** The subcommand (`list`, `create`…), or null when the payload names none. */
  subcommand: string | null;
  /** The subcommand's options. */
  options: OptionValues;
  /** Roles the options name, as Discord resolved them: whether anyone may mention each. */
  mentionableRoles: ReadonlyMap<string, boolean>;
}

/** A click on one of the bot's buttons (MESSAGE_COMPONENT, a button). */
export interface IncomingClick extends InteractionOrigin {
  kind: 'click';
  customId: string;
  /** Whether the message the button is on is ephemeral (only the clicker sees it). */
  onEphemeral: boolean;
}

export type IncomingInteraction = IncomingCommand | IncomingClick;

type Json = Record<string, unknown>;

const SNOWFLAKE = /^\d{15,21}$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The interaction's type (1 PING, 2 a command, 3 a component…), or null when the payload is none. */
export function interactionType(payload: unknown): number | null {
  return isObject(payload) && typeof payload.type === 'number' ? payload.type : null;
}

/** A command or a button click of ours, or null for anything else (autocomplete, modals, a malformed payload). */
export function readInteraction(payload: unknown): IncomingInteraction | null {
  if (!isObject(payload) || !isObject(payload.data)) return null;
  const origin = readOrigin(payload);
  if (!origin) return null;
  const { data } = payload;
  if (payload.type === InteractionType.ApplicationCommand && data.type === ApplicationCommandType.ChatInput) {
    return readCommand(origin, data);
  }
  if (payload.type === InteractionType.MessageComponent && data.component_type === ComponentType.Button) {
    const customId = text(data.custom_id);
    if (customId === null) return null;
    const flags = isObject(payload.message) ? payload.message.flags : undefined;
    const onEphemeral = typeof flags === 'number' && (flags & MessageFlags.Ephemeral) !== 0;
    return { kind: 'click', ...origin, customId, onEphemeral };
  }
  return null;
}

function readOrigin(payload: Json): InteractionOrigin | null {
  const id = text(payload.id);
  const token = text(payload.token);
  const applicationId = text(payload.application_id);
  const channelId =
    text(isObject(payload.channel) ? payload.channel.id : undefined) ?? text(payload.channel_id);
  // In a server the person is the member's user; in a DM, `user`.
  const member = isObject(payload.member) ? payload.member : null;
  const user = member && isObject(member.user) ? member.user : isObject(payload.user) ? payload.user : null;
  const userId = text(user?.id);
  if (id === null || !SNOWFLAKE.test(id) || token === null || applicationId === null) return null;
  if (channelId === null || userId === null) return null;
  const permissions = member ? text(member.permissions) : null;
  return {
    id,
    token,
    applicationId,
    channelId,
    userId,
    createdTimestamp: SnowflakeUtil.timestampFrom(id),
    memberPermissions:
      permissions !== null && /^\d+$/.test(permissions)
        ? new PermissionsBitField(BigInt(permissions)).freeze()
        : null,
    roles: member
      ? Array.isArray(member.roles)
        ? member.roles.filter((r) => typeof r === 'string')
        : []
      : null,
  };
}

interface ResolvedRole {
  id: string;
  name: string;
  mentionable: boolean;
}

function readCommand(origin: InteractionOrigin, data: Json): IncomingCommand | null {
  const commandName = text(data.name);
  if (commandName === null) return null;
  const top = objects(data.options);
  // `/livestream <subcommand> …`: the subcommand is the one top-level option, its options inside it.
  const subcommand = top.find((option) => option.type === ApplicationCommandOptionType.Subcommand);
  const roles = resolvedRoles(data.resolved);
  return {
    kind: 'command',
    ...origin,
    commandName,
    subcommand: subcommand ? text(subcommand.name) : null,
    options: optionValues(subcommand ? objects(subcommand.options) : top, roles),
    mentionableRoles: new Map([...roles.values()].map((role) => [role.id, role.mentionable])),
  };
}

function resolvedRoles(resolved: unknown): ReadonlyMap<string, ResolvedRole> {
  const roles = new Map<string, ResolvedRole>();
  if (!isObject(resolved) || !isObject(resolved.roles)) return roles;
  for (const [id, role] of Object.entries(resolved.roles)) {
    if (isObject(role))
      roles.set(id, { id, name: text(role.name) ?? '', mentionable: role.mentionable === true });
  }
  return roles;
}

/** Options as Discord typed them; one of another type than asked counts as not given. */
function optionValues(options: readonly Json[], roles: ReadonlyMap<string, ResolvedRole>): OptionValues {
  const valueOf = (name: string, type: ApplicationCommandOptionType): unknown =>
    options.find((option) => option.name === name && option.type === type)?.value;
  return {
    getString(name) {
      const value = valueOf(name, ApplicationCommandOptionType.String);
      return typeof value === 'string' ? value : null;
    },
    getInteger(name) {
      const value = valueOf(name, ApplicationCommandOptionType.Integer);
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    },
    getBoolean(name) {
      const value = valueOf(name, ApplicationCommandOptionType.Boolean);
      return typeof value === 'boolean' ? value : null;
    },
    getRole(name) {
      const id = valueOf(name, ApplicationCommandOptionType.Role);
      const role = typeof id === 'string' ? roles.get(id) : undefined;
      return role ? { id: role.id, name: role.name } : null;
    },
  };
}

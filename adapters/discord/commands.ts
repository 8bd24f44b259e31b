/**
 * The `/livestream` application command as data: one chat-input command whose subcommands mirror the
 * core's commands. Subcommand descriptions come from COMMAND_SPECS, so help text and Discord's command
 * picker never drift apart; only the per-option hints live here.
 */
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIApplicationGuildCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { specFor } from '../../src/commands/spec.js';
import { KNOWN_STATUSES, MAX_NAME_LENGTH, MAX_PER_PAGE } from '../../src/realtimekit/types.js';

export const COMMAND_NAME = 'livestream';

/** Discord rejects the whole registration if one of these is exceeded. */
export const COMMAND_LIMITS = { description: 100, choices: 25, stringValue: 6000 } as const;

/**
 * The core commands offered as Discord subcommands, in the order Discord lists them. A core command
 * missing here (a newer one) is simply not offered until it gets options below and a mapping in
 * options.ts.
 */
export const DISCORD_SUBCOMMANDS = [
  'list',
  'create',
  'status',
  'session',
  'meeting',
  'subscribe',
  'unsubscribe',
  'subscriptions',
  'help',
] as const;
export type DiscordSubcommand = (typeof DISCORD_SUBCOMMANDS)[number];

export function isDiscordSubcommand(value: string): value is DiscordSubcommand {
  return (DISCORD_SUBCOMMANDS as readonly string[]).includes(value);
}

/** Option names exactly as people type them in Discord (`/livestream list per_page:5`). */
export const OPTION = {
  status: 'status',
  page: 'page',
  perPage: 'per_page',
  since: 'since',
  until: 'until',
  sort: 'sort',
  excludeMeetings: 'exclude_meetings',
  name: 'name',
  livestreamId: 'livestream_id',
  sessionId: 'session_id',
  meetingId: 'meeting_id',
  events: 'events',
  mention: 'mention',
  command: 'command',
} as const;

export const EVENT_CHOICES = [
  { name: 'live and errored', value: 'both' },
  { name: 'live (and when it ends)', value: 'live' },
  { name: 'errored', value: 'errored' },
] as const;

export const SORT_CHOICES = [
  { name: 'newest first', value: 'desc' },
  { name: 'oldest first', value: 'asc' },
] as const;

/** A UUID is 36 characters; ids in general are at most 128 (see validate.ts). */
const UUID_LENGTH = 36;
const MAX_ID_LENGTH = 128;

function describe(text: string): string {
  return text.length <= COMMAND_LIMITS.description
    ? text
    : `${text.slice(0, COMMAND_LIMITS.description - 1)}…`;
}

/** Every subcommand's options; help lists them with these descriptions. */
export const SUBCOMMAND_OPTIONS: Readonly<
  Record<DiscordSubcommand, readonly APIApplicationCommandBasicOption[]>
> = {
  list: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.status,
      description: 'Only livestreams with this status',
      choices: KNOWN_STATUSES.map((status) => ({ name: status, value: status })),
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: OPTION.page,
      description: 'Page number, from 1',
      min_value: 1,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: OPTION.perPage,
      description: `Livestreams per page, 1 to ${MAX_PER_PAGE}`,
      min_value: 1,
      max_value: MAX_PER_PAGE,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.since,
      description: 'Created at or after this ISO date, e.g. 2026-11-01 or 2026-11-01T09:00Z',
      max_length: 40,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.until,
      description: 'Created at or before this ISO date, e.g. 2026-11-30',
      max_length: 40,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.sort,
      description: 'Order by creation time (newest first by default)',
      choices: SORT_CHOICES.map((choice) => ({ ...choice })),
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: OPTION.excludeMeetings,
      description: 'Leave out livestreams of meetings',
    },
  ],
  create: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.name,
      description: 'A name for the livestream (optional)',
      max_length: MAX_NAME_LENGTH,
    },
  ],
  status: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.livestreamId,
      description: 'The livestream id',
      required: true,
      max_length: MAX_ID_LENGTH,
    },
  ],
  session: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.sessionId,
      description: 'The livestream session id',
      required: true,
      max_length: MAX_ID_LENGTH,
    },
  ],
  meeting: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.meetingId,
      description: 'The meeting id (a UUID)',
      required: true,
      min_length: UUID_LENGTH,
      max_length: UUID_LENGTH,
    },
  ],
  subscribe: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.events,
      description: 'Which changes to post here (default: live and errored)',
      choices: EVENT_CHOICES.map((choice) => ({ ...choice })),
    },
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.livestreamId,
      description: 'Only this livestream (default: every livestream)',
      max_length: MAX_ID_LENGTH,
    },
    {
      type: ApplicationCommandOptionType.Role,
      name: OPTION.mention,
      description: 'A role to ping in each post',
    },
  ],
  unsubscribe: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.livestreamId,
      description: 'Only this livestream (default: every subscription in this channel)',
      max_length: MAX_ID_LENGTH,
    },
  ],
  subscriptions: [],
  help: [
    {
      type: ApplicationCommandOptionType.String,
      name: OPTION.command,
      description: 'Show the details of one command',
      choices: DISCORD_SUBCOMMANDS.map((name) => ({ name, value: name })),
    },
  ],
};

function subcommands(): APIApplicationCommandSubcommandOption[] {
  return DISCORD_SUBCOMMANDS.map((name) => ({
    type: ApplicationCommandOptionType.Subcommand,
    name,
    description: describe(specFor(name).summary),
    options: [...SUBCOMMAND_OPTIONS[name]],
  }));
}

/**
 * The body registered with Discord. Guild contexts only: managing livestreams is team work in a
 * server, and the manager check needs a member's permissions and roles, which DMs do not have.
 * `default_member_permissions` is left unset so everyone can use it; server admins can narrow that
 * under Server Settings > Integrations without a redeploy.
 */
export function livestreamCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND_NAME,
    description: 'Run Cloudflare RealtimeKit livestreams',
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    options: subcommands(),
  };
}

export type CommandScope = 'guild' | 'global';

/**
 * Every command this bot registers; registration overwrites the whole set with exactly these.
 * Guild commands exist in one server only, so Discord's guild routes take no contexts or install types.
 */
export function applicationCommands(
  scope: CommandScope,
): (RESTPostAPIChatInputApplicationCommandsJSONBody | RESTPostAPIApplicationGuildCommandsJSONBody)[] {
  const command = livestreamCommand();
  if (scope === 'global') return [command];
  const { contexts: _contexts, integration_types: _integrationTypes, ...guildCommand } = command;
  return [guildCommand];
}

/**
 * Usage in Discord's own syntax, for the core's usage reply: `list [status:…] [page:…]`,
 * `status livestream_id:…`. Required options are bare, optional ones bracketed.
 */
export function discordUsage(name: DiscordSubcommand): string {
  const parts: string[] = [specFor(name).name];
  for (const option of SUBCOMMAND_OPTIONS[name]) {
    const choices = 'choices' in option && option.choices ? option.choices.map((c) => String(c.value)) : null;
    const value =
      option.type === ApplicationCommandOptionType.Boolean ? 'True' : choices ? choices.join('|') : '…';
    const hint = `${option.name}:${value}`;
    parts.push(option.required ? hint : `[${hint}]`);
  }
  return parts.join(' ');
}

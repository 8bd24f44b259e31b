/**
 * Interaction options -> the core's Command, or a usage problem. Discord already typed the values
 * (integers, booleans, choices), so this only checks what Discord cannot: id shapes, ISO dates and
 * their order. Problems name the Discord option (`per_page`), never the text grammar's `--per-page`.
 */
import type { Command, CommandProblem } from '../../src/commands/command.js';
import {
  KNOWN_STATUSES,
  type KnownStatus,
  type ListQuery,
  MAX_NAME_LENGTH,
  MAX_PER_PAGE,
} from '../../src/realtimekit/types.js';
import { isIsoDateTime, isUuid, isValidId } from '../../src/realtimekit/validate.js';
import {
  COMMAND_NAME,
  DISCORD_SUBCOMMANDS,
  type DiscordSubcommand,
  discordUsage,
  isDiscordSubcommand,
  OPTION,
} from './commands.js';

/** A core command that Discord offers as a subcommand. */
export type DiscordCommand = Extract<Command, { name: DiscordSubcommand }>;

export function isDiscordCommand(command: Command): command is DiscordCommand {
  return isDiscordSubcommand(command.name);
}

/** The core's ParseResult, narrowed to what Discord offers. */
export type OptionsResult = { ok: true; command: DiscordCommand } | ({ ok: false } & CommandProblem);

/** The part of discord.js's option resolver this needs; tests pass a plain object. */
export interface OptionValues {
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getBoolean(name: string): boolean | null;
  getRole(name: string): { id: string } | null;
}

export interface CommandFromOptionsArgs {
  /** `interaction.options.getSubcommand(false)`. */
  subcommand: string | null;
  options: OptionValues;
}

function fail(name: DiscordSubcommand, problem: string): OptionsResult {
  return { ok: false, problem, usage: discordUsage(name) };
}

/** Quoted back to the person, short enough never to flood a reply. */
function quote(value: string): string {
  return `"${value.slice(0, 40)}${value.length > 40 ? '…' : ''}"`;
}

export function commandFromOptions({ subcommand, options }: CommandFromOptionsArgs): OptionsResult {
  if (subcommand === null || !isDiscordSubcommand(subcommand)) {
    // Only a stale registration can send this: Discord validates subcommands against what we registered.
    return {
      ok: false,
      problem: `Unknown subcommand${subcommand ? ` ${quote(subcommand)}` : ''}. Run npm run discord:register to refresh the command.`,
      usage: DISCORD_SUBCOMMANDS.join(' | '),
    };
  }
  switch (subcommand) {
    case 'list':
      return listFromOptions(options);
    case 'create': {
      const livestreamName = options.getString(OPTION.name)?.trim() ?? '';
      if (livestreamName.length > MAX_NAME_LENGTH) {
        return fail('create', `The name is longer than ${MAX_NAME_LENGTH} characters.`);
      }
      return { ok: true, command: livestreamName ? { name: 'create', livestreamName } : { name: 'create' } };
    }
    case 'status': {
      const id = options.getString(OPTION.livestreamId)?.trim() ?? '';
      if (!isValidId(id))
        return fail('status', `${quote(id)} is not a livestream id: ids are letters, digits and dashes.`);
      return { ok: true, command: { name: 'status', livestreamId: id } };
    }
    case 'session': {
      const id = options.getString(OPTION.sessionId)?.trim() ?? '';
      if (!isValidId(id)) {
        return fail(
          'session',
          `${quote(id)} is not a livestream session id: ids are letters, digits and dashes.`,
        );
      }
      return { ok: true, command: { name: 'session', sessionId: id } };
    }
    case 'meeting': {
      const id = options.getString(OPTION.meetingId)?.trim() ?? '';
      if (!isUuid(id)) return fail('meeting', `${quote(id)} is not a meeting id: meeting ids are UUIDs.`);
      return { ok: true, command: { name: 'meeting', meetingId: id } };
    }
    case 'subscribe': {
      const events = options.getString(OPTION.events) ?? 'both';
      const id = options.getString(OPTION.livestreamId)?.trim() ?? '';
      if (id !== '' && !isValidId(id)) return fail('subscribe', `${quote(id)} is not a livestream id.`);
      const role = options.getRole(OPTION.mention);
      return {
        ok: true,
        command: {
          name: 'subscribe',
          onLive: events !== 'errored',
          onErrored: events !== 'live',
          livestreamIds: id ? [id] : [],
          ...(role ? { mention: `<@&${role.id}>` } : {}),
        },
      };
    }
    case 'unsubscribe': {
      const id = options.getString(OPTION.livestreamId)?.trim() ?? '';
      if (id !== '' && !isValidId(id)) return fail('unsubscribe', `${quote(id)} is not a livestream id.`);
      return { ok: true, command: { name: 'unsubscribe', livestreamIds: id ? [id] : [] } };
    }
    case 'subscriptions':
      return { ok: true, command: { name: 'subscriptions' } };
    case 'help': {
      const topic = options.getString(OPTION.command)?.trim().toLowerCase();
      if (!topic) return { ok: true, command: { name: 'help' } };
      if (!isDiscordSubcommand(topic)) return fail('help', `There is no command ${quote(topic)}.`);
      return { ok: true, command: { name: 'help', topic } };
    }
  }
}

function isKnownStatus(value: string): value is KnownStatus {
  return (KNOWN_STATUSES as readonly string[]).includes(value);
}

function listFromOptions(options: OptionValues): OptionsResult {
  const query: ListQuery = {};

  const status = options.getString(OPTION.status)?.trim().toUpperCase();
  if (status !== undefined && status !== '') {
    if (!isKnownStatus(status)) {
      return fail('list', `Unknown status ${quote(status)}: use ${KNOWN_STATUSES.join(', ')}.`);
    }
    query.status = status;
  }

  const page = options.getInteger(OPTION.page);
  if (page !== null) {
    if (!(Number.isInteger(page) && page >= 1))
      return fail('list', `${OPTION.page} must be a whole number of 1 or more.`);
    query.pageNo = page;
  }

  const perPage = options.getInteger(OPTION.perPage);
  if (perPage !== null) {
    if (!(Number.isInteger(perPage) && perPage >= 1 && perPage <= MAX_PER_PAGE)) {
      return fail('list', `${OPTION.perPage} must be a whole number from 1 to ${MAX_PER_PAGE}.`);
    }
    query.perPage = perPage;
  }

  for (const [option, key] of [
    [OPTION.since, 'startTime'],
    [OPTION.until, 'endTime'],
  ] as const) {
    const value = options.getString(option)?.trim();
    if (value === undefined || value === '') continue;
    if (!isIsoDateTime(value)) {
      return fail(
        'list',
        `${option} needs an ISO date such as 2026-11-01 or 2026-11-01T09:00:00Z (got ${quote(value)}).`,
      );
    }
    query[key] = value;
  }
  if (query.startTime && query.endTime && Date.parse(query.startTime) > Date.parse(query.endTime)) {
    return fail('list', `${OPTION.since} must be before ${OPTION.until}.`);
  }

  const sort = options.getString(OPTION.sort)?.trim().toLowerCase();
  if (sort !== undefined && sort !== '') {
    if (sort !== 'asc' && sort !== 'desc')
      return fail('list', `${OPTION.sort} takes asc or desc (got ${quote(sort)}).`);
    query.sortOrder = sort === 'asc' ? 'ASC' : 'DSC';
  }

  if (options.getBoolean(OPTION.excludeMeetings) === true) query.excludeMeetings = true;
  return { ok: true, command: { name: 'list', query } };
}

/**
 * A list query as the Discord command that shows it: the next-page hint people can type, in
 * Discord's syntax rather than the text grammar's (`page:2`, not `--page 2`).
 */
export function listCommandText(query: ListQuery): string {
  const parts = [`/${COMMAND_NAME} list`];
  if (query.status) parts.push(`${OPTION.status}:${query.status}`);
  if (query.pageNo !== undefined) parts.push(`${OPTION.page}:${query.pageNo}`);
  if (query.perPage !== undefined) parts.push(`${OPTION.perPage}:${query.perPage}`);
  if (query.startTime) parts.push(`${OPTION.since}:${query.startTime}`);
  if (query.endTime) parts.push(`${OPTION.until}:${query.endTime}`);
  if (query.sortOrder) parts.push(`${OPTION.sort}:${query.sortOrder === 'ASC' ? 'asc' : 'desc'}`);
  if (query.excludeMeetings) parts.push(`${OPTION.excludeMeetings}:True`);
  return parts.join(' ');
}

/** Any command as it is typed in Discord: help's examples, written once in COMMAND_SPECS. */
export function discordCommandText(command: DiscordCommand): string {
  const base = `/${COMMAND_NAME} ${command.name}`;
  switch (command.name) {
    case 'list':
      return listCommandText(command.query);
    case 'create':
      return command.livestreamName ? `${base} ${OPTION.name}:${command.livestreamName}` : base;
    case 'status':
      return `${base} ${OPTION.livestreamId}:${command.livestreamId}`;
    case 'session':
      return `${base} ${OPTION.sessionId}:${command.sessionId}`;
    case 'meeting':
      return `${base} ${OPTION.meetingId}:${command.meetingId}`;
    case 'subscribe': {
      const parts = [base];
      if (command.onLive !== command.onErrored)
        parts.push(`${OPTION.events}:${command.onLive ? 'live' : 'errored'}`);
      if (command.livestreamIds[0]) parts.push(`${OPTION.livestreamId}:${command.livestreamIds[0]}`);
      if (command.mention) parts.push(`${OPTION.mention}:@role`);
      return parts.join(' ');
    }
    case 'unsubscribe':
      return command.livestreamIds[0] ? `${base} ${OPTION.livestreamId}:${command.livestreamIds[0]}` : base;
    case 'subscriptions':
      return base;
    case 'help':
      return command.topic ? `${base} ${OPTION.command}:${command.topic}` : base;
  }
}

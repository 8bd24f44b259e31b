/**
 * The command grammar as data: usage, summary and examples for every subcommand. Help text, usage
 * errors and the platform command definitions (Discord options, Slack usage hint) all come from here.
 */
import type { CommandName } from './command.js';

export interface CommandSpec {
  name: CommandName;
  usage: string;
  summary: string;
  details?: string;
  examples: string[];
}

export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: 'list',
    usage:
      'list [live|idle|errored|invoked] [--page N] [--per-page N] [--since ISO] [--until ISO] [--sort asc|desc] [--exclude-meetings]',
    summary: 'List livestreams, newest first.',
    details:
      'Filter by status, by creation time (--since/--until take an ISO date such as 2026-11-01 or 2026-11-01T09:00Z), page through results, and leave out livestreams of meetings.',
    examples: [
      'list',
      'list live',
      'list errored --since 2026-11-01 --per-page 5',
      'list --page 2 --sort asc',
    ],
  },
  {
    name: 'create',
    usage: 'create [name...]',
    summary: 'Create an independent livestream. The stream key is shown only to you.',
    examples: ['create', 'create Friday town hall'],
  },
  {
    name: 'status',
    usage: 'status <livestream_id>',
    summary: 'Show the active session of a livestream.',
    examples: ['status 3fd739f4-3c41-456e-bfba-6ebd51e16d2d'],
  },
  {
    name: 'session',
    usage: 'session <livestream_session_id>',
    summary: 'Show one livestream session by its id.',
    examples: ['session 5e1b2c3d-0000-4000-8000-000000000001'],
  },
  {
    name: 'meeting',
    usage: 'meeting <meeting_id>',
    summary: 'Show the active livestream of a meeting (the meeting id is a UUID).',
    examples: ['meeting 182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e'],
  },
  {
    name: 'subscribe',
    usage: 'subscribe [live] [errored] [<livestream_id>...] [--mention WHO]',
    summary: 'Post to this channel when livestreams go LIVE or ERRORED (default: both, every livestream).',
    details:
      'Name livestream ids to follow only those. --mention adds a ping to each post (@here in Slack, a role in Discord). Subscribing again resumes a paused subscription.',
    examples: [
      'subscribe',
      'subscribe errored',
      'subscribe live 3fd739f4-3c41-456e-bfba-6ebd51e16d2d',
      'subscribe live --mention @here',
    ],
  },
  {
    name: 'unsubscribe',
    usage: 'unsubscribe [<livestream_id>...]',
    summary: 'Stop notifications in this channel (for the named livestreams, or all).',
    examples: ['unsubscribe', 'unsubscribe 3fd739f4-3c41-456e-bfba-6ebd51e16d2d'],
  },
  {
    name: 'subscriptions',
    usage: 'subscriptions',
    summary: 'Show what this channel is subscribed to, and any paused subscription with the reason.',
    examples: ['subscriptions'],
  },
  {
    name: 'help',
    usage: 'help [command]',
    summary: 'Show this help, or the details of one command.',
    examples: ['help', 'help list'],
  },
];

export function specFor(name: CommandName): CommandSpec {
  const spec = COMMAND_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`no spec for command ${name}`);
  return spec;
}

export function isCommandName(value: string): value is CommandName {
  return COMMAND_SPECS.some((s) => s.name === value);
}

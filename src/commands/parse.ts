/**
 * The text grammar for free-text platforms (Slack, terminal): `list live --page 2`, `create My show`...
 * Returns a Command or a problem with the right usage; never throws.
 */
import {
  KNOWN_STATUSES,
  type KnownStatus,
  type ListQuery,
  MAX_NAME_LENGTH,
  MAX_PER_PAGE,
} from '../realtimekit/types.js';
import { isIsoDateTime, isUuid, isValidId } from '../realtimekit/validate.js';
import type { CommandName, ParseResult } from './command.js';
import { COMMAND_SPECS, isCommandName, specFor } from './spec.js';

/** Splits on whitespace, keeping "quoted strings" (straight or curly quotes, as Slack sends them) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  return tokens;
}

function fail(name: CommandName, problem: string): ParseResult {
  return { ok: false, problem, usage: specFor(name).usage };
}

export function parseCommandText(input: string): ParseResult {
  const tokens = tokenize(input.trim());
  // People paste the slash command itself into the terminal; Slack never sends it.
  if (tokens[0]?.toLowerCase() === '/livestream') tokens.shift();
  const [head, ...rest] = tokens;
  if (head === undefined) return { ok: true, command: { name: 'help' } };
  const name = head.toLowerCase();
  if (!isCommandName(name)) {
    const suggestion = closestCommand(name);
    return {
      ok: false,
      problem: `Unknown command "${head.slice(0, 40)}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
      usage: COMMAND_SPECS.map((s) => s.name).join(' | '),
    };
  }
  switch (name) {
    case 'list':
      return parseList(rest);
    case 'create': {
      const livestreamName = rest.join(' ').trim();
      if (livestreamName.length > MAX_NAME_LENGTH)
        return fail('create', `The name is longer than ${MAX_NAME_LENGTH} characters.`);
      return { ok: true, command: livestreamName ? { name: 'create', livestreamName } : { name: 'create' } };
    }
    case 'status':
    case 'session':
    case 'meeting':
      return parseIdCommand(name, rest);
    case 'subscribe':
      return parseSubscribe(rest);
    case 'unsubscribe': {
      const bad = rest.find((id) => !isValidId(id));
      if (bad !== undefined) return fail('unsubscribe', `"${bad.slice(0, 40)}" is not a livestream id.`);
      return { ok: true, command: { name: 'unsubscribe', livestreamIds: rest } };
    }
    case 'subscriptions':
      if (rest.length > 0) return fail('subscriptions', 'subscriptions takes no arguments.');
      return { ok: true, command: { name: 'subscriptions' } };
    case 'help': {
      const topic = rest[0]?.toLowerCase();
      if (topic === undefined) return { ok: true, command: { name: 'help' } };
      if (!isCommandName(topic)) return fail('help', `There is no command "${topic.slice(0, 40)}".`);
      return { ok: true, command: { name: 'help', topic } };
    }
  }
}

const ID_LABELS = {
  status: 'a livestream id',
  session: 'a livestream session id',
  meeting: 'a meeting id',
} as const;

function parseIdCommand(name: 'status' | 'session' | 'meeting', args: string[]): ParseResult {
  const [id, ...extra] = args;
  if (id === undefined) return fail(name, `Missing ${ID_LABELS[name]}.`);
  if (extra.length > 0)
    return fail(
      name,
      `Expected only ${ID_LABELS[name]}, got extra words: "${extra.join(' ').slice(0, 40)}".`,
    );
  if (name === 'meeting') {
    if (!isUuid(id)) return fail(name, `"${id.slice(0, 40)}" is not a meeting id: meeting ids are UUIDs.`);
    return { ok: true, command: { name, meetingId: id } };
  }
  if (!isValidId(id))
    return fail(name, `"${id.slice(0, 40)}" is not ${ID_LABELS[name]}: ids are letters, digits and dashes.`);
  return name === 'status'
    ? { ok: true, command: { name, livestreamId: id } }
    : { ok: true, command: { name, sessionId: id } };
}

function parseSubscribe(args: string[]): ParseResult {
  let onLive = false;
  let onErrored = false;
  let mention: string | undefined;
  const livestreamIds: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const token = args[i] ?? '';
    const lower = token.toLowerCase();
    if (lower === 'live') onLive = true;
    else if (lower === 'errored') onErrored = true;
    else if (lower === '--mention' || lower.startsWith('--mention=')) {
      mention = lower.startsWith('--mention=') ? token.slice('--mention='.length) : args[++i];
      if (!mention) return fail('subscribe', '--mention needs who to ping, such as @here.');
    } else if (token.startsWith('--')) return fail('subscribe', `Unknown option "${token.slice(0, 40)}".`);
    else if (isValidId(token)) livestreamIds.push(token);
    else return fail('subscribe', `"${token.slice(0, 40)}" is neither live, errored nor a livestream id.`);
  }
  // Neither named: both, as the usage says.
  if (!onLive && !onErrored) onLive = onErrored = true;
  return {
    ok: true,
    command: { name: 'subscribe', onLive, onErrored, livestreamIds, ...(mention ? { mention } : {}) },
  };
}

const LIST_FLAGS = ['--page', '--per-page', '--since', '--until', '--sort', '--exclude-meetings'] as const;

function parseList(args: string[]): ParseResult {
  const query: ListQuery = {};
  for (let i = 0; i < args.length; i++) {
    const token = args[i] ?? '';
    const eq = token.indexOf('=');
    const flag = (token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token)
      .toLowerCase()
      .replace('--per_page', '--per-page');
    const inline = token.startsWith('--') && eq > 0 ? token.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];

    if (!flag.startsWith('--')) {
      const status = flag.toUpperCase();
      if (!(KNOWN_STATUSES as readonly string[]).includes(status)) {
        return fail('list', `Unknown status "${token.slice(0, 40)}": use live, idle, errored or invoked.`);
      }
      if (query.status) return fail('list', 'Give at most one status.');
      query.status = status as KnownStatus;
      continue;
    }
    switch (flag) {
      case '--page':
      case '--per-page': {
        const raw = value();
        const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
        if (flag === '--page') {
          if (!(n >= 1))
            return fail('list', `--page needs a whole number of 1 or more (got "${raw ?? ''}").`);
          query.pageNo = n;
        } else {
          if (!(n >= 1 && n <= MAX_PER_PAGE))
            return fail(
              'list',
              `--per-page needs a whole number from 1 to ${MAX_PER_PAGE} (got "${raw ?? ''}").`,
            );
          query.perPage = n;
        }
        break;
      }
      case '--since':
      case '--until': {
        const raw = value();
        if (raw === undefined || !isIsoDateTime(raw)) {
          return fail(
            'list',
            `${flag} needs an ISO date such as 2026-11-01 or 2026-11-01T09:00:00Z (got "${(raw ?? '').slice(0, 40)}").`,
          );
        }
        if (flag === '--since') query.startTime = raw;
        else query.endTime = raw;
        break;
      }
      case '--sort': {
        const raw = value()?.toLowerCase();
        if (raw !== 'asc' && raw !== 'desc' && raw !== 'dsc')
          return fail('list', `--sort takes asc or desc (got "${raw ?? ''}").`);
        query.sortOrder = raw === 'asc' ? 'ASC' : 'DSC';
        break;
      }
      case '--exclude-meetings':
        if (inline !== undefined) return fail('list', '--exclude-meetings takes no value.');
        query.excludeMeetings = true;
        break;
      default:
        return fail(
          'list',
          `Unknown option "${token.slice(0, 40)}": the options are ${LIST_FLAGS.join(', ')}.`,
        );
    }
  }
  if (query.startTime && query.endTime && Date.parse(query.startTime) > Date.parse(query.endTime)) {
    return fail('list', '--since must be before --until.');
  }
  return { ok: true, command: { name: 'list', query } };
}

/** A close command name for a typo (edit distance of at most 2, or a prefix). */
function closestCommand(input: string): CommandName | null {
  let best: { name: CommandName; distance: number } | null = null;
  for (const { name } of COMMAND_SPECS) {
    const distance = name.startsWith(input) && input.length >= 2 ? 0 : editDistance(input, name);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

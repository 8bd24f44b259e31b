/**
 * Every command as data, after Hubot's command bus: a name, a summary, its arguments (kind, required,
 * choices, range, description) and examples, how argument values become the core's Command and back,
 * and what the core must know to run it (API calls, operators only, makes a livestream, shared in
 * flight, runs from a button). The text grammar, Discord's options and their registration, help in
 * both, validation, authorisation, the limits and which buttons may run what all come from here.
 * Adding a command is one entry below and its handler (registry.ts).
 */
import {
  ID_RULE,
  isoInstant,
  NAME_RULE,
  PAGE_RANGE,
  PER_PAGE_RANGE,
  UUID_RULE,
} from '../realtimekit/validate.js';
import { KNOWN_STATUSES, type ListQuery, MAX_PER_PAGE, type SortOrder } from '../realtimekit/types.js';
import { DEFAULT_SUBSCRIPTION_LIMITS } from '../notify/subscription-limits.js';
import { DEFAULT_STATS_DAYS, STATS_DAYS_RANGE } from '../stats/period.js';
import type { ArgValueMap, ArgValues } from './args.js';
import type { InputError } from './problem.js';
import { type Args, textUsage } from './text-grammar.js';

export type Bound<C> = { ok: true; command: C } | { ok: false; errors: InputError[] };

/** One command, as written below. */
export interface CommandDefinition<N extends string, A extends Args, C extends { name: N }> {
  name: N;
  summary: string;
  /** More for `help <command>`, when the summary and the arguments do not say it all. */
  details?: string;
  /** In order: the order of the text usage and of Discord's options. */
  args: A;
  /**
   * Argument values, as a command would get them: help writes each in its platform's syntax (the text
   * grammar's `list errored --per-page 5`, Discord's `list status:ERRORED per_page:5`).
   */
  examples: readonly NoInfer<ArgValues<A>>[];
  /** A rule across arguments, checked once each is valid on its own. */
  check?: (values: ArgValues<A>) => InputError | null;
  toCommand: (values: ArgValues<A>) => C;
  /**
   * The argument values that give this command back (`toCommand`'s inverse): how a command is written
   * out in a platform's syntax, for a button's id or the next-page hint.
   */
  toValues: (command: NoInfer<C>) => ArgValues<A>;
  /**
   * The most RealtimeKit API calls one run makes, retries aside; 0: it never calls the API, and no limit
   * holds it back. Each person's limits and the token's budget count these (command-limits.ts).
   * (A function of the command is written after `toCommand`, which its type is read from.)
   */
  apiCalls: number | ((command: NoInfer<C>) => number);
  /** Only operators may run it: it changes what viewers see, or shows a stream key (authorize.ts). */
  operatorOnly?: boolean;
  /** It makes a livestream and its stream key: each person's stricter limit on those counts it too. */
  makesLivestream?: boolean;
  /**
   * Its answer is the same for whoever asks at that moment (a read): identical commands in flight
   * share one answer (core.ts). Never for an answer that changes anything or says who asked.
   */
  sharedInFlight?: boolean;
  /** A button may run it (buttons.ts): a click can do only what a person could type, and only these. */
  buttonable?: boolean;
  /** A click on it changes what everyone sees: a double click runs it once (buttons.ts's click guard). */
  changesSharedState?: (command: NoInfer<C>) => boolean;
}

/** A command's spec, as the grammar, the platforms and help read it. */
export interface CommandSpec<
  N extends string = string,
  C extends { name: N } = { name: N },
  A extends Args = Args,
> {
  name: N;
  summary: string;
  details?: string;
  args: A;
  examples: readonly ArgValues<A>[];
  /** The text usage, from the arguments: `status <livestream_id>`. */
  usage: string;
  /**
   * The Command from values read against `args` (by the text grammar or a platform's options) and
   * the problems met reading them: a required argument missing, a rule across them broken.
   */
  bind(values: ArgValueMap, errors: readonly InputError[]): Bound<C>;
  /** The argument values of a command this spec made: what each platform writes it out from. */
  valuesOf(command: C): ArgValueMap;
  /** The most API calls this command makes (see CommandDefinition). */
  apiCallsOf(command: C): number;
  operatorOnly: boolean;
  makesLivestream: boolean;
  sharedInFlight: boolean;
  buttonable: boolean;
  changesSharedState(command: C): boolean;
}

/** Any command's spec, in the registry below or not (a test's own). */
export type SomeCommandSpec = CommandSpec<string, { name: string }, Args>;

export function defineCommand<const N extends string, const A extends Args, C extends { name: N }>(
  definition: CommandDefinition<N, A, C>,
): CommandSpec<N, C, A> {
  const { name, summary, details, args, examples, check, toCommand, toValues, apiCalls } = definition;
  return {
    name,
    summary,
    ...(details !== undefined ? { details } : {}),
    args,
    examples,
    usage: textUsage(name, args),
    bind(values, readErrors) {
      const errors = [...readErrors];
      const all: Args = args;
      for (const [argName, arg] of Object.entries(all)) {
        const reported = errors.some((error) => 'arg' in error && error.arg === argName);
        if (arg.required && values[argName] === undefined && !reported)
          errors.push({ kind: 'Missing', arg: argName });
      }
      if (errors.length > 0) return { ok: false, errors };
      // The readers accepted every value against `args` (acceptValue), so they have these types.
      const typed = values as ArgValues<A>;
      const broken = check?.(typed);
      return broken ? { ok: false, errors: [broken] } : { ok: true, command: toCommand(typed) };
    },
    valuesOf: (command) => toValues(command),
    apiCallsOf: (command) => (typeof apiCalls === 'number' ? apiCalls : apiCalls(command)),
    operatorOnly: definition.operatorOnly ?? false,
    makesLivestream: definition.makesLivestream ?? false,
    sharedInFlight: definition.sharedInFlight ?? false,
    buttonable: definition.buttonable ?? false,
    changesSharedState: (command) => definition.changesSharedState?.(command) ?? false,
  };
}

/** Only the keys given: commands are compared and shared as JSON, and read back in tests. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A livestream id the examples use. */
export const EXAMPLE_LIVESTREAM_ID = '3fd739f4-3c41-456e-bfba-6ebd51e16d2d';

const list = defineCommand({
  name: 'list',
  summary: 'List livestreams, newest first.',
  details:
    'Filter by status, by creation time (ISO dates such as 2026-11-01 or 2026-11-01T09:00; a time without a zone is UTC), page through results, and leave out livestreams of meetings.',
  args: {
    status: {
      kind: 'choice',
      choices: KNOWN_STATUSES.map((value) => ({ value })),
      description: 'Only livestreams with this status',
    },
    page: { kind: 'integer', flag: true, range: PAGE_RANGE, description: 'Page number, from 1' },
    per_page: {
      kind: 'integer',
      flag: true,
      range: PER_PAGE_RANGE,
      description: `Livestreams per page, 1 to ${MAX_PER_PAGE}`,
    },
    since: {
      kind: 'date',
      flag: true,
      description: 'Created at or after this ISO date (UTC unless it has a zone), e.g. 2026-11-01T09:00',
    },
    until: {
      kind: 'date',
      flag: true,
      description: 'Created at or before this ISO date (UTC unless it has a zone), e.g. 2026-11-30',
    },
    sort: {
      kind: 'choice',
      flag: true,
      choices: [
        { value: 'DSC', word: 'desc', aliases: ['dsc'], label: 'newest first' },
        { value: 'ASC', word: 'asc', label: 'oldest first' },
      ],
      description: 'Order by creation time (newest first by default)',
    },
    exclude_meetings: { kind: 'boolean', flag: true, description: 'Leave out livestreams of meetings' },
  },
  examples: [
    {},
    { status: 'LIVE' },
    { status: 'ERRORED', since: '2026-11-01', per_page: 5 },
    { page: 2, sort: 'ASC' },
  ],
  apiCalls: 1,
  sharedInFlight: true,
  buttonable: true,
  check: ({ since, until }) =>
    since !== undefined && until !== undefined && isoInstant(since) > isoInstant(until)
      ? { kind: 'OutOfOrder', first: 'since', second: 'until' }
      : null,
  toCommand: (values): { name: 'list'; query: ListQuery } => ({
    name: 'list',
    query: defined({
      status: values.status,
      pageNo: values.page,
      perPage: values.per_page,
      startTime: values.since,
      endTime: values.until,
      sortOrder: values.sort satisfies SortOrder | undefined,
      excludeMeetings: values.exclude_meetings,
    }),
  }),
  toValues: ({ query }) =>
    defined({
      status: query.status,
      page: query.pageNo,
      per_page: query.perPage,
      since: query.startTime,
      until: query.endTime,
      sort: query.sortOrder,
      exclude_meetings: query.excludeMeetings ? true : undefined,
    }),
});

const create = defineCommand({
  name: 'create',
  summary: 'Create an independent livestream. The stream key is shown only to you.',
  args: {
    name: {
      kind: 'text',
      rest: true,
      maxLength: NAME_RULE.maxLength,
      description: 'A name for the livestream (optional)',
    },
  },
  examples: [{}, { name: 'Friday town hall' }],
  apiCalls: 1,
  operatorOnly: true,
  makesLivestream: true,
  toCommand: ({ name }): { name: 'create'; livestreamName?: string } =>
    name ? { name: 'create', livestreamName: name } : { name: 'create' },
  toValues: ({ livestreamName }) => defined({ name: livestreamName }),
});

const status = defineCommand({
  name: 'status',
  summary: 'Show the active session of a livestream.',
  args: {
    livestream_id: { kind: 'id', rule: ID_RULE, required: true, description: 'The livestream id' },
  },
  examples: [{ livestream_id: EXAMPLE_LIVESTREAM_ID }],
  // The active session; for a livestream not live (a 404), the livestream itself to say what it is.
  apiCalls: 2,
  sharedInFlight: true,
  buttonable: true,
  toCommand: ({ livestream_id }): { name: 'status'; livestreamId: string } => ({
    name: 'status',
    livestreamId: livestream_id,
  }),
  toValues: ({ livestreamId }) => ({ livestream_id: livestreamId }),
});

const session = defineCommand({
  name: 'session',
  summary: 'Show one livestream session by its id.',
  args: {
    session_id: {
      kind: 'id',
      rule: ID_RULE,
      required: true,
      noun: 'livestream session id',
      placeholder: 'livestream_session_id',
      description: 'The livestream session id',
    },
  },
  examples: [{ session_id: '5e1b2c3d-0000-4000-8000-000000000001' }],
  apiCalls: 1,
  sharedInFlight: true,
  buttonable: true,
  toCommand: ({ session_id }): { name: 'session'; sessionId: string } => ({
    name: 'session',
    sessionId: session_id,
  }),
  toValues: ({ sessionId }) => ({ session_id: sessionId }),
});

const meeting = defineCommand({
  name: 'meeting',
  summary: 'Show the active livestream of a meeting (the meeting id is a UUID).',
  args: {
    meeting_id: { kind: 'id', rule: UUID_RULE, required: true, description: 'The meeting id (a UUID)' },
  },
  examples: [{ meeting_id: '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e' }],
  apiCalls: 1,
  sharedInFlight: true,
  buttonable: true,
  toCommand: ({ meeting_id }): { name: 'meeting'; meetingId: string } => ({
    name: 'meeting',
    meetingId: meeting_id,
  }),
  toValues: ({ meetingId }) => ({ meeting_id: meetingId }),
});

/**
 * A meeting id the examples of `start` and `stop` use: the demo's emulator (`npm start` without
 * credentials) has a meeting with this id, so the examples work there as typed
 * (test/emulator/meetings.test.ts checks that they agree).
 */
export const EXAMPLE_MEETING_ID = '3d8e6a10-5c2b-4f7e-9a41-7b0c2e5d9f13';

const start = defineCommand({
  name: 'start',
  summary: 'Start livestreaming a meeting (a UUID). The stream key is shown only to you.',
  details:
    'Only the people this bot’s admin named as operators may start, stop or create livestreams. The reply shows the livestream and its playback link.',
  args: {
    meeting_id: { kind: 'id', rule: UUID_RULE, required: true, description: 'The meeting id (a UUID)' },
    name: {
      kind: 'text',
      rest: true,
      maxLength: NAME_RULE.maxLength,
      description: 'A name for the livestream (optional)',
    },
  },
  examples: [{ meeting_id: EXAMPLE_MEETING_ID }, { meeting_id: EXAMPLE_MEETING_ID, name: 'Design review' }],
  apiCalls: 1,
  operatorOnly: true,
  makesLivestream: true,
  toCommand: ({ meeting_id, name }): { name: 'start'; meetingId: string; livestreamName?: string } =>
    name
      ? { name: 'start', meetingId: meeting_id, livestreamName: name }
      : { name: 'start', meetingId: meeting_id },
  toValues: ({ meetingId, livestreamName }) => defined({ meeting_id: meetingId, name: livestreamName }),
});

const stop = defineCommand({
  name: 'stop',
  summary: 'Stop the livestream of a meeting (a UUID), after you confirm.',
  details:
    'Without --yes the bot says which livestream it would stop and how long it has been live, and asks you to confirm. Only operators may stop a livestream.',
  args: {
    meeting_id: { kind: 'id', rule: UUID_RULE, required: true, description: 'The meeting id (a UUID)' },
    yes: { kind: 'boolean', flag: true, description: 'Stop it now: you have confirmed' },
  },
  examples: [{ meeting_id: EXAMPLE_MEETING_ID }, { meeting_id: EXAMPLE_MEETING_ID, yes: true }],
  // The livestream and its session, to name them, then the stop.
  apiCalls: 3,
  operatorOnly: true,
  // Its unconfirmed form only asks (the confirming button comes with the answer).
  buttonable: true,
  toCommand: ({ meeting_id, yes }): { name: 'stop'; meetingId: string; confirmed: boolean } => ({
    name: 'stop',
    meetingId: meeting_id,
    confirmed: yes === true,
  }),
  toValues: ({ meetingId, confirmed }) =>
    defined({ meeting_id: meetingId, yes: confirmed ? true : undefined }),
  // Confirmed, it stops the livestream for everyone.
  changesSharedState: ({ confirmed }) => confirmed,
});

const show = defineCommand({
  name: 'show',
  summary: 'Show one livestream, whatever its status, with its recent sessions.',
  args: {
    livestream_id: { kind: 'id', rule: ID_RULE, required: true, description: 'The livestream id' },
    page: { kind: 'integer', flag: true, range: PAGE_RANGE, description: 'Page of sessions, from 1' },
  },
  examples: [{ livestream_id: EXAMPLE_LIVESTREAM_ID }, { livestream_id: EXAMPLE_LIVESTREAM_ID, page: 2 }],
  apiCalls: 1,
  sharedInFlight: true,
  buttonable: true,
  toCommand: ({ livestream_id, page }): { name: 'show'; livestreamId: string; pageNo?: number } =>
    page === undefined
      ? { name: 'show', livestreamId: livestream_id }
      : { name: 'show', livestreamId: livestream_id, pageNo: page },
  toValues: ({ livestreamId, pageNo }) => defined({ livestream_id: livestreamId, page: pageNo }),
});

const stats = defineCommand({
  name: 'stats',
  summary: 'Chart the app’s livestreams over the last days: viewer and ingest hours per day.',
  details: `Looks back ${DEFAULT_STATS_DAYS} days unless you say how many (UTC days, today included). The chart has viewer hours as bars and ingest hours as a line, with the totals in its title.`,
  args: {
    days: {
      kind: 'integer',
      range: STATS_DAYS_RANGE,
      description: `Days to look back, ${STATS_DAYS_RANGE.min} to ${STATS_DAYS_RANGE.max} (default ${DEFAULT_STATS_DAYS})`,
    },
  },
  examples: [{}, { days: 7 }],
  // The totals and the days.
  apiCalls: 2,
  sharedInFlight: true,
  toCommand: ({ days }): { name: 'stats'; days: number } => ({
    name: 'stats',
    days: days ?? DEFAULT_STATS_DAYS,
  }),
  toValues: ({ days }) => ({ days }),
});

const subscribe = defineCommand({
  name: 'subscribe',
  summary: 'Post to this channel when livestreams go LIVE or ERRORED (default: both, every livestream).',
  details:
    'Name livestream ids to follow only those. --mention adds a ping to each post (@here in Slack, a role in Discord). Subscribing again resumes a paused subscription.',
  args: {
    events: {
      kind: 'set',
      choices: [{ value: 'live', label: 'live (and when it ends)' }, { value: 'errored' }],
      all: { word: 'both', label: 'live and errored' },
      description: 'Which changes to post here (default: live and errored)',
    },
    livestream_id: {
      kind: 'id',
      rule: ID_RULE,
      variadic: true,
      description: 'Only this livestream (default: every livestream)',
    },
    mention: {
      kind: 'mention',
      flag: true,
      description: 'Who to ping in each post: a role in Discord, @here or a group in Slack',
    },
  },
  examples: [
    {},
    { events: ['errored'] },
    { events: ['live'], livestream_id: [EXAMPLE_LIVESTREAM_ID] },
    { events: ['live'], mention: '@here' },
  ],
  toCommand: ({
    events = [],
    livestream_id = [],
    mention,
  }): {
    name: 'subscribe';
    onLive: boolean;
    onErrored: boolean;
    livestreamIds: string[];
    mention?: string;
  } => ({
    name: 'subscribe',
    // Neither named: both, as the usage says.
    onLive: events.length === 0 || events.includes('live'),
    onErrored: events.length === 0 || events.includes('errored'),
    livestreamIds: livestream_id,
    ...(mention ? { mention } : {}),
  }),
  toValues: ({ onLive, onErrored, livestreamIds, mention }) =>
    defined({
      // Both is the default: no word.
      events: onLive && onErrored ? undefined : onLive ? ['live' as const] : ['errored' as const],
      livestream_id: livestreamIds.length > 0 ? livestreamIds : undefined,
      mention,
    }),
  // One lookup per id named (at most the per-command cap); the poller's own list answers the rest.
  apiCalls: ({ livestreamIds }) =>
    Math.min(livestreamIds.length, DEFAULT_SUBSCRIPTION_LIMITS.maxIdsPerCommand),
});

const unsubscribe = defineCommand({
  name: 'unsubscribe',
  summary: 'Stop notifications in this channel (for the named livestreams, or all).',
  args: {
    livestream_id: {
      kind: 'id',
      rule: ID_RULE,
      variadic: true,
      description: 'Only this livestream (default: every subscription in this channel)',
    },
  },
  examples: [{}, { livestream_id: [EXAMPLE_LIVESTREAM_ID] }],
  apiCalls: 0,
  toCommand: ({ livestream_id = [] }): { name: 'unsubscribe'; livestreamIds: string[] } => ({
    name: 'unsubscribe',
    livestreamIds: livestream_id,
  }),
  toValues: ({ livestreamIds }) =>
    defined({ livestream_id: livestreamIds.length > 0 ? livestreamIds : undefined }),
});

const subscriptions = defineCommand({
  name: 'subscriptions',
  summary: 'Show what this channel is subscribed to, and any paused subscription with the reason.',
  args: {},
  examples: [{}],
  apiCalls: 0,
  toCommand: (): { name: 'subscriptions' } => ({ name: 'subscriptions' }),
  toValues: () => ({}),
});

const help = defineCommand({
  name: 'help',
  summary: 'Show this help, or the details of one command.',
  args: {
    command: { kind: 'command', names: commandNames, description: 'Show the details of one command' },
  },
  examples: [{}, { command: 'list' }],
  apiCalls: 0,
  // The grammar accepted only a command's name (see commandNames).
  toCommand: ({ command }): HelpCommand =>
    command ? { name: 'help', topic: command as CommandName } : { name: 'help' },
  // Typed here: the topic names every command, help included (see HelpCommand).
  toValues: ({ topic }: HelpCommand): { command?: string } => defined({ command: topic }),
});

/** An interface, not an inline type: its topic names every command, help included. */
interface HelpCommand {
  name: 'help';
  topic?: CommandName;
}

/** Every command, in the order help and Discord's picker list them. */
export const COMMAND_SPECS = [
  list,
  create,
  status,
  session,
  meeting,
  start,
  stop,
  show,
  stats,
  subscribe,
  unsubscribe,
  subscriptions,
  help,
] as const;

type CommandOf<S> = S extends CommandSpec<string, infer C, Args> ? C : never;

/** What a person asked for, parsed and validated: the core's input, whatever the platform. */
export type Command = CommandOf<(typeof COMMAND_SPECS)[number]>;
export type CommandName = (typeof COMMAND_SPECS)[number]['name'];
export type AnyCommandSpec = (typeof COMMAND_SPECS)[number];
/** The argument values of one command, typed: `ArgValuesOf<'list'>` has `per_page?: number`. */
export type ArgValuesOf<N extends CommandName> = ArgValues<Extract<AnyCommandSpec, { name: N }>['args']>;

function commandNames(): readonly string[] {
  return COMMAND_SPECS.map((spec) => spec.name);
}

export function isCommandName(value: string): value is CommandName {
  return COMMAND_SPECS.some((spec) => spec.name === value);
}

export function findSpec(name: string): AnyCommandSpec | undefined {
  return COMMAND_SPECS.find((spec) => spec.name === name);
}

export function specFor<N extends CommandName>(name: N): Extract<AnyCommandSpec, { name: N }> {
  const spec = findSpec(name);
  if (!spec) throw new Error(`no spec for command ${name}`);
  // Found by its name.
  return spec as Extract<AnyCommandSpec, { name: N }>;
}

/** The one place where an error becomes words for people. Short, specific, and never a raw body. */
import type { CommandRefusal } from '../command-limits.js';
import { CLOUDFLARE_REQUEST_LIMIT } from '../notify/budget.js';
import type { Rate } from '../rate-limit.js';
import { isRealtimeKitError, type RealtimeKitError } from '../realtimekit/errors.js';
import { type Reply, type ReplyField, reply } from '../reply.js';
import type { NotOperator } from './authorize.js';
import { describeInputErrors } from './describe-input.js';
import type { CommandProblem } from './problem.js';
import type { SomeCommandSpec } from './spec.js';

/** What the failed call was about, so "not found" can say what was not found. */
export type ErrorSubject =
  | { kind: 'livestream-session'; livestreamId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'meeting'; meetingId: string }
  | { kind: 'meeting-start'; meetingId: string }
  /** `sent`: a confirmed stop, which sends the stop; unconfirmed, it only reads the meeting. */
  | { kind: 'meeting-stop'; meetingId: string; sent: boolean }
  | { kind: 'livestream'; livestreamId: string }
  | { kind: 'list' }
  | { kind: 'create' };

export function notFoundText(subject: ErrorSubject): string {
  switch (subject.kind) {
    case 'livestream-session':
      return `Livestream ${subject.livestreamId} has no active session: it is not streaming right now, or no livestream has that id.`;
    case 'session':
      return `No livestream session has the id ${subject.sessionId}.`;
    case 'meeting':
      return `Meeting ${subject.meetingId} has no active livestream: it is not being livestreamed, or no meeting has that id.`;
    case 'meeting-start':
      return `No meeting has the id ${subject.meetingId}: check it in your RealtimeKit app.`;
    case 'meeting-stop':
      return `Meeting ${subject.meetingId} has no active livestream, so there is nothing to stop (or no meeting has that id).`;
    case 'livestream':
      return `No livestream has the id ${subject.livestreamId}.`;
    case 'list':
    case 'create':
      return 'RealtimeKit could not find this app: check REALTIMEKIT_APP_ID and CLOUDFLARE_ACCOUNT_ID.';
  }
}

const INTERNAL_ERROR_TEXT = 'Something went wrong on our side. The details are in the bot’s log.';

/** For a bug anywhere between the platform and the API: the person still gets an answer, never a trace. */
export function internalErrorReply(): Reply {
  return reply({
    title: 'That did not work',
    tone: 'error',
    text: INTERNAL_ERROR_TEXT,
    visibility: 'requester',
  });
}

/**
 * A create that timed out, lost its connection or got a 5xx may have been carried out all the same
 * (the request reached Cloudflare; the answer did not reach us), and so was one whose 2xx answer could
 * not be read (cut off, too large, not JSON). Creates are never retried for that reason, and the person
 * must not be told to "try again": that made a second livestream whose key nobody ever saw. A 429 or a
 * 4xx is a refusal: nothing was created.
 */
function mayHaveCreated(error: RealtimeKitError, subject: ErrorSubject): boolean {
  const unreadableSuccess =
    error.kind === 'Malformed' && error.status !== null && error.status >= 200 && error.status < 300;
  return (
    (subject.kind === 'create' ||
      subject.kind === 'meeting-start' ||
      (subject.kind === 'meeting-stop' && subject.sent)) &&
    (error.kind === 'Timeout' ||
      error.kind === 'Network' ||
      error.kind === 'ServerError' ||
      unreadableSuccess)
  );
}

/** After an answer that never arrived: how to find out whether it happened, before doing it again. */
function checkFirst(subject: ErrorSubject): string {
  switch (subject.kind) {
    case 'meeting-start':
      return `The livestream may have been started anyway: check the meeting's livestream (the \`meeting\` command, meeting ${subject.meetingId}) before starting again.`;
    case 'meeting-stop':
      return `The livestream may have been stopped anyway: the \`meeting\` command (meeting ${subject.meetingId}) shows whether it is still live.`;
    default:
      return CHECK_LIST_FIRST;
  }
}

const CHECK_LIST_FIRST =
  'The livestream may have been created anyway: check `/livestream list` before creating again, so you do not end up with two.';

export function errorText(error: unknown, subject: ErrorSubject): string {
  if (!isRealtimeKitError(error)) return INTERNAL_ERROR_TEXT;
  if (mayHaveCreated(error, subject)) {
    const check = checkFirst(subject);
    switch (error.kind) {
      case 'Timeout':
        return `RealtimeKit did not answer in time. ${check}`;
      case 'ServerError':
        return `RealtimeKit had trouble answering (HTTP ${error.status ?? '5xx'}). ${check}`;
      case 'Malformed':
        return `RealtimeKit accepted the request, but its answer could not be read. ${check}`;
      default:
        return `The connection to RealtimeKit broke before its answer arrived. ${check}`;
    }
  }
  const said = error.apiMessage ? ` (RealtimeKit said: “${error.apiMessage.slice(0, 200)}”)` : '';
  switch (error.kind) {
    case 'Unauthorized':
      return 'RealtimeKit rejected the API token. Check that CLOUDFLARE_API_TOKEN is valid and has the Realtime or Realtime Admin permission.';
    case 'Forbidden':
      return `The API token may not do this${said}. Check that it has the Realtime Admin permission for this account.`;
    case 'NotFound':
      return notFoundText(subject);
    case 'Invalid':
      return error.status === null
        ? `That request is not valid: ${error.message}.`
        : `RealtimeKit refused the request${said}.`;
    case 'RateLimited':
      return `RealtimeKit is rate limiting this bot. Try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} s` : ' in a minute'}.`;
    case 'ServerError':
      return `RealtimeKit is having trouble (HTTP ${error.status ?? '5xx'}). Try again in a minute.`;
    case 'Timeout':
      return 'RealtimeKit did not answer in time. Try again in a moment.';
    case 'Network':
      return 'Could not reach RealtimeKit. Check the network, or CLOUDFLARE_API_BASE_URL if you use a proxy.';
    case 'Malformed':
      return 'RealtimeKit sent an answer the bot could not read. Try again; if it keeps happening, the API may have changed.';
  }
}

const UNSURE_TITLES = {
  create: 'Not sure the livestream was created',
  'meeting-start': 'Not sure the livestream was started',
  'meeting-stop': 'Not sure the livestream was stopped',
} as const;

export function errorReply(error: unknown, subject: ErrorSubject): Reply {
  const title = !isRealtimeKitError(error)
    ? 'That did not work'
    : error.kind === 'NotFound'
      ? subject.kind === 'meeting-stop'
        ? 'Nothing to stop'
        : 'Not found'
      : mayHaveCreated(error, subject)
        ? UNSURE_TITLES[subject.kind as 'create' | 'meeting-start' | 'meeting-stop']
        : 'That did not work';
  return reply({ title, tone: 'error', text: errorText(error, subject), visibility: 'requester' });
}

/** "20 commands a minute", "1 livestream every 10 minutes". */
function describeRate(rate: Rate, what: 'commands' | 'livestreams'): string {
  const minutes = rate.perMs / 60_000;
  const period =
    minutes === 1
      ? 'a minute'
      : Number.isInteger(minutes)
        ? `every ${minutes} minutes`
        : `every ${Math.round(rate.perMs / 1000)} seconds`;
  const noun = rate.count === 1 ? what.slice(0, -1) : what;
  return `${rate.count} ${noun} ${period}`;
}

const waitText = (ms: number) => `${Math.max(1, Math.ceil(ms / 1000))} s`;

/** A command held back by a limit (see command-limits.ts): what to do, and when. */
export function refusalReply(refusal: CommandRefusal): Reply {
  switch (refusal.kind) {
    case 'SlowDown': {
      const allowance =
        refusal.limit === 'creates'
          ? `Each person may create ${describeRate(refusal.rate, 'livestreams')}.`
          : `Each person may run ${describeRate(refusal.rate, 'commands')}.`;
      return reply({
        title: 'Slow down',
        tone: 'error',
        text: `Slow down: try again in ${waitText(refusal.retryAfterMs)}. ${allowance}`,
        visibility: 'requester',
      });
    }
    case 'NearRequestLimit':
      return reply({
        title: 'Near the API limit',
        tone: 'error',
        text: `The bot is close to Cloudflare’s request limit for its API token (${CLOUDFLARE_REQUEST_LIMIT.toLocaleString('en-US')} requests in 5 minutes, past which Cloudflare blocks the token and every command and notification stops), so it is holding commands back. Try again in ${waitText(refusal.retryAfterMs)}.`,
        visibility: 'requester',
      });
  }
}

/** Operators named at most, one field each; the rest are counted. */
const MAX_OPERATORS_SHOWN = 10;

/** A person who may not start, stop or create: who may, and who names them. */
export function notOperatorReply(refusal: NotOperator): Reply {
  const { operators } = refusal;
  const sentences = ['Only operators may start, stop or create livestreams.'];
  const fields: ReplyField[] = [];
  if (operators) {
    const named = operators.userIds.length > 0 ? 'the people below' : 'one of the roles below';
    const who =
      operators.permission === null
        ? named
        : operators.roleIds.length > 0 || operators.userIds.length > 0
          ? `members with ${operators.permission} or ${named}`
          : `members with ${operators.permission}`;
    sentences.push(
      `Here that is ${who}: ask one of them, or ask the bot’s admin to add you to ${operators.setting}.`,
    );
    const people: ReplyField[] = [
      ...operators.userIds.map((id): ReplyField => ({ label: 'Operator', value: id, format: 'user' })),
      ...operators.roleIds.map((id): ReplyField => ({ label: 'Operator role', value: id, format: 'role' })),
    ];
    fields.push(...people.slice(0, MAX_OPERATORS_SHOWN));
    if (people.length > MAX_OPERATORS_SHOWN)
      fields.push({ label: 'And', value: `${people.length - MAX_OPERATORS_SHOWN} more` });
  } else sentences.push('Ask the bot’s admin who may.');
  return reply({
    title: 'Not allowed',
    tone: 'error',
    text: sentences.join(' '),
    fields,
    visibility: 'requester',
  });
}

/**
 * Bad input: every problem with it, and the usage that would have been right. `spec`: the command's
 * own, found by name unless given (a command outside the registry).
 */
export function usageReply(problem: CommandProblem, spec?: SomeCommandSpec): Reply {
  return reply({
    title: 'That command is not quite right',
    tone: 'error',
    text: describeInputErrors(problem, spec).join('\n'),
    fields: [{ label: 'Usage', value: `/livestream ${problem.usage}`, format: 'code' }],
    footer: helpHint(problem),
    visibility: 'requester',
  });
}

/** Where to read more: that command's own help, in the syntax the person used. */
function helpHint({ command, surface }: CommandProblem): string {
  if (command === null) return 'Type /livestream help for every command.';
  return surface === 'options'
    ? `Type /livestream help command:${command} for its options and examples.`
    : `Type /livestream help ${command} for its arguments and examples.`;
}

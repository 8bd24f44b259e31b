/**
 * The commands the RealtimeKit API answers: each runs a parsed Command against the client and returns a
 * Reply. Knows no platform. Every failure becomes a reply through describe-error.ts; nothing here throws.
 */
import { livestreamName } from '../livestream-name.js';
import { type Clock, systemClock } from '../clock.js';
import type { RequestContext } from '../context.js';
import type { Logger } from '../log.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import {
  type ActiveLivestreamSession,
  type Livestream,
  type LivestreamSession,
} from '../realtimekit/types.js';
import {
  type Badge,
  type CommandAction,
  type Reply,
  type ReplyField,
  type ReplyItem,
  reply,
  statusBadge,
} from '../reply.js';
import { statsReply } from '../stats/stats.js';
import { detailsAction, listPagingActions, livestreamActions, stopConfirmAction } from './actions.js';
import { type Command, DEFAULT_PER_PAGE } from './command.js';
import { type ErrorSubject, errorReply } from './describe-error.js';
import { durationBetween, formatSeconds } from './format.js';

export { helpReply } from './help.js';

/** What a handler runs with. */
export interface HandlerDeps {
  client: RealtimeKitClient;
  log?: Logger;
  /** "Live for" is measured on its wall clock; default the system clock. */
  clock?: Clock;
  /** Who asked: the answers that say who changed something (start, stop) name them. */
  context?: RequestContext;
}

type CommandNamed<N extends Command['name']> = Extract<Command, { name: N }>;

/** Runs one command and answers; never throws. */
export type ApiHandler<N extends Command['name']> = (
  command: CommandNamed<N>,
  deps: HandlerDeps,
) => Promise<Reply>;

/**
 * A command the RealtimeKit API answers: a failure becomes the error reply about `subject` (what a
 * "not found" was about), logged as the API's answer or, when it is not one, as a fault of ours.
 */
function answeredByApi<N extends Command['name']>(
  subject: (command: CommandNamed<N>) => ErrorSubject,
  answer: (command: CommandNamed<N>, deps: HandlerDeps) => Promise<Reply>,
): ApiHandler<N> {
  return async (command, deps) => {
    try {
      return await answer(command, deps);
    } catch (error) {
      if (!isRealtimeKitError(error))
        deps.log?.error('command failed unexpectedly', { command: command.name, error });
      else
        deps.log?.info('command got an API error', {
          command: command.name,
          kind: error.kind,
          status: error.status,
        });
      return errorReply(error, subject(command));
    }
  };
}

/** The handler of each command the RealtimeKit API answers (registry.ts pairs each with its spec). */
export const API_HANDLERS = {
  list: answeredByApi<'list'>(
    () => ({ kind: 'list' }),
    (command, { client }) => listReply(command, client),
  ),
  create: answeredByApi<'create'>(
    () => ({ kind: 'create' }),
    async (command, { client }) =>
      createdReply(
        await client.createLivestream(command.livestreamName ? { name: command.livestreamName } : {}),
      ),
  ),
  status: answeredByApi<'status'>(
    ({ livestreamId }) => ({ kind: 'livestream-session', livestreamId }),
    (command, { client, log }) => statusReply(command.livestreamId, client, log),
  ),
  session: answeredByApi<'session'>(
    ({ sessionId }) => ({ kind: 'session', sessionId }),
    (command, { client }) => sessionReply(command.sessionId, client),
  ),
  meeting: answeredByApi<'meeting'>(
    ({ meetingId }) => ({ kind: 'meeting', meetingId }),
    (command, { client }) => meetingReply(command.meetingId, client),
  ),
  show: answeredByApi<'show'>(
    ({ livestreamId }) => ({ kind: 'livestream', livestreamId }),
    (command, { client }) => showReply(command, client),
  ),
  start: answeredByApi<'start'>(
    ({ meetingId }) => ({ kind: 'meeting-start', meetingId }),
    (command, deps) => startLivestream(command, deps),
  ),
  stop: answeredByApi<'stop'>(
    // Only a confirmed stop sends one: an unconfirmed one that fails only read the meeting.
    ({ meetingId, confirmed }) => ({ kind: 'meeting-stop', meetingId, sent: confirmed }),
    (command, deps) => {
      const now = (deps.clock ?? systemClock).now();
      return command.confirmed
        ? stopNow(command.meetingId, deps, now, deps.context)
        : stopPrompt(command.meetingId, deps.client, now);
    },
  ),
  stats: answeredByApi<'stats'>(
    // App-wide, like a list: a 404 means the app itself was not found.
    () => ({ kind: 'list' }),
    (command, { client, clock }) => statsReply(command.days, { client, nowMs: (clock ?? systemClock).now() }),
  ),
} satisfies { [N in Command['name']]?: ApiHandler<N> };

async function sessionReply(sessionId: string, client: RealtimeKitClient): Promise<Reply> {
  const session = await client.getLivestreamSession(sessionId);
  return reply({
    title: 'Livestream session',
    tone: session.errMessage ? 'errored' : session.stoppedTime ? 'idle' : 'live',
    fields: [
      ...(session.livestreamId
        ? [{ label: 'Livestream ID', value: session.livestreamId, format: 'code' as const }]
        : []),
      ...sessionFields(session),
    ],
  });
}

async function meetingReply(meetingId: string, client: RealtimeKitClient): Promise<Reply> {
  const livestream = await client.getMeetingActiveLivestream(meetingId);
  return reply({
    title: `Active livestream of meeting ${meetingId}`,
    tone: statusBadge(livestream.status, livestream.rawStatus).tone,
    badge: statusBadge(livestream.status, livestream.rawStatus),
    fields: livestreamFields(livestream),
    links: livestream.playbackUrl ? [{ label: 'Watch', url: livestream.playbackUrl }] : [],
  });
}

async function statusReply(livestreamId: string, client: RealtimeKitClient, log?: Logger): Promise<Reply> {
  let active: ActiveLivestreamSession;
  try {
    active = await client.getActiveLivestreamSession(livestreamId);
  } catch (error) {
    // The API answers 404 alike for a livestream that is not streaming and for no livestream at all:
    // the livestream itself tells them apart (a failed lookup leaves the 404's own answer).
    if (!isRealtimeKitError(error) || error.kind !== 'NotFound') throw error;
    const found = await client
      // One session is enough: only the livestream is shown.
      .getLivestreamDetails(livestreamId, { perPage: 1 })
      .catch((lookup: unknown) => {
        if (!isRealtimeKitError(lookup) || lookup.kind !== 'NotFound')
          log?.info('status: the livestream lookup after a 404 failed', { error: lookup });
        return null;
      });
    if (!found) throw error;
    return notLiveReply(found.livestream);
  }
  const { livestream, session } = active;
  // Without the livestream in the answer its name is unknown, not absent: say its id.
  const name = livestream ? livestreamName(livestream.name) : `livestream ${livestreamId}`;
  return reply({
    title: `Active session of ${name}`,
    tone: livestream ? statusBadge(livestream.status, livestream.rawStatus).tone : 'info',
    ...(livestream ? { badge: statusBadge(livestream.status, livestream.rawStatus) } : {}),
    fields: [
      { label: 'Livestream ID', value: livestreamId, format: 'code' },
      ...(session ? sessionFields(session) : []),
    ],
    links: livestream?.playbackUrl ? [{ label: 'Watch', url: livestream.playbackUrl }] : [],
  });
}

/** A livestream with no active session: what it is, and that it is not live. */
function notLiveReply(livestream: Livestream): Reply {
  const badge = statusBadge(livestream.status, livestream.rawStatus);
  const name = livestreamName(livestream.name);
  // LIVE or ERRORED in the list but no session yet: the two reads crossed a change.
  const active = livestream.status === 'LIVE' || livestream.status === 'ERRORED';
  return reply({
    // The badge says the status: the title does not say it again.
    title: active ? `${name} is ${badge.text}` : `${name} is not live now`,
    tone: badge.tone,
    badge,
    text: active
      ? 'Its session is not available yet: try again in a moment.'
      : // Details (below) shows it with its sessions, in the syntax of wherever this is read.
        'Details shows it with its recent sessions.',
    // The title names it already.
    fields: livestreamFields(livestream).filter((field) => field.label !== 'Name'),
    actions: [detailsAction(livestream.id)],
  });
}

async function listReply(
  command: Extract<Command, { name: 'list' }>,
  client: RealtimeKitClient,
): Promise<Reply> {
  const query = { perPage: DEFAULT_PER_PAGE, sortOrder: 'DSC' as const, ...command.query };
  const page = await client.listLivestreams(query);
  const pageNo = query.pageNo ?? 1;
  const offset = (pageNo - 1) * query.perPage + 1;
  const total = page.paging.totalCount;
  const more =
    total !== null ? offset - 1 + page.livestreams.length < total : page.livestreams.length >= query.perPage;
  const filter = query.status ? ` (${query.status})` : '';
  return reply({
    title: `Livestreams${filter}`,
    list: {
      items: page.livestreams.map(listItem),
      total,
      offset,
      empty:
        pageNo > 1 ? `Nothing on page ${pageNo}.` : `No livestreams${filter ? ` are ${query.status}` : ''}.`,
      ...(more ? { next: { name: 'list', query: { ...command.query, pageNo: pageNo + 1 } } } : {}),
    },
    // Previous / Next page in place; each item's Details is in listItem.
    actions: listPagingActions(command.query, pageNo, more),
  });
}

function listItem(livestream: Livestream): ReplyItem {
  const fields: ReplyField[] = [{ label: 'ID', value: livestream.id, format: 'code' }];
  if (livestream.createdAt) fields.push({ label: 'Created', value: livestream.createdAt, format: 'time' });
  if (livestream.meetingId) fields.push({ label: 'Meeting', value: livestream.meetingId, format: 'code' });
  return {
    title: livestreamName(livestream.name),
    badge: statusBadge(livestream.status, livestream.rawStatus),
    fields,
    ...(livestream.playbackUrl ? { link: { label: 'Watch', url: livestream.playbackUrl } } : {}),
    actions: [detailsAction(livestream.id)],
  };
}

/** A livestream's public facts. Never the stream key: that is for `create` only. */
function livestreamFields(livestream: Livestream): ReplyField[] {
  const fields: ReplyField[] = [{ label: 'Livestream ID', value: livestream.id, format: 'code' }];
  if (livestream.name) fields.push({ label: 'Name', value: livestream.name });
  if (livestream.meetingId) fields.push({ label: 'Meeting', value: livestream.meetingId, format: 'code' });
  if (livestream.createdAt) fields.push({ label: 'Created', value: livestream.createdAt, format: 'time' });
  if (livestream.disabled) fields.push({ label: 'Disabled', value: 'yes' });
  return fields;
}

function sessionFields(session: LivestreamSession): ReplyField[] {
  const fields: ReplyField[] = [{ label: 'Session ID', value: session.id, format: 'code' }];
  if (session.startedTime) fields.push({ label: 'Started', value: session.startedTime, format: 'time' });
  if (session.stoppedTime) fields.push({ label: 'Stopped', value: session.stoppedTime, format: 'time' });
  if (session.startedTime && session.stoppedTime) {
    const duration = durationBetween(session.startedTime, session.stoppedTime);
    if (duration) fields.push({ label: 'Duration', value: duration });
  }
  if (session.ingestSeconds !== null)
    fields.push({ label: 'Ingest time', value: formatSeconds(session.ingestSeconds) });
  if (session.viewerSeconds !== null)
    fields.push({ label: 'Viewer time', value: formatSeconds(session.viewerSeconds) });
  if (session.errMessage) fields.push({ label: 'Error', value: session.errMessage });
  return fields;
}

/**
 * A livestream just made (create, start): its fields, then what an encoder needs (the stream key is a
 * secret: such a reply goes only to the requester) and the playback URL as code, so it copies cleanly.
 */
function newStreamFields(livestream: Livestream): ReplyField[] {
  const fields = livestreamFields(livestream);
  if (livestream.ingestServer)
    fields.push({ label: 'RTMPS server', value: livestream.ingestServer, format: 'code' });
  if (livestream.streamKey)
    fields.push({ label: 'Stream key', value: livestream.streamKey, format: 'secret' });
  if (livestream.playbackUrl)
    fields.push({ label: 'Playback URL', value: livestream.playbackUrl, format: 'code' });
  return fields;
}

function createdReply(livestream: Livestream): Reply {
  const fields = newStreamFields(livestream);
  return reply({
    title: `Livestream created: ${livestreamName(livestream.name)}`,
    tone: 'success',
    badge: statusBadge(livestream.status, livestream.rawStatus),
    text: 'Point your encoder (OBS, ffmpeg…) at the RTMPS server with this stream key. Keep the key secret: anyone who has it can broadcast on this stream.',
    fields,
    links: livestream.playbackUrl ? [{ label: 'Playback URL', url: livestream.playbackUrl }] : [],
    actions: [detailsAction(livestream.id)],
    // The stream key is a secret: only the person who asked may ever see it.
    visibility: 'requester',
  });
}

/** Starts a meeting's livestream; the answer says who started it. */
async function startLivestream(command: CommandNamed<'start'>, deps: HandlerDeps): Promise<Reply> {
  const { client, context } = deps;
  const started = await client.startMeetingLivestream(
    command.meetingId,
    command.livestreamName ? { name: command.livestreamName } : {},
  );
  deps.log?.info('livestream started', {
    meetingId: command.meetingId,
    livestreamId: started.id,
    platform: context?.platform,
    userId: context?.userId,
  });
  return startedReply(started, context);
}

/** A meeting's livestream just started: the stream key is a secret, so only the requester sees this. */
function startedReply(livestream: Livestream, context: RequestContext | undefined): Reply {
  const fields = newStreamFields(livestream);
  return reply({
    title: `Livestream started: ${livestreamName(livestream.name)}`,
    tone: 'success',
    badge: statusBadge(livestream.status, livestream.rawStatus),
    text: 'RealtimeKit is starting the meeting’s livestream: it goes LIVE in a few seconds. Share the Watch link with viewers. Keep the stream key secret: anyone who has it can broadcast on this stream.',
    fields,
    links: livestream.playbackUrl ? [{ label: 'Watch', url: livestream.playbackUrl }] : [],
    actions: livestreamActions(livestream),
    ...(context ? { actor: { userId: context.userId, did: 'Started' } } : {}),
    visibility: 'requester',
  });
}

/**
 * `stop` without `--yes`: what it would stop (the meeting's active livestream, and how long it has been
 * live), with the button that confirms. Nothing is stopped.
 */
async function stopPrompt(meetingId: string, client: RealtimeKitClient, now: number): Promise<Reply> {
  const livestream = await client.getMeetingActiveLivestream(meetingId);
  const session = await activeSessionOf(client, livestream.id);
  const badge = statusBadge(livestream.status, livestream.rawStatus);
  const liveFor = session?.startedTime
    ? durationBetween(session.startedTime, new Date(now).toISOString())
    : null;
  const fields = livestreamFields(livestream);
  if (session?.startedTime) fields.push({ label: 'Live since', value: session.startedTime, format: 'time' });
  if (liveFor) fields.push({ label: 'Live for', value: liveFor });
  return reply({
    title: `Stop ${livestreamName(livestream.name)}?`,
    tone: badge.tone,
    badge,
    text: `This stops the livestream of meeting ${meetingId} for everyone watching${liveFor ? `: it has been live for ${liveFor}` : livestream.status === 'INVOKED' ? ': it is still starting' : ''}. Nothing is stopped until you confirm.`,
    fields,
    actions: [stopConfirmAction(meetingId, livestream.name)],
    visibility: 'requester',
  });
}

/**
 * `stop --yes`: stops the meeting's livestream and tells the channel which one, for how long it was
 * live, and who stopped it. What is about to stop is read first, only to name it: the stop itself
 * decides whether anything was live (404: nothing to stop).
 */
async function stopNow(
  meetingId: string,
  deps: HandlerDeps,
  now: number,
  context: RequestContext | undefined,
): Promise<Reply> {
  const { client, log } = deps;
  const before = await client.getMeetingActiveLivestream(meetingId).catch((error: unknown) => {
    log?.info('stop: could not read the livestream before stopping it', { meetingId, error });
    return null;
  });
  const session = before ? await activeSessionOf(client, before.id) : null;
  const result = await client.stopMeetingLivestream(meetingId);
  log?.info('livestream stopped', {
    meetingId,
    livestreamId: before?.id ?? null,
    platform: context?.platform,
    userId: context?.userId,
    apiMessage: result.message,
  });
  const fields: ReplyField[] = before
    ? livestreamFields(before).filter((field) => field.label !== 'Created')
    : [{ label: 'Meeting', value: meetingId, format: 'code' }];
  const wasLiveFor = session?.startedTime
    ? durationBetween(session.startedTime, new Date(now).toISOString())
    : null;
  if (wasLiveFor) fields.push({ label: 'Was live for', value: wasLiveFor });
  return reply({
    title: before ? `Livestream stopped: ${livestreamName(before.name)}` : 'Livestream stopped',
    tone: 'success',
    badge: { text: 'STOPPED', tone: 'idle' },
    text: `The livestream of meeting ${meetingId} has stopped.`,
    fields,
    ...(context ? { actor: { userId: context.userId, did: 'Stopped' } } : {}),
    // It changed what everyone sees: the channel is told, and by whom.
    visibility: 'channel',
  });
}

/** The open session of a livestream, for its start time; null when there is none or it cannot be read. */
async function activeSessionOf(
  client: RealtimeKitClient,
  livestreamId: string,
): Promise<LivestreamSession | null> {
  try {
    return (await client.getActiveLivestreamSession(livestreamId)).session;
  } catch {
    // Only "live for" is lost: the answer names the livestream all the same.
    return null;
  }
}

/** Sessions a page of `show` lists. */
export const SHOW_SESSIONS_PER_PAGE = 5;

/** One livestream, whatever its status (IDLE included), with a page of its sessions, newest first. */
async function showReply(
  command: Extract<Command, { name: 'show' }>,
  client: RealtimeKitClient,
): Promise<Reply> {
  const pageNo = command.pageNo ?? 1;
  const { livestream, sessions, paging } = await client.getLivestreamDetails(command.livestreamId, {
    pageNo,
    perPage: SHOW_SESSIONS_PER_PAGE,
  });
  const total = paging.totalCount;
  const offset = (pageNo - 1) * SHOW_SESSIONS_PER_PAGE + 1;
  const more =
    total !== null ? offset - 1 + sessions.length < total : sessions.length >= SHOW_SESSIONS_PER_PAGE;
  const page = (to: number, label: string): CommandAction => ({
    label,
    command: { name: 'show', livestreamId: command.livestreamId, pageNo: to },
    inPlace: true,
  });
  const actions: CommandAction[] = [];
  if (pageNo > 1) actions.push(page(pageNo - 1, 'Newer sessions'));
  if (more) actions.push(page(pageNo + 1, 'Older sessions'));
  const badge = statusBadge(livestream.status, livestream.rawStatus);
  return reply({
    title: livestreamName(livestream.name),
    tone: badge.tone,
    badge,
    fields: livestreamFields(livestream),
    list: {
      items: newestFirst(sessions).map(sessionItem),
      total,
      offset,
      empty:
        pageNo > 1 ? `No sessions on page ${pageNo}.` : 'No sessions yet: this livestream has not gone live.',
      ...(more ? { next: { name: 'show', livestreamId: command.livestreamId, pageNo: pageNo + 1 } } : {}),
    },
    links: livestream.playbackUrl ? [{ label: 'Watch', url: livestream.playbackUrl }] : [],
    ...(actions.length > 0 ? { actions } : {}),
  });
}

/** Newest first by when each began; sessions without any time keep their order, after the others. */
function newestFirst(sessions: readonly LivestreamSession[]): LivestreamSession[] {
  const began = (session: LivestreamSession) =>
    Date.parse(session.startedTime ?? session.invokedTime ?? session.createdAt ?? '');
  return sessions
    .map((session, index) => ({ session, index, at: began(session) }))
    .sort((a, b) => {
      const aKnown = !Number.isNaN(a.at);
      const bKnown = !Number.isNaN(b.at);
      if (aKnown && bKnown && a.at !== b.at) return b.at - a.at;
      if (aKnown !== bKnown) return aKnown ? -1 : 1;
      return a.index - b.index;
    })
    .map(({ session }) => session);
}

function sessionItem(session: LivestreamSession): ReplyItem {
  const badge: Badge = session.errMessage
    ? { text: 'ERRORED', tone: 'errored' }
    : session.stoppedTime
      ? { text: 'ENDED', tone: 'idle' }
      : session.startedTime
        ? { text: 'LIVE', tone: 'live' }
        : { text: 'STARTING', tone: 'invoked' };
  return { title: 'Session', badge, fields: sessionFields(session) };
}

/** Notification events -> Reply, for every platform. Never a stream key: events carry none. */
import { detailsAction, stopAction, watchAction } from '../commands/actions.js';
import { durationBetween, formatSeconds } from '../commands/format.js';
import { livestreamName } from '../livestream-name.js';
import { type Reply, type ReplyAction, type ReplyField, type ReplyItem, reply } from '../reply.js';
import type { StreamEvent, SystemEvent } from './types.js';

const streamName = (event: StreamEvent) => livestreamName(event.stream.name);
const idField = (event: StreamEvent): ReplyField => ({
  label: 'Livestream ID',
  value: event.stream.id,
  format: 'code',
});
const watch = (event: StreamEvent) =>
  event.stream.playbackUrl ? [{ label: 'Watch', url: event.stream.playbackUrl }] : [];

/**
 * A live stream's buttons: Watch, Details (answered to whoever clicks, only them), and Stop for a
 * meeting's livestream (operators only: the click runs the unconfirmed stop, which asks first).
 */
const liveActions = (event: StreamEvent): ReplyAction[] => [
  ...(event.stream.playbackUrl ? [watchAction(event.stream.playbackUrl)] : []),
  detailsAction(event.stream.id),
  ...(event.stream.meetingId ? [stopAction(event.stream.meetingId)] : []),
];

function withMention(value: Reply, mention: string | null): Reply {
  return mention ? { ...value, mention } : value;
}

export function liveMessage(event: StreamEvent, mention: string | null, resumedAt?: string): Reply {
  const fields: ReplyField[] = [idField(event)];
  if (event.startedTime ?? event.at)
    fields.push({ label: 'Started', value: event.startedTime ?? event.at, format: 'time' });
  return withMention(
    reply({
      title: `${streamName(event)} is live`,
      tone: 'live',
      badge: { text: 'LIVE', tone: 'live' },
      ...(resumedAt ? { text: `It dropped briefly and was back live at ${resumedAt}.` } : {}),
      fields,
      links: watch(event),
      actions: liveActions(event),
      visibility: 'channel',
    }),
    mention,
  );
}

export function erroredMessage(event: StreamEvent, mention: string | null): Reply {
  return withMention(
    reply({
      title: `${streamName(event)} errored`,
      tone: 'errored',
      badge: { text: 'ERRORED', tone: 'errored' },
      text: 'Check that the encoder is still sending to the RTMPS server with the right stream key, and the network between the encoder and Cloudflare.',
      fields: [
        idField(event),
        { label: 'Error', value: event.errMessage ?? 'RealtimeKit gave no error message.' },
      ],
      links: watch(event),
      actions: [detailsAction(event.stream.id)],
      visibility: 'channel',
    }),
    mention,
  );
}

/** The LIVE post, edited once the stream stopped: how long it ran and what it used. */
export function endedMessage(live: StreamEvent | null, ended: StreamEvent, mention: string | null): Reply {
  const started = ended.startedTime ?? live?.startedTime ?? live?.at ?? null;
  const fields: ReplyField[] = [idField(ended)];
  if (started) fields.push({ label: 'Started', value: started, format: 'time' });
  fields.push({ label: 'Ended', value: ended.at, format: 'time' });
  const duration = started ? durationBetween(started, ended.at) : null;
  if (duration) fields.push({ label: 'Duration', value: duration });
  if (ended.ingestSeconds != null)
    fields.push({ label: 'Ingest time', value: formatSeconds(ended.ingestSeconds) });
  if (ended.viewerSeconds != null)
    fields.push({ label: 'Viewer time', value: formatSeconds(ended.viewerSeconds) });
  const name = livestreamName(ended.stream.name ?? live?.stream.name);
  const { status, rawStatus } = ended.stream;
  const now = ended.vanished
    ? 'It is no longer in the list of livestreams.'
    : status !== 'UNKNOWN'
      ? `The stream is ${status} now.`
      : rawStatus
        ? `Its status is now ${rawStatus}.`
        : 'It is no longer live.';
  return withMention(
    reply({
      title: `${name} ended`,
      tone: 'idle',
      badge: { text: 'ENDED', tone: 'idle' },
      text: now,
      fields,
      links: live ? watch(live) : [],
      // The edit replaces the LIVE post's buttons: nothing left to stop.
      actions: [detailsAction(ended.stream.id)],
      visibility: 'channel',
    }),
    mention,
  );
}

export function streamMessage(event: StreamEvent, mention: string | null): Reply {
  if (event.kind === 'live') return liveMessage(event, mention);
  if (event.kind === 'errored') return erroredMessage(event, mention);
  return endedMessage(null, event, mention);
}

/** Many transitions for one channel at once: one message instead of a flood. */
/**
 * LIVE -> ERRORED is two events (ended, errored); in a digest the ERRORED line says it all. Only that
 * pair folds: an "ended" whose stream's next event here is not such an errored (the stream went LIVE
 * again after an error, then ended) stays, or the digest would leave it looking live.
 */
export function foldForDigest(all: StreamEvent[]): StreamEvent[] {
  return all.filter((e, i) => {
    if (e.kind !== 'ended') return true;
    const next = all.slice(i + 1).find((later) => later.stream.id === e.stream.id);
    return !(next?.kind === 'errored' && next.previousStatus === 'LIVE');
  });
}

export function digestMessage(all: StreamEvent[], mention: string | null): Reply {
  const events = foldForDigest(all);
  const items: ReplyItem[] = events.map((event) => {
    const fields: ReplyField[] = [idField(event)];
    if (event.kind === 'errored')
      fields.push({ label: 'Error', value: event.errMessage ?? 'no error message' });
    return {
      title: streamName(event),
      badge: {
        text: event.kind === 'live' ? 'LIVE' : event.kind === 'errored' ? 'ERRORED' : 'ENDED',
        tone: event.kind === 'ended' ? 'idle' : event.kind,
      },
      fields,
      actions: [detailsAction(event.stream.id)],
      ...(event.stream.playbackUrl && event.kind === 'live'
        ? { link: { label: 'Watch', url: event.stream.playbackUrl } }
        : {}),
    };
  });
  const live = events.filter((e) => e.kind === 'live').length;
  const failed = events.filter((e) => e.kind === 'errored').length;
  return withMention(
    reply({
      title: `${events.length} livestream updates`,
      tone: failed > 0 ? 'errored' : live > 0 ? 'live' : 'idle',
      text: `${live} went live, ${failed} errored, ${events.length - live - failed} ended.`,
      list: { items, total: events.length, offset: 1 },
      visibility: 'channel',
    }),
    mention,
  );
}

export function systemMessage(event: SystemEvent): Reply {
  if (event.kind === 'api-delayed') {
    return reply({
      title: 'Livestream notifications are delayed',
      tone: 'error',
      text: `RealtimeKit has been failing since ${event.failingSince} (${event.reason}). Changes will be announced once it answers again.`,
      fields: [{ label: 'Failing since', value: event.failingSince, format: 'time' }],
      visibility: 'channel',
    });
  }
  return reply({
    title: 'Livestream notifications are back',
    tone: 'success',
    text: 'RealtimeKit answers again. Any change missed while it was failing follows now.',
    fields: [{ label: 'Failing since', value: event.failingSince, format: 'time' }],
    visibility: 'channel',
  });
}

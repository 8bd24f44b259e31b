/** The notification domain: events, subscriptions, deliveries. No SQL and no platform in here. */
import type { LivestreamStatus } from '../realtimekit/types.js';
import type { Platform } from '../sink.js';

/** What a channel is told about. `ended`: a LIVE stream stopped being LIVE. */
export type StreamEventKind = 'live' | 'errored' | 'ended';
/** About the bot itself: the API has been failing for a while, or is back. */
export type SystemEventKind = 'api-delayed' | 'api-recovered';
export type EventKind = StreamEventKind | SystemEventKind;

export interface StreamSnapshot {
  id: string;
  name: string | null;
  /** UNKNOWN when the poller did not see the new status (it left the LIVE list, or the list). */
  status: LivestreamStatus;
  /** The status as the API sent it, for one the bot does not know ("WEIRD"). */
  rawStatus?: string | null;
  playbackUrl: string | null;
  /** The meeting it livestreams, for a Stop button; absent in events stored before it was recorded. */
  meetingId?: string | null;
}

export interface StreamEvent {
  kind: StreamEventKind;
  stream: StreamSnapshot;
  previousStatus: LivestreamStatus | null;
  /** The stream is gone from the list of livestreams (deleted), not merely in another status. */
  vanished?: boolean;
  /** ISO time the poller saw the change. */
  at: string;
  errMessage?: string | null;
  /** From the session, when the API gave it (ended). */
  startedTime?: string | null;
  ingestSeconds?: number | null;
  viewerSeconds?: number | null;
}

export interface SystemEvent {
  kind: SystemEventKind;
  at: string;
  /** Since when the API has been failing (api-delayed), or for how long it failed (api-recovered). */
  failingSince: string;
  reason: string;
}

export type NotifyEvent = StreamEvent | SystemEvent;

export function isStreamEvent(event: NotifyEvent): event is StreamEvent {
  return event.kind === 'live' || event.kind === 'errored' || event.kind === 'ended';
}

export interface ChannelRef {
  platform: Platform;
  channelId: string;
}

/** `livestreamId` null: every livestream of the app. */
export interface Subscription extends ChannelRef {
  livestreamId: string | null;
  onLive: boolean;
  onErrored: boolean;
  mention: string | null;
  /** Why deliveries to this channel stopped (channel archived, bot removed...); null when active. */
  pausedReason: string | null;
  /** `config`: from SLACK_NOTIFY_CHANNEL / DISCORD_NOTIFY_CHANNEL. */
  source: 'chat' | 'config';
}

export interface Delivery extends ChannelRef {
  id: number;
  event: NotifyEvent;
  mention: string | null;
  attempts: number;
  /** Epoch ms before which it is not tried again. */
  notBefore: number;
}

/** The message a channel holds for a stream, so `ended` and flaps edit it instead of posting anew. */
export interface StreamPost extends ChannelRef {
  livestreamId: string;
  messageId: string;
  /** The LIVE event the post shows (its start time, name, link). */
  live: StreamEvent;
  /** Epoch ms when it was edited to say the stream ended; null while live. */
  endedAt: number | null;
}

/**
 * Rows read back from a store, as both stores' SQL returns them (the same tables and columns in
 * sqlite-store.ts and pg-schema.ts), and the one check of each into the values the bot works with.
 */
import type { Platform } from '../sink.js';
import type { Delivery, NotifyEvent, StreamPost, Subscription } from './types.js';

/** The livestream_id of a subscription to every livestream. */
export const ALL_LIVESTREAMS = '*';

export interface SubscriptionRow {
  platform: string;
  channel_id: string;
  livestream_id: string;
  /** 1/0 in SQLite, boolean in PostgreSQL. */
  on_live: number | boolean;
  on_errored: number | boolean;
  mention: string | null;
  paused_reason: string | null;
  source: string;
}

export interface DeliveryRow {
  id: number;
  platform: string;
  channel_id: string;
  mention: string | null;
  attempts: number;
  not_before: number;
  /** The event's JSON body. */
  body: string;
}

export interface PostRow {
  platform: string;
  channel_id: string;
  livestream_id: string;
  message_id: string;
  live_event: string;
  ended_at: number | null;
}

/** A stored event, or null when its body is not one this bot wrote (hand-edited, another version). */
export function parseStoredEvent(body: string): NotifyEvent | null {
  try {
    const event = JSON.parse(body) as Partial<NotifyEvent> | null;
    if (!event || typeof event.at !== 'string') return null;
    if (event.kind === 'api-delayed' || event.kind === 'api-recovered') return event as NotifyEvent;
    if (event.kind !== 'live' && event.kind !== 'errored' && event.kind !== 'ended') return null;
    const stream = (event as { stream?: { id?: unknown } }).stream;
    return stream && typeof stream.id === 'string' ? (event as NotifyEvent) : null;
  } catch {
    return null;
  }
}

export function subscriptionOf(row: SubscriptionRow): Subscription {
  return {
    platform: row.platform as Platform,
    channelId: row.channel_id,
    livestreamId: row.livestream_id === ALL_LIVESTREAMS ? null : row.livestream_id,
    onLive: row.on_live === true || row.on_live === 1,
    onErrored: row.on_errored === true || row.on_errored === 1,
    mention: row.mention,
    pausedReason: row.paused_reason,
    source: row.source === 'config' ? 'config' : 'chat',
  };
}

/** The delivery, or null when its event cannot be read (the store sets it aside). */
export function deliveryOf(row: DeliveryRow): Delivery | null {
  const event = parseStoredEvent(row.body);
  if (!event) return null;
  return {
    id: row.id,
    platform: row.platform as Platform,
    channelId: row.channel_id,
    mention: row.mention,
    attempts: row.attempts,
    notBefore: row.not_before,
    event,
  };
}

/**
 * The post, or null when its stored LIVE event cannot be read (hand-edited, another version): then it is
 * as if there were none (an "ended" is posted, not edited), rather than a read that fails for ever.
 */
export function postOf(row: PostRow): StreamPost | null {
  const live = parseStoredEvent(row.live_event);
  if (live?.kind !== 'live') return null;
  return {
    platform: row.platform as Platform,
    channelId: row.channel_id,
    livestreamId: row.livestream_id,
    messageId: row.message_id,
    live,
    endedAt: row.ended_at,
  };
}

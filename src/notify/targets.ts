/** Which channels an event goes to: the one rule for fan-out, shared by the poller and API alerts. */
import type { ChannelRef, NotifyEvent, Subscription } from './types.js';

export type Target = ChannelRef & { mention: string | null };

export function targetsFor(event: NotifyEvent, subscriptions: Subscription[]): Target[] {
  const byChannel = new Map<string, Target>();
  for (const s of subscriptions) {
    if (s.pausedReason !== null || !wants(s, event)) continue;
    const key = `${s.platform}\u0000${s.channelId}`;
    const existing = byChannel.get(key);
    if (!existing) byChannel.set(key, { platform: s.platform, channelId: s.channelId, mention: s.mention });
    else if (existing.mention === null && s.mention !== null) existing.mention = s.mention;
  }
  return [...byChannel.values()];
}

function wants(s: Subscription, event: NotifyEvent): boolean {
  switch (event.kind) {
    case 'live':
    case 'ended':
      return s.onLive && (s.livestreamId === null || s.livestreamId === event.stream.id);
    case 'errored':
      return s.onErrored && (s.livestreamId === null || s.livestreamId === event.stream.id);
    case 'api-delayed':
    case 'api-recovered':
      return true;
  }
}

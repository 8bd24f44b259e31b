/** Reading an event body back from a store: the one check of what a stored JSON body must hold. */
import type { NotifyEvent } from './types.js';

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

/**
 * What the bot takes from a RealtimeKit webhook body, and nothing more. A `livestreaming.statusUpdate`
 * body also carries the stream key, ingest server and playback URL: they are parsed by JSON.parse and
 * dropped here, so they are never logged, stored or passed on.
 */
import { ID_RULE } from '../realtimekit/validate.js';

export const STATUS_UPDATE_EVENT = 'livestreaming.statusUpdate';

/** Webhook statuses are not the REST enum: LIVE, OFFLINE or IDLE (no ERRORED); anything else is UNKNOWN. */
export type WebhookStatus = 'LIVE' | 'OFFLINE' | 'IDLE' | 'UNKNOWN';

export interface WebhookNotice {
  /** `livestreaming.statusUpdate`, `meeting.started`, … */
  event: string;
  /** The livestream the event is about; null when the body names none (or not a usable id). */
  streamId: string | null;
  status: WebhookStatus;
}

const STATUSES: readonly WebhookStatus[] = ['LIVE', 'OFFLINE', 'IDLE'];
const MAX_EVENT_LENGTH = 100;

/** The notice in a (signature-checked) body, or null when it is not a JSON object naming an event. */
export function parseWebhookNotice(body: Buffer): WebhookNotice | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  const event = fields.event;
  if (typeof event !== 'string' || event === '' || event.length > MAX_EVENT_LENGTH) return null;
  // `streamId` today; the Dyte-era and snake_case spellings are read too.
  const rawId = fields.streamId ?? fields.livestreamId ?? fields.stream_id ?? fields.livestream_id;
  const streamId = typeof rawId === 'string' && ID_RULE.pattern.test(rawId) ? rawId : null;
  const rawStatus = typeof fields.status === 'string' ? fields.status.toUpperCase() : '';
  const status = STATUSES.find((s) => s === rawStatus) ?? 'UNKNOWN';
  return { event, streamId, status };
}

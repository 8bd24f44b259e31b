/** Starting data: a few friendly livestreams for the demo, and cheap bulk data for load tests. */
import type { Prng } from './prng.js';
import type { LivestreamInput } from './store.js';

const DEMO_STREAMS: readonly { name: string; status: string; meeting: boolean }[] = [
  { name: 'Friday Town Hall', status: 'LIVE', meeting: true },
  { name: 'Product Launch Keynote', status: 'INVOKED', meeting: false },
  { name: 'Support Office Hours', status: 'IDLE', meeting: false },
  { name: 'Engineering All-Hands', status: 'ERRORED', meeting: true },
  { name: 'Customer Webinar: Getting Started', status: 'IDLE', meeting: false },
  { name: 'Late Night Build Stream', status: 'LIVE', meeting: false },
  { name: 'Quarterly Results Call', status: 'IDLE', meeting: false },
  { name: 'Community Meetup', status: 'INVOKED', meeting: false },
];

const HOUR_MS = 3_600_000;

/** `count` named streams in mixed states, created a few hours apart up to now. */
export function demoLivestreams(count: number, now: Date, ids: Prng): LivestreamInput[] {
  return Array.from({ length: count }, (_, i) => {
    const template = DEMO_STREAMS[i % DEMO_STREAMS.length]!;
    const round = Math.floor(i / DEMO_STREAMS.length);
    return {
      name: round === 0 ? template.name : `${template.name} #${round + 1}`,
      status: template.status,
      meeting_id: template.meeting ? ids.uuid() : null,
      created_at: new Date(now.getTime() - (count - i) * 6 * HOUR_MS).toISOString(),
    };
  });
}

/** Weighted like a real app: mostly idle streams, some live, a few waiting or failed. */
const BULK_STATUSES = ['IDLE', 'IDLE', 'IDLE', 'IDLE', 'IDLE', 'IDLE', 'LIVE', 'LIVE', 'INVOKED', 'ERRORED'];

/**
 * `count` streams one second apart up to now. Fields in `template` apply to every one; otherwise the
 * status is drawn from BULK_STATUSES and one in five belongs to a meeting.
 */
export function bulkLivestreams(
  count: number,
  template: LivestreamInput,
  now: Date,
  ids: Prng,
): LivestreamInput[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    name: `Stream ${String(i + 1).padStart(width, '0')}`,
    status: ids.pick(BULK_STATUSES),
    meeting_id: ids.int(5) === 0 ? ids.uuid() : null,
    created_at: new Date(now.getTime() - (count - i) * 1000).toISOString(),
    ...template,
  }));
}

/** Starting data: a few friendly livestreams for the demo (bulk data for load tests: store.addBulk). */
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

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

/**
 * Meetings the demo can livestream (`start <meeting_id>`), none of them livestreaming yet. Fixed ids:
 * the first is the one `help start` and `help stop` show (EXAMPLE_MEETING_ID in src/commands/spec.ts;
 * test/emulator/meetings.test.ts checks that they agree), so those examples work as typed.
 */
export const DEMO_MEETINGS: readonly { id: string; title: string }[] = [
  { id: '3d8e6a10-5c2b-4f7e-9a41-7b0c2e5d9f13', title: 'Design review' },
  { id: '9b2f4c7a-1e6d-4a83-b5c0-2d7e9f1a6c48', title: 'Board meeting' },
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

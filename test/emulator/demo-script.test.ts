/** The demo's story against the emulator's own demo streams: one change a step, each told in full. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DemoStory, startDemoScript } from '../../src/emulator/demo-script.js';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';

let emulator: Emulator;
beforeEach(() => {
  emulator = createEmulator({ seed: 4, livestreams: 8 });
});
afterEach(() => emulator.stop());

const statusOf = (id: string) => emulator.getLivestream(id)!.status;

it('makes one stream LIVE, then ends that same stream; every third one fails instead', () => {
  const story = new DemoStory();
  const liveAtStart = emulator.livestreams({ status: 'LIVE' }).map((s) => s.id);
  const changes: string[] = [];
  for (let step = 0; step < 12; step++) {
    const before = new Map(emulator.livestreams().map((s) => [s.id, s.status]));
    const change = story.next(emulator.livestreams())!;
    emulator.setStatus(change.id, change.status, change.errMessage);
    const changed = emulator.livestreams().filter((s) => s.status !== before.get(s.id));
    expect(changed.map((s) => s.id)).toEqual([change.id]); // exactly one stream a step
    changes.push(`${emulator.getLivestream(change.id)!.name} ${change.status}`);
  }
  // Pairs: LIVE, then the same stream's end.
  for (let i = 0; i < changes.length; i += 2) {
    expect(changes[i]).toMatch(/ LIVE$/);
    expect(changes[i + 1]?.replace(/ (IDLE|ERRORED)$/, '')).toBe(changes[i]!.replace(/ LIVE$/, ''));
  }
  expect(changes.filter((c) => c.endsWith('ERRORED'))).toHaveLength(2);
  expect(changes[5]).toMatch(/ ERRORED$/);
  // The streams live at the start were never touched; every other one that is not a meeting's had a
  // turn (five of them, so the sixth story is the first one's second).
  for (const id of liveAtStart) expect(statusOf(id)).toBe('LIVE');
  expect(new Set(changes.filter((c) => c.endsWith(' LIVE'))).size).toBe(5);
});

it('a stream someone just created goes live next, as if its encoder had connected', () => {
  const story = new DemoStory();
  const first = story.next(emulator.livestreams())!;
  emulator.setStatus(first.id, first.status);
  const mine = emulator.addLivestream({ name: 'My show' }); // INVOKED, like a created one
  const end = story.next(emulator.livestreams())!;
  expect(end.id).toBe(first.id);
  expect(story.next(emulator.livestreams())).toEqual({ id: mine.id, status: 'LIVE' });
});

it('runs on the clock: the first change after firstStepMs and the baseline, then one per stepMs', async () => {
  const clock = new ManualClock();
  let baselineDone!: () => void;
  const baseline = new Promise<void>((resolve) => {
    baselineDone = resolve;
  });
  const changes: string[] = [];
  emulator.onStatusChange((change) => changes.push(change.livestreamId));
  const script = startDemoScript({
    stage: emulator,
    clock,
    firstStepMs: 5_000,
    stepMs: 20_000,
    after: baseline,
  });
  clock.advance(5_000);
  await Promise.resolve();
  expect(changes).toEqual([]); // the baseline is not done yet
  baselineDone();
  await expectChanges(changes, 1);
  clock.advance(19_999);
  await Promise.resolve();
  expect(changes).toHaveLength(1);
  clock.advance(1);
  await expectChanges(changes, 2);
  await script.stop();
  clock.advance(60_000);
  await Promise.resolve();
  expect(changes).toHaveLength(2);
});

async function expectChanges(changes: string[], count: number): Promise<void> {
  // The script's loop runs on promise callbacks: let them run, then look.
  for (let i = 0; i < 10 && changes.length < count; i++) await Promise.resolve();
  expect(changes).toHaveLength(count);
}

it("a meeting's livestream someone started goes LIVE and stays LIVE: only `stop` ends it", () => {
  const story = new DemoStory();
  const meeting = emulator.meetings()[0]!;
  const started = emulator.startMeetingLivestream(meeting.id, { name: 'Design review live' });
  const seen: string[] = [];
  for (let step = 0; step < 3; step++) {
    const change = story.next(emulator.livestreams());
    if (change) emulator.setStatus(change.id, change.status, change.errMessage);
    seen.push(statusOf(started.id));
  }
  expect(seen).toEqual(['LIVE', 'LIVE', 'LIVE']); // LIVE on the next step, as if its encoder had connected
  for (let step = 0; step < 12; step++) {
    const change = story.next(emulator.livestreams());
    if (change) emulator.setStatus(change.id, change.status, change.errMessage);
  }
  expect(statusOf(started.id)).toBe('LIVE');
  expect(emulator.activeLivestreamOf(meeting.id)?.id).toBe(started.id);
});

it("never picks a meeting's livestream for its story, LIVE or not", () => {
  const story = new DemoStory();
  const meetingStreams = emulator.livestreams().filter((s) => s.meeting_id !== null);
  expect(meetingStreams.length).toBeGreaterThan(0); // the demo data has some
  const before = new Map(meetingStreams.map((s) => [s.id, s.status]));
  for (let step = 0; step < 30; step++) {
    const change = story.next(emulator.livestreams());
    if (change) emulator.setStatus(change.id, change.status, change.errMessage);
  }
  for (const [id, status] of before) expect(statusOf(id)).toBe(status);
});

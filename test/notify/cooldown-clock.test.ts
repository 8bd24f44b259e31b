/**
 * The flap cooldown compares two stored wall-clock times (when the stream ended, when it was back). A
 * wall clock stepped back between them must not make every return within the step look like a flap:
 * that edited the old post instead of announcing the stream again, with no ping.
 */
import { afterEach, expect, it } from 'vitest';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

it('a stream back LIVE after the wall clock stepped back an hour is announced anew, not folded into its old post', async () => {
  h = await createHarness({ cooldownMs: 120_000 });
  const show = h.emulator.addLivestream({ name: 'Stepped', status: 'IDLE' });
  await subscribe(h.store, 'C1');
  await h.poller.runCycle();
  h.emulator.setStatus(show.id, 'LIVE');
  await h.poller.runCycle();
  await h.drainAll();
  h.clock.advance(30 * 60_000);
  h.emulator.setStatus(show.id, 'IDLE');
  await h.poller.runCycle();
  await h.drainAll();
  h.clock.stepWall(-60 * 60_000);
  h.clock.advance(10 * 60_000); // ten minutes later (by the stepped wall clock: 50 minutes earlier)
  h.emulator.setStatus(show.id, 'LIVE');
  await h.poller.runCycle();
  await h.drainAll();
  expect(h.sink.sent.map((m) => `${m.op} ${m.reply.title}`)).toEqual([
    'post Stepped is live',
    'edit Stepped ended',
    'post Stepped is live',
  ]);
});

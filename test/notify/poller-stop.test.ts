/**
 * `poller.stop()` abandons the requests under way instead of waiting them out (a hanging API costs
 * 10 s a try in production): a cycle or a webhook hint's check cut short writes nothing, is not an API
 * failure, and the next start announces what it would have.
 */
import { afterEach, expect, it } from 'vitest';
import { createHarness, type Harness, subscribe } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const HANG_MS = 60_000;
const titles = () => h.sink.sent.map((m) => `${m.op} ${m.reply.title}`);
const apiHealthRows = async () => {
  const rows: string[] = [];
  for (const key of ['api_failing_since', 'api_alerted'])
    if ((await h.store.getMeta(key)) !== null) rows.push(key);
  return rows;
};

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

it('stop during a read the API never answers: at once, the cycle reports stopped, nothing is written', async () => {
  h = await createHarness();
  const show = h.emulator.addLivestream({ name: 'Hanging', status: 'IDLE' });
  await subscribe(h.store, 'C1');
  await h.poller.runCycle();
  h.emulator.setStatus(show.id, 'LIVE');
  h.emulator.resetRequests();
  h.emulator.injectFault({ path: 'per_page=100', delayMs: HANG_MS, times: Number.POSITIVE_INFINITY });
  const cycle = h.poller.runCycle();
  await h.emulator.waitForRequest((r) => r.query.per_page === '100' && r.query.status === 'LIVE');

  const { ms } = await timed(h.poller.stop());
  // Bounded against the hang, not the machine: waiting the read out would take HANG_MS.
  expect(ms).toBeLessThan(HANG_MS / 10);
  expect(await cycle).toEqual({ ok: false, error: 'stopped', requests: 1, stopped: true });
  expect(await apiHealthRows()).toEqual([]);
  expect(await h.store.countPending()).toBe(0);

  // The next start reads again and announces the change once.
  h.emulator.clearFaults();
  await h.restart();
  expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
  await h.drainAll();
  expect(titles()).toEqual(['post Hanging is live']);
});

it("stop during a webhook hint's lookup: at once, nothing is written, the next start announces the change", async () => {
  h = await createHarness();
  const show = h.emulator.addLivestream({ name: 'Hinted', status: 'IDLE' });
  await subscribe(h.store, 'C1');
  await h.poller.runCycle();
  h.emulator.setStatus(show.id, 'LIVE');
  h.emulator.resetRequests();
  h.emulator.injectFault({
    path: 'active-livestream-session',
    delayMs: HANG_MS,
    times: Number.POSITIVE_INFINITY,
  });
  const check = h.poller.check(show.id);
  await h.emulator.waitForRequest((r) => r.path.endsWith('/active-livestream-session'));

  const { ms } = await timed(h.poller.stop());
  // Bounded against the hang, not the machine: waiting the read out would take HANG_MS.
  expect(ms).toBeLessThan(HANG_MS / 10);
  await check;
  expect(await h.store.countPending()).toBe(0);
  expect(await apiHealthRows()).toEqual([]);

  h.emulator.clearFaults();
  await h.restart();
  expect(await h.poller.runCycle()).toMatchObject({ ok: true, events: 1 });
  await h.drainAll();
  expect(titles()).toEqual(['post Hinted is live']);
});

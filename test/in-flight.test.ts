/**
 * shareInFlight: in-flight sharing, and (with keepMs) an answer offered to calls issued before it
 * arrived. The clock is the test's; each `run` counts how often the work really ran.
 */
import { describe, expect, it } from 'vitest';
import { shareInFlight } from '../src/in-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('shareInFlight', () => {
  it('shares a call in flight, and runs again once it settled (no keepMs)', async () => {
    const share = shareInFlight<string>();
    let runs = 0;
    const pending = deferred<string>();
    const run = () => {
      runs++;
      return pending.promise;
    };
    const a = share('k', run);
    const b = share('k', run, 0);
    expect(b).toBe(a);
    pending.resolve('answer');
    await a;
    await share('k', async () => `again ${++runs}`, 0);
    expect(runs).toBe(2);
  });

  describe('with keepMs', () => {
    const setup = () => {
      let now = 1_000;
      const share = shareInFlight<string>({ keepMs: 500, now: () => now });
      let runs = 0;
      const run = async () => `answer ${++runs}`;
      return {
        share,
        run,
        runs: () => runs,
        advance: (ms: number) => (now += ms),
        now: () => now,
      };
    };

    it('serves a call issued before the answer arrived, not one issued after it', async () => {
      const t = setup();
      const request = deferred<string>();
      const first = t.share('k', () => request.promise);
      const issuedEarly = t.now(); // issued while the request is in flight...
      t.advance(20);
      request.resolve('first answer'); // ...which answers 20 ms later
      expect(await first).toBe('first answer');
      t.advance(100); // the early call is reached only now
      expect(await t.share('k', t.run, issuedEarly)).toBe('first answer');
      expect(await t.share('k', t.run, t.now())).toBe('answer 1'); // issued after: asks again
      expect(t.runs()).toBe(1);
    });

    it('never offers a settled answer to a call that does not say when it was issued', async () => {
      const t = setup();
      await t.share('k', t.run);
      expect(await t.share('k', t.run)).toBe('answer 2');
    });

    it('offers a settled answer for keepMs only, whatever the issue time says (clock skew)', async () => {
      const t = setup();
      await t.share('k', t.run);
      t.advance(499);
      expect(await t.share('k', t.run, 0)).toBe('answer 1');
      t.advance(1);
      expect(await t.share('k', t.run, 0)).toBe('answer 2');
    });

    it('never keeps a failure: the next call runs again', async () => {
      const t = setup();
      const failing = deferred<string>();
      const first = t.share('k', () => failing.promise);
      const joined = t.share('k', t.run, t.now());
      expect(joined).toBe(first); // in flight: shared, failure included
      failing.reject(new Error('boom'));
      await expect(first).rejects.toThrow('boom');
      expect(await t.share('k', t.run, 0)).toBe('answer 1');
    });

    it('keeps answers per key', async () => {
      const t = setup();
      const issued = t.now();
      await t.share('a', t.run);
      expect(await t.share('b', t.run, issued)).toBe('answer 2');
    });
  });
});

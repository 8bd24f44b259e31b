/**
 * For the replica tests: a store that can be cut off from its database, and a way to wait until the
 * replicas on a manual clock have nothing left to do but sleep.
 *
 * `cutOff(store)` wraps a real store: while `mode` is `reject`, every call fails as a dropped connection
 * does; while `hang`, calls never answer, as on a connection whose network path went silent, until
 * `reconnect()` (they fail then) or `resume()` (they reach the database then, late, as sent). `close`
 * always reaches the real store. Calls in flight are counted, so a test can tell when nothing is
 * waiting on the database.
 */
import type { Clock } from '../../src/clock.js';
import type { NotifyStore } from '../../src/notify/store.js';

export type CutMode = 'ok' | 'reject' | 'hang';

export interface CutOffStore {
  store: NotifyStore;
  mode: CutMode;
  /** The calls the cut applies to, by method name; null (default): every call. */
  only: string[] | null;
  /** Calls sent to the real store (or held by `hang`) that have not answered yet. */
  readonly inFlight: number;
  /** Every call a cut made fail (or hang), by method name. */
  readonly refused: string[];
  /** Ends the hang: held calls fail now, and `mode` goes back to `ok`. */
  reconnect(): void;
  /**
   * Ends the hang the other way: held calls reach the database now, and `mode` goes back to `ok`. Given
   * method names, only their held calls go through, and the hang goes on for the rest.
   */
  resume(methods?: string[]): void;
  /** Calls the hang holds now. */
  readonly held: number;
}

export function cutOff(real: NotifyStore): CutOffStore {
  let inFlight = 0;
  const refused: string[] = [];
  /** Calls a hang holds: each either fails or goes through when the hang ends. */
  let held: { method: string; fail: () => void; send: () => void }[] = [];
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inFlight++;
    return promise.finally(() => inFlight--);
  };
  const state: CutOffStore = {
    mode: 'ok',
    only: null,
    get inFlight() {
      return inFlight;
    },
    refused,
    reconnect() {
      state.mode = 'ok';
      const waiting = held;
      held = [];
      for (const call of waiting) call.fail();
    },
    resume(methods) {
      const going = methods ? held.filter((call) => methods.includes(call.method)) : held;
      held = held.filter((call) => !going.includes(call));
      if (!methods) state.mode = 'ok';
      for (const call of going) call.send();
    },
    get held() {
      return held.length;
    },
    store: new Proxy(real, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || property === 'close') return value;
        const call = (args: unknown[]) =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return (...args: unknown[]) => {
          if (state.mode === 'ok' || (state.only && !state.only.includes(String(property))))
            return track(call(args));
          refused.push(String(property));
          const failure = new Error('Connection terminated unexpectedly');
          if (state.mode === 'reject') return Promise.reject(failure);
          return track(
            new Promise((resolve, reject) =>
              held.push({
                method: String(property),
                fail: () => reject(failure),
                send: () => resolve(call(args)),
              }),
            ),
          );
        };
      },
    }),
  };
  return state;
}

/**
 * Resolves once `busy()` has stayed false over several turns of the event loop: every loop on the
 * manual clock is parked in a sleep and nothing waits on the database or a platform. It never sleeps
 * for a set time: it takes turns of the event loop, and gives up (throws) after `timeoutMs`.
 */
export async function quiesce(busy: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let quietTurns = 0;
  while (quietTurns < 5) {
    if (performance.now() > deadline) throw new Error(`still busy after ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    quietTurns = busy() ? 0 : quietTurns + 1;
  }
}

/**
 * The same clock, for one part (say, the pollers), counting that part's sleeps under way: a test waits
 * for them to be parked without counting what other parts sleep on the same clock.
 */
export function sleepCounting(clock: Clock): Clock & { readonly sleeping: number } {
  let sleeping = 0;
  return {
    now: () => clock.now(),
    monotonic: () => clock.monotonic(),
    sleep(ms, signal) {
      sleeping++;
      return clock.sleep(ms, signal).finally(() => sleeping--);
    },
    get sleeping() {
      return sleeping;
    },
  };
}

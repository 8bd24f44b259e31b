/** A real store with some of its methods replaced: the faults a test gives it, everything else as is. */
import type { NotifyStore } from '../../src/notify/store.js';

/** `real`, except for the methods in `overrides`. */
export function storeWith(real: NotifyStore, overrides: Partial<NotifyStore>): NotifyStore {
  return new Proxy(real, {
    get(target, key, receiver) {
      const own = (overrides as Record<PropertyKey, unknown>)[key];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `real`, except that `method` throws (a full disk) while `failing.on` is set. */
export function failingStore(
  real: NotifyStore,
  method: keyof NotifyStore,
  failing: { on: boolean },
): NotifyStore {
  const original = (real[method] as (...a: unknown[]) => Promise<unknown>).bind(real);
  return storeWith(real, {
    [method]: async (...args: unknown[]) => {
      if (failing.on) throw new Error('SQLITE_FULL: database or disk is full');
      return original(...args);
    },
  });
}

/**
 * Calls with the same key while one is in flight share its promise; once it settles, the next call runs
 * again (nothing is cached). For answers that are the same for everyone who asks at that moment.
 */
export function shareInFlight<T>(): (key: string, run: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  return (key, run) => {
    let shared = inFlight.get(key);
    if (!shared) {
      shared = run().finally(() => inFlight.delete(key));
      inFlight.set(key, shared);
    }
    return shared;
  };
}

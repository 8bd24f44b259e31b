/**
 * Calls with the same key while one is in flight share its promise; once it settles, the next call runs
 * again. For answers that are the same for everyone who asks at that moment.
 *
 * With `keepMs`, a settled answer also serves a call that says when it was issued (`issuedAt`, epoch ms)
 * if that was before the answer arrived: had that call been reached sooner it would have shared the
 * request in flight, so the answer is no older for it than in-flight sharing makes it. (A busy process
 * reaches a burst of calls one by one; the later ones would otherwise each start a request again.)
 * `keepMs` bounds how long an answer is offered, and so what a skew between the issuer's clock and ours
 * can cost. A failure is never kept, and a call without `issuedAt` never gets a settled answer.
 */
export interface ShareOptions {
  keepMs: number;
  /** Epoch ms, on the clock that `issuedAt` is read on (default Date.now). */
  now?: () => number;
}

export type Share<T> = (key: string, run: () => Promise<T>, issuedAt?: number) => Promise<T>;

export function shareInFlight<T>(options?: ShareOptions): Share<T> {
  const now = options?.now ?? Date.now;
  const entries = new Map<string, { promise: Promise<T>; settledAt: number | null }>();
  return (key, run, issuedAt) => {
    const entry = entries.get(key);
    if (entry) {
      if (entry.settledAt === null) return entry.promise;
      const current = options !== undefined && now() - entry.settledAt < options.keepMs;
      if (current && issuedAt !== undefined && issuedAt <= entry.settledAt) return entry.promise;
    }
    const fresh = { promise: run(), settledAt: null as number | null };
    entries.set(key, fresh);
    const forget = () => {
      if (entries.get(key) === fresh) entries.delete(key);
    };
    // Attached before any caller's continuation: the entry is updated before they resume.
    fresh.promise.then(() => {
      if (!options) return forget();
      fresh.settledAt = now();
      setTimeout(forget, options.keepMs).unref();
    }, forget);
    return fresh.promise;
  };
}

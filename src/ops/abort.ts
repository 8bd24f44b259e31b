/**
 * A start that a stop signal can interrupt at any step. Each slow step (a platform connecting, the API
 * check) is raced with the signal: on abort the start gives up at once and undoes what it had started,
 * and whatever the abandoned step still produces later is undone as it arrives.
 */

/** The start was interrupted by SIGINT/SIGTERM: not a failure, nothing to report but that. */
export class StartAborted extends Error {
  override readonly name = 'StartAborted';
  constructor() {
    super('the start was interrupted by a stop signal');
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StartAborted();
}

/**
 * `work`'s value, or `StartAborted` as soon as `signal` aborts. A value `work` produces after the abort
 * goes to `undo` (a platform that finished connecting is disconnected again).
 */
export function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  undo?: (late: T) => Promise<void> | void,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.then(undo, () => {}).catch(() => {});
    return Promise.reject(new StartAborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(new StartAborted());
      work.then(undo, () => {}).catch(() => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

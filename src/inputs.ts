/**
 * Inputs that may arrive more than once, and at any replica: a slash command Slack delivers again, an
 * interaction a gateway session replays (every replica's gateway session receives it), two people
 * clicking the same Stop button. The adapters ask here before acting. One bot alone remembers in memory
 * (a restart forgets, long after any redelivery); replicas remember in the shared database.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';
import { type ClickGuard, createClickGuard } from './commands/buttons.js';
import type { NotifyStore } from './notify/store.js';

/** The same click key is "already done" for this long after a click that changed shared state succeeded. */
export const DOUBLE_CLICK_WINDOW_MS = 10_000;
/** How long a repeated input is recognised: Slack retries within minutes, an interaction token lasts 15. */
export const REPEAT_WINDOW_MS = 15 * 60_000;
/**
 * How long a click's claim holds while it runs, in the database: a replica that dies mid-click must not
 * hold the button for ever. Longer than any command runs (their API calls time out well before).
 */
const RUNNING_CLICK_MS = 2 * 60_000;

export interface InputGate {
  /**
   * True for the first arrival of `key` ("slack-trigger:<id>", "discord:<interaction id>"): within
   * REPEAT_WINDOW_MS in memory, INPUT_DEDUPE_MS (a day) in the store.
   */
  first(key: string): Promise<boolean>;
  /** Clicks that change shared state run once at a time, and once within DOUBLE_CLICK_WINDOW_MS of success. */
  clicks: AsyncClickGuard;
}

export interface AsyncClickGuard {
  begin(key: string): Promise<boolean>;
  finish(key: string, ok: boolean): Promise<void>;
}

/** One process: both in memory. */
export function memoryInputGate(now: () => number = Date.now): InputGate {
  const seen: ClickGuard = createClickGuard({ windowMs: REPEAT_WINDOW_MS, now });
  const clicks = createClickGuard({ windowMs: DOUBLE_CLICK_WINDOW_MS, now });
  return {
    first(key) {
      if (!seen.begin(key)) return Promise.resolve(false);
      seen.finish(key, true);
      return Promise.resolve(true);
    },
    clicks: {
      begin: (key) => Promise.resolve(clicks.begin(key)),
      finish: (key, ok) => Promise.resolve(clicks.finish(key, ok)),
    },
  };
}

/**
 * Replicas: repeats are claimed in the store (`claimInput`), and a click holds a lease named after its
 * key, held by this one click, while it runs; on success it is kept for the double-click window, on
 * failure let go at once.
 */
export function storeInputGate(args: {
  store: Pick<NotifyStore, 'claimInput' | 'acquireLease'>;
  clock: Clock;
  /** This replica's name: a click's lease holder is this, this process's own part and a count. */
  replica: string;
}): InputGate {
  const { store, clock, replica } = args;
  // Click holders are never reused, not even by a replica restarted under the same REPLICA_ID: its new
  // process counts from 1 again, and would renew (take over) the lease of its former process's click.
  const incarnation = randomBytes(4).toString('hex');
  let clicksSeen = 0;
  /** Each running click's lease holder, by key: finish() must renew or release exactly that one. */
  const holders = new Map<string, string>();
  return {
    first: (key) => store.claimInput(key, clock.now()),
    clicks: {
      async begin(key) {
        const holder = `${replica}#${incarnation}#${++clicksSeen}`;
        const fence = await store.acquireLease(`click:${key}`, holder, clock.now(), RUNNING_CLICK_MS);
        if (fence === null) return false;
        holders.set(key, holder);
        return true;
      },
      async finish(key, ok) {
        const holder = holders.get(key);
        if (holder === undefined) return;
        holders.delete(key);
        // A failure frees the button at once: the lease lapses now (and is pruned a day later).
        const ttlMs = ok ? DOUBLE_CLICK_WINDOW_MS : 0;
        await store.acquireLease(`click:${key}`, holder, clock.now(), ttlMs);
      },
    },
  };
}

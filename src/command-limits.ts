/**
 * Whether a command may run now: per-person limits (a token bucket per platform and user id), a stricter
 * one on commands that make a livestream (`create`, `start`), and room in the token's shared request
 * budget (see notify/budget.ts). What a command costs comes from its spec (CommandCost). A refusal is a
 * value with a kind; describe-error.ts turns it into words.
 *
 * Only commands that may call the RealtimeKit API count (their spec's `apiCalls`, e.g. `subscribe`: one
 * lookup per id it names); help, bad input, `unsubscribe` and `subscriptions` cost Cloudflare nothing
 * and are never held back.
 */
import type { RequestContext } from './context.js';
import type { RequestBudget } from './notify/budget.js';
import { type Rate, RateLimiter } from './rate-limit.js';
import { DEFAULT_CLIENT_OPTIONS } from './realtimekit/client.js';

export type CommandRefusal =
  /** This person is over their own limit: `rate` says which (all commands, or creates). */
  | { kind: 'SlowDown'; limit: 'commands' | 'creates'; rate: Rate; retryAfterMs: number }
  /** The token's budget has no room for this command now. */
  | { kind: 'NearRequestLimit'; retryAfterMs: number };

/** What one command may cost, as its spec says (spec.ts: `apiCalls`, `makesLivestream`). */
export interface CommandCost {
  /** The most RealtimeKit calls it makes, retries aside; 0: never held back. */
  apiCalls: number;
  /** It counts against the stricter limit on making livestreams too. */
  makesLivestream: boolean;
}

/** Let through (call `done` when the command has finished), or refused with the reason. */
export type Admission = { ok: true; done: () => void } | { ok: false; refusal: CommandRefusal };

export interface CommandLimitsOptions {
  /** The token's one budget, shared with the poller. */
  budget: RequestBudget;
  /** Per person: every command that may call the API. */
  commands: Rate;
  /** Per person: livestreams made (`create` and `start`), on top of `commands`. */
  creates: Rate;
  /**
   * HTTP requests one API call may take: the first try and the client's retries. A command is let
   * through only if that many fit, since its retries are sent without asking again.
   */
  attemptsPerRequest?: number;
  /** People remembered at most per limit (see RateLimiter). */
  maxPeople?: number;
}

export class CommandLimits {
  private readonly budget: RequestBudget;
  private readonly perPerson: RateLimiter;
  private readonly creates: RateLimiter;
  private readonly attemptsPerRequest: number;
  /** Requests commands let through may still send: a burst admitted at once must fit all together. */
  private reserved = 0;

  constructor(options: CommandLimitsOptions) {
    const people = options.maxPeople === undefined ? {} : { maxKeys: options.maxPeople };
    this.budget = options.budget;
    this.perPerson = new RateLimiter(options.commands, people);
    this.creates = new RateLimiter(options.creates, people);
    this.attemptsPerRequest = options.attemptsPerRequest ?? 1 + DEFAULT_CLIENT_OPTIONS.retries;
  }

  /** `now`: monotonic milliseconds. Takes from the person's allowance only when the command runs. */
  admit(cost: CommandCost, context: RequestContext, now: number): Admission {
    const calls = cost.apiCalls;
    if (calls === 0) return { ok: true, done: () => {} };
    const person = `${context.platform}:${context.userId}`;

    const commandsWait = this.perPerson.waitMs(person, now);
    const makes = cost.makesLivestream;
    const createsWait = makes ? this.creates.waitMs(person, now) : 0;
    if (commandsWait > 0 || createsWait > 0) {
      const byCreates = createsWait >= commandsWait;
      return {
        ok: false,
        refusal: {
          kind: 'SlowDown',
          limit: byCreates ? 'creates' : 'commands',
          rate: byCreates ? this.creates.rate : this.perPerson.rate,
          retryAfterMs: Math.max(commandsWait, createsWait),
        },
      };
    }

    const requests = calls * this.attemptsPerRequest;
    const budgetWait = this.budget.commandWaitMs(this.reserved + requests, now);
    if (budgetWait > 0) return { ok: false, refusal: { kind: 'NearRequestLimit', retryAfterMs: budgetWait } };

    this.perPerson.take(person, now);
    if (makes) this.creates.take(person, now);
    this.reserved += requests;
    let released = false;
    return {
      ok: true,
      done: () => {
        if (released) return;
        released = true;
        this.reserved -= requests;
      },
    };
  }
}

/**
 * Whether a command may run now: per-person limits (a token bucket per platform and user id), a stricter
 * one on `create`, and room in the token's shared request budget (see notify/budget.ts). A refusal is a
 * value with a kind; describe-error.ts turns it into words.
 *
 * Only commands that may call the RealtimeKit API count: help, bad input and the local subscription
 * commands cost Cloudflare nothing and are never held back.
 */
import type { Command } from './commands/command.js';
import type { RequestContext } from './context.js';
import type { RequestBudget } from './notify/budget.js';
import { DEFAULT_SUBSCRIPTION_LIMITS } from './notify/subscription-limits.js';
import { type Rate, RateLimiter } from './rate-limit.js';
import { DEFAULT_CLIENT_OPTIONS } from './realtimekit/client.js';

export type CommandRefusal =
  /** This person is over their own limit: `rate` says which (all commands, or creates). */
  | { kind: 'SlowDown'; limit: 'commands' | 'creates'; rate: Rate; retryAfterMs: number }
  /** The token's budget has no room for this command now. */
  | { kind: 'NearRequestLimit'; retryAfterMs: number };

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
  admit(command: Command, context: RequestContext, now: number): Admission {
    const calls = apiCallsOf(command);
    if (calls === 0) return { ok: true, done: () => {} };
    const person = `${context.platform}:${context.userId}`;

    const commandsWait = this.perPerson.waitMs(person, now);
    const makes = makesLivestream(command);
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

    const cost = calls * this.attemptsPerRequest;
    const budgetWait = this.budget.commandWaitMs(this.reserved + cost, now);
    if (budgetWait > 0) return { ok: false, refusal: { kind: 'NearRequestLimit', retryAfterMs: budgetWait } };

    this.perPerson.take(person, now);
    if (makes) this.creates.take(person, now);
    this.reserved += cost;
    let released = false;
    return {
      ok: true,
      done: () => {
        if (released) return;
        released = true;
        this.reserved -= cost;
      },
    };
  }
}

/** `create` and `start` both make a livestream (with a stream key): both count against `creates`. */
function makesLivestream(command: Command): boolean {
  return command.name === 'create' || command.name === 'start';
}

/** The most RealtimeKit calls a command may make (0: it never calls the API). */
function apiCallsOf(command: Command): number {
  switch (command.name) {
    case 'list':
    case 'create':
    case 'status':
    case 'session':
    case 'meeting':
    case 'show':
    case 'start':
      return 1;
    case 'stop':
      // The livestream and its session, to name them, then the stop.
      return 3;
    case 'stats':
      // The totals and the days.
      return 2;
    case 'subscribe':
      // Ids are checked against the API, a bounded number of list pages.
      // One lookup per id the poller does not watch (at most the per-command cap).
      return Math.min(command.livestreamIds.length, DEFAULT_SUBSCRIPTION_LIMITS.maxIdsPerCommand);
    case 'help':
    case 'unsubscribe':
    case 'subscriptions':
      return 0;
  }
}

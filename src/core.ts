/**
 * The inward half of the adapter contract: what every adapter calls with what a person asked.
 * Adapters hold a Core, never the RealtimeKit client, so they stay thin and platform-only.
 *
 * Every command goes the same way: who may (its spec's `operatorOnly`), the limits (its `apiCalls` and
 * `makesLivestream`), one answer shared among identical reads in flight (`sharedInFlight`), then its
 * handler (commands/registry.ts). Nothing here names a command.
 */
import { type Clock, systemClock } from './clock.js';
import type { CommandLimits } from './command-limits.js';
import { operatorRefusal } from './commands/authorize.js';
import type { Command } from './commands/command.js';
import { notOperatorReply, refusalReply, usageReply } from './commands/describe-error.js';
import { parseCommandTextWith } from './commands/parse.js';
import { COMMANDS, type RunnableCommand } from './commands/registry.js';
import { shareInFlight } from './in-flight.js';
import type { Logger } from './log.js';
import type { NotifyStore } from './notify/store.js';
import type { RealtimeKitClient } from './realtimekit/client.js';
import type { Reply } from './reply.js';
import type { RequestContext } from './context.js';

export type { RequestContext } from './context.js';

export interface Core {
  /** Free-text platforms (Slack, terminal): parse, then run. */
  replyToText(text: string, context: RequestContext): Promise<Reply>;
  /** Structured platforms (Discord options) build the Command themselves. */
  replyToCommand(command: Command, context: RequestContext): Promise<Reply>;
}

export interface CoreDeps {
  client: RealtimeKitClient;
  log: Logger;
  /** The notification store, when notifications run: enables the subscription commands. */
  store?: NotifyStore | null;
  /**
   * Per-person limits and the token's shared request budget. startApp always sets them; a core built
   * alone (tests, benches) runs without.
   */
  limits?: CommandLimits | null;
  /** Limits measure time on its monotonic clock. Default: the system clock. */
  clock?: Clock;
  /**
   * The commands it runs, each a spec with its handler. Default: every command (COMMANDS); a test adds
   * its own command this way.
   */
  commands?: readonly RunnableCommand[];
}

/** How long an answer serves identical commands issued before it arrived (bounds clock skew's cost). */
export const SHARED_ANSWER_KEEP_MS = 1_000;

export function createCore(deps: CoreDeps): Core {
  const commands = deps.commands ?? COMMANDS;
  const byName = new Map(commands.map((command) => [command.spec.name, command]));
  const specs = commands.map((command) => command.spec);
  /**
   * Identical read commands in flight at once share one answer: the client already shares their GET,
   * and sharing the Reply too spares parsing it and building it again for each of a burst of people
   * (and lets renderers reuse their output for the same Reply object). Replies are never mutated.
   * A command whose platform says when it was issued also gets an answer that arrived after that, for
   * up to SHARED_ANSWER_KEEP_MS: never older than if we had reached it while the request was in flight.
   * Discord says (the interaction's snowflake); Slack's request timestamp has whole seconds only, so
   * Slack and terminal commands share answers in flight only.
   * Only commands whose spec says `sharedInFlight`: not those that change something or whose answers
   * say who did it (create, start, stop), nor help and subscriptions (no API call, or per channel).
   */
  const shared = shareInFlight<Reply>({ keepMs: SHARED_ANSWER_KEEP_MS });
  const clock = deps.clock ?? systemClock;
  const run = async (command: { name: string }, context: RequestContext): Promise<Reply> => {
    const runnable = byName.get(command.name);
    // Adapters pass only commands the registry made: a core built without one is a programming error.
    if (!runnable) throw new Error(`this core does not run the command ${command.name}`);
    const { spec, handle } = runnable;
    // Who may run livestreams, before any limit: a refusal costs the person nothing.
    const notOperator = operatorRefusal(spec, context);
    if (notOperator) {
      deps.log.info('command refused: not an operator', {
        command: spec.name,
        platform: context.platform,
        userId: context.userId,
      });
      return notOperatorReply(notOperator);
    }
    // Before sharing an answer: each person's command counts against their own limit.
    const cost = { apiCalls: spec.apiCallsOf(command), makesLivestream: spec.makesLivestream };
    const admission = deps.limits?.admit(cost, context, clock.monotonic());
    if (admission?.ok === false) {
      deps.log.info('command refused by a limit', {
        command: spec.name,
        platform: context.platform,
        userId: context.userId,
        kind: admission.refusal.kind,
        retryAfterMs: admission.refusal.retryAfterMs,
      });
      return refusalReply(admission.refusal);
    }
    const answer = () =>
      handle(command, { client: deps.client, log: deps.log, clock, store: deps.store ?? null, context });
    try {
      return await (spec.sharedInFlight
        ? shared(JSON.stringify(command), answer, context.issuedAt)
        : answer());
    } finally {
      admission?.done();
    }
  };
  return {
    replyToCommand: run,
    async replyToText(text, context) {
      const parsed = parseCommandTextWith(specs, text);
      if (!parsed.ok)
        return usageReply(parsed, parsed.command === null ? undefined : byName.get(parsed.command)?.spec);
      return run(parsed.command, context);
    },
  };
}

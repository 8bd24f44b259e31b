/**
 * The inward half of the adapter contract: what every adapter calls with what a person asked.
 * Adapters hold a Core, never the RealtimeKit client, so they stay thin and platform-only.
 */
import { type Clock, systemClock } from './clock.js';
import type { CommandLimits } from './command-limits.js';
import { operatorRefusal } from './commands/authorize.js';
import type { Command } from './commands/command.js';
import { errorReply, notOperatorReply, refusalReply, usageReply } from './commands/describe-error.js';
import { type ApiCommand, handleCommand, helpReply } from './commands/handler.js';
import { parseCommandText } from './commands/parse.js';
import { shareInFlight } from './in-flight.js';
import type { Logger } from './log.js';
import type { NotifyStore } from './notify/store.js';
import { handleSubscriptionCommand, isSubscriptionCommand } from './notify/subscription-commands.js';
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
}

/** How long an answer serves identical commands issued before it arrived (bounds clock skew's cost). */
export const SHARED_ANSWER_KEEP_MS = 1_000;

export function createCore(deps: CoreDeps): Core {
  /**
   * Identical read commands in flight at once share one answer: the client already shares their GET,
   * and sharing the Reply too spares parsing it and building it again for each of a burst of people
   * (and lets renderers reuse their output for the same Reply object). Replies are never mutated.
   * A command whose platform says when it was issued also gets an answer that arrived after that, for
   * up to SHARED_ANSWER_KEEP_MS: never older than if we had reached it while the request was in flight.
   * Discord says (the interaction's snowflake); Slack's request timestamp has whole seconds only, so
   * Slack and terminal commands share answers in flight only.
   * Not `create`, `start` or `stop` (they change something, and their answers say who did it) nor help
   * and subscriptions (no API call, or per channel).
   */
  const shared = shareInFlight<Reply>({ keepMs: SHARED_ANSWER_KEEP_MS });
  const sharedRead = (command: ApiCommand, context: RequestContext): Promise<Reply> =>
    command.name === 'create' || command.name === 'start' || command.name === 'stop'
      ? handleCommand(command, deps, context)
      : shared(JSON.stringify(command), () => handleCommand(command, deps), context.issuedAt);
  const runCommand = async (
    command: Exclude<Command, { name: 'help' }>,
    context: RequestContext,
  ): Promise<Reply> => {
    if (!isSubscriptionCommand(command)) return sharedRead(command, context);
    try {
      return await handleSubscriptionCommand({
        command,
        context,
        store: deps.store ?? null,
        client: deps.client,
      });
    } catch (error) {
      deps.log.error('subscription command failed', { error });
      return errorReply(error, { kind: 'list' });
    }
  };
  const clock = deps.clock ?? systemClock;
  const replyToCommand = async (command: Command, context: RequestContext): Promise<Reply> => {
    if (command.name === 'help') return helpReply(command.topic);
    // Who may run livestreams, before any limit: a refusal costs the person nothing.
    const notOperator = operatorRefusal(command, context);
    if (notOperator) {
      deps.log.info('command refused: not an operator', {
        command: command.name,
        platform: context.platform,
        userId: context.userId,
      });
      return notOperatorReply(notOperator);
    }
    // Before sharing an answer: each person's command counts against their own limit.
    const admission = deps.limits?.admit(command, context, clock.monotonic());
    if (admission?.ok === false) {
      deps.log.info('command refused by a limit', {
        command: command.name,
        platform: context.platform,
        userId: context.userId,
        kind: admission.refusal.kind,
        retryAfterMs: admission.refusal.retryAfterMs,
      });
      return refusalReply(admission.refusal);
    }
    try {
      return await runCommand(command, context);
    } finally {
      admission?.done();
    }
  };
  return {
    replyToCommand,
    async replyToText(text, context) {
      const parsed = parseCommandText(text);
      if (!parsed.ok) return usageReply(parsed);
      return replyToCommand(parsed.command, context);
    },
  };
}

/**
 * Every command the core runs: its spec (what it takes, what it costs, who may run it) and its handler.
 * The compiler asks for one handler per spec entry; the core derives everything else from the spec
 * (core.ts). A command outside the registry (a test's own) joins a core the same way:
 * `commandWithHandler(spec, handler)`.
 */
import type { Clock } from '../clock.js';
import type { RequestContext } from '../context.js';
import type { Logger } from '../log.js';
import type { NotifyStore } from '../notify/store.js';
import { handleSubscriptionCommand, type SubscriptionCommand } from '../notify/subscription-commands.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import type { Reply } from '../reply.js';
import type { Command, CommandName } from './command.js';
import { errorReply } from './describe-error.js';
import { API_HANDLERS } from './handler.js';
import { helpReply } from './help.js';
import { COMMAND_SPECS, type CommandSpec, type SomeCommandSpec } from './spec.js';
import type { Args } from './text-grammar.js';

/** What a handler runs with: the API, the notification store, the clock, and who asked. */
export interface CommandRun {
  client: RealtimeKitClient;
  log: Logger;
  clock: Clock;
  /** The notification store, when notifications run (the subscription commands need it). */
  store: NotifyStore | null;
  context: RequestContext;
}

/** Runs one command and answers; a failure is an answer too, never thrown. */
export type CommandHandler<C> = (command: C, run: CommandRun) => Promise<Reply>;

/** A command the core can run. */
export interface RunnableCommand {
  spec: SomeCommandSpec;
  /** Given only commands its spec bound: the core finds the handler by the command's name. */
  handle(command: { name: string }, run: CommandRun): Promise<Reply>;
}

/** A spec and the handler of its commands, typed together. */
export function commandWithHandler<N extends string, C extends { name: N }, A extends Args>(
  spec: CommandSpec<N, C, A>,
  handle: CommandHandler<C>,
): RunnableCommand {
  // The core hands `handle` only commands this spec bound (it looks the handler up by their name).
  return { spec, handle: (command, run) => handle(command as C, run) };
}

/** The subscription commands: local to the store, apart from checking named ids against the API. */
const subscriptionHandler: CommandHandler<SubscriptionCommand> = async (command, run) => {
  try {
    return await handleSubscriptionCommand({
      command,
      context: run.context,
      store: run.store,
      client: run.client,
    });
  } catch (error) {
    run.log.error('subscription command failed', { error });
    return errorReply(error, { kind: 'list' });
  }
};

const HANDLERS: { [N in CommandName]: CommandHandler<Extract<Command, { name: N }>> } = {
  ...API_HANDLERS,
  subscribe: subscriptionHandler,
  unsubscribe: subscriptionHandler,
  subscriptions: subscriptionHandler,
  help: async ({ topic }) => helpReply(topic),
};

/** Every command of the registry, with its handler, in the spec's order. */
export const COMMANDS: readonly RunnableCommand[] = COMMAND_SPECS.map((spec): RunnableCommand => ({
  spec,
  handle: HANDLERS[spec.name],
}));

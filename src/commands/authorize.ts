/**
 * Who may run livestreams: `start`, `stop` and `create` change what viewers see (or make a stream key),
 * so each platform names its operators (SLACK_OPERATORS; Discord Manage Channels or
 * DISCORD_OPERATOR_ROLES; by default whoever may manage subscriptions) and its adapter says whether
 * this person is one (`canOperate`). A refusal is a value; describe-error.ts puts it into words.
 */
import type { Operators, RequestContext } from '../context.js';
import type { Command, CommandName } from './command.js';

/** The commands only operators may run. */
export const OPERATOR_COMMANDS: ReadonlySet<CommandName> = new Set<CommandName>(['start', 'stop', 'create']);

export interface NotOperator {
  kind: 'NotOperator';
  command: CommandName;
  /** Who may, when the platform said. */
  operators: Operators | null;
}

/** Null when this person may run the command; the refusal otherwise. No context limit: allowed. */
export function operatorRefusal(command: Command, context: RequestContext): NotOperator | null {
  if (!OPERATOR_COMMANDS.has(command.name) || context.canOperate !== false) return null;
  return { kind: 'NotOperator', command: command.name, operators: context.operators ?? null };
}

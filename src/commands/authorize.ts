/**
 * Who may run livestreams: the commands whose spec says `operatorOnly` (start, stop and create change
 * what viewers see, or make a stream key), so each platform names its operators (SLACK_OPERATORS;
 * Discord Manage Channels or DISCORD_OPERATOR_ROLES; by default whoever may manage subscriptions) and
 * its adapter says whether this person is one (`canOperate`). A refusal is a value; describe-error.ts
 * puts it into words.
 */
import type { Operators, RequestContext } from '../context.js';
import type { SomeCommandSpec } from './spec.js';

export interface NotOperator {
  kind: 'NotOperator';
  command: string;
  /** Who may, when the platform said. */
  operators: Operators | null;
}

/** Null when this person may run the command of `spec`; the refusal otherwise. No context limit: allowed. */
export function operatorRefusal(
  spec: Pick<SomeCommandSpec, 'name' | 'operatorOnly'>,
  context: RequestContext,
): NotOperator | null {
  if (!spec.operatorOnly || context.canOperate !== false) return null;
  return { kind: 'NotOperator', command: spec.name, operators: context.operators ?? null };
}

/** What a person asked for, parsed and validated: the core's input, whatever the platform. */
import type { ListQuery } from '../realtimekit/types.js';

export type Command =
  | { name: 'list'; query: ListQuery }
  | { name: 'create'; livestreamName?: string }
  | { name: 'status'; livestreamId: string }
  | { name: 'session'; sessionId: string }
  | { name: 'meeting'; meetingId: string }
  | { name: 'help'; topic?: CommandName }
  | { name: 'subscribe'; onLive: boolean; onErrored: boolean; livestreamIds: string[]; mention?: string }
  | { name: 'unsubscribe'; livestreamIds: string[] }
  | { name: 'subscriptions' };

export type CommandName = Command['name'];

/** Bad input as a value: what was wrong, and the usage that would have been right. */
export interface CommandProblem {
  problem: string;
  usage: string;
}

export type ParseResult = { ok: true; command: Command } | ({ ok: false } & CommandProblem);

export const DEFAULT_PER_PAGE = 10;

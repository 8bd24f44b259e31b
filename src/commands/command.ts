/**
 * What a person asked for, parsed and validated: the core's input, whatever the platform. The Command
 * type comes from the spec (spec.ts): each entry's `toCommand` says what its command carries.
 */
import type { CommandProblem } from './problem.js';
import type { Command } from './spec.js';

export type { Command, CommandName } from './spec.js';
export type { CommandProblem, InputError, InputSurface } from './problem.js';

/** A Command, or bad input as a value for the caller to put into words (describe-input.ts). */
export type ParseResult = { ok: true; command: Command } | ({ ok: false } & CommandProblem);

export const DEFAULT_PER_PAGE = 10;

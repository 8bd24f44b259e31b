/**
 * Bad input as a value: what was wrong, each with a kind, for describe-input.ts to put into words for
 * the platform it came from. Nothing here is text for people.
 */
import type { TextFault } from '../realtimekit/validate.js';

/**
 * How arguments were given: `text` (Slack, terminal: `list --per-page 5`) or `options` (Discord:
 * `/livestream list per_page:5`, each argument a named option).
 */
export type InputSurface = 'text' | 'options';

export type InputError =
  /** No command has that name (a stale registration, on a platform with its own command picker). */
  | { kind: 'UnknownCommand'; got: string; suggestion: string | null }
  | { kind: 'UnknownOption'; got: string }
  | { kind: 'Missing'; arg: string }
  /** A value the argument does not take; `fault` says why, when its kind can fail in more ways. */
  | { kind: 'Invalid'; arg: string; got: string; fault?: TextFault }
  /** A second value for an argument that takes one (`list live idle`). */
  | { kind: 'Repeated'; arg: string }
  /** A value for an on/off option (`--exclude-meetings=yes`). */
  | { kind: 'TakesNoValue'; arg: string }
  /** Words no argument takes. */
  | { kind: 'Extra'; got: readonly string[] }
  /** Two arguments in the wrong order (`--since` after `--until`). */
  | { kind: 'OutOfOrder'; first: string; second: string };

export interface CommandProblem {
  surface: InputSurface;
  /** The command the input was for; null when no command has the name given. */
  command: string | null;
  /** Everything wrong with it, at least one. */
  errors: readonly InputError[];
  /** The usage that would have been right, in the surface's own syntax. */
  usage: string;
}

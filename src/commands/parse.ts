/**
 * Free text (Slack, terminal) to a Command: `list live --page 2`, `create My show`… The grammar of
 * each command comes from its spec (text-grammar.ts); this finds the command and splits the words.
 * Returns a Command or the problems as values; never throws.
 */
import type { Command, ParseResult } from './command.js';
import { COMMAND_SPECS, type SomeCommandSpec, specFor } from './spec.js';
import { formatTextArgs, type ReadArgs, readTextArgs } from './text-grammar.js';

/** Splits on whitespace, keeping "quoted strings" (straight or curly quotes, as Slack sends them) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /"([^"]*)"|“([^”]*)”|'([^']*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) tokens.push(match[1] ?? match[2] ?? match[3] ?? match[4] ?? '');
  return tokens;
}

/** A parse against any set of specs: a Command of theirs, or the problems. */
export type ParseResultOf<C> = { ok: true; command: C } | Extract<ParseResult, { ok: false }>;

type Split = { ok: true; spec: SomeCommandSpec; read: ReadArgs } | Extract<ParseResult, { ok: false }>;

/** The command a line names and its words read into argument values, not yet bound. */
function split(specs: readonly SomeCommandSpec[], input: string): Split | { ok: true; spec: null } {
  const tokens = tokenize(input.trim());
  // People paste the slash command itself into the terminal; Slack never sends it.
  if (tokens[0]?.toLowerCase() === '/livestream') tokens.shift();
  const [head, ...rest] = tokens;
  if (head === undefined) return { ok: true, spec: null };
  const spec = specs.find((one) => one.name === head.toLowerCase());
  if (!spec) {
    const names = specs.map((one) => one.name);
    return {
      ok: false,
      surface: 'text',
      command: null,
      errors: [{ kind: 'UnknownCommand', got: head, suggestion: closestCommand(head.toLowerCase(), names) }],
      usage: names.join(' | '),
    };
  }
  return { ok: true, spec, read: readTextArgs(spec.args, rest) };
}

export function parseCommandText(input: string): ParseResult {
  // The registry's specs make only Commands.
  return parseCommandTextWith(COMMAND_SPECS, input) as ParseResult;
}

/** The same against a core's own set of specs (the registry's, and a test's own commands). */
export function parseCommandTextWith(
  specs: readonly SomeCommandSpec[],
  input: string,
): ParseResultOf<{ name: string }> {
  const found = split(specs, input);
  if (!found.ok) return found;
  // Nothing typed: help.
  if (found.spec === null) return { ok: true, command: { name: 'help' } };
  const bound = found.spec.bind(found.read.values, found.read.errors);
  return bound.ok
    ? bound
    : { ok: false, surface: 'text', command: found.spec.name, errors: bound.errors, usage: found.spec.usage };
}

/** A command as typed after `/livestream` (`list live --page 2`): its spec writes its values out. */
export function commandText(command: Command): string {
  const spec: SomeCommandSpec = specFor(command.name);
  return [command.name, ...formatTextArgs(spec.args, spec.valuesOf(command))].join(' ');
}

/** A command as a person types it in Slack or the terminal: `/livestream list live --page 2`. */
export function commandLine(command: Command): string {
  return `/livestream ${commandText(command)}`;
}

/** A close command name for a typo (edit distance of at most 2, or a prefix). */
function closestCommand(input: string, names: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const distance = name.startsWith(input) && input.length >= 2 ? 0 : editDistance(input, name);
    if (distance <= 2 && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Bad input in words: each InputError as one sentence, naming arguments as the person gave them
 * (`--per-page` in text, `per_page` among Discord's options) and saying what would be right.
 */
import { type ArgSpec, type Choice, nounOf, withArticle, wordOf } from './args.js';
import type { CommandProblem, InputError, InputSurface } from './problem.js';
import { findSpec, type SomeCommandSpec } from './spec.js';
import { flagName, isFlag, textName } from './text-grammar.js';

/** Quoted back to the person, short enough never to flood a reply. */
function quote(value: string): string {
  return `"${value.slice(0, 40)}${value.length > 40 ? '…' : ''}"`;
}

/** "a, b or c". */
function either(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function choiceWords(choices: readonly Choice[], surface: InputSurface): string[] {
  // Text is typed in any case and shown in lower case; Discord shows the values it sends.
  return choices.map((choice) => (surface === 'text' ? wordOf(choice).toLowerCase() : wordOf(choice)));
}

/** An ISO date as people write one; a time without a zone is read as UTC. */
const ISO_EXAMPLE = 'an ISO date such as 2026-11-01 or 2026-11-01T09:00Z (UTC unless a zone is given)';

interface Context {
  surface: InputSurface;
  command: string | null;
  args: Readonly<Record<string, ArgSpec>>;
}

function shownName(name: string, context: Context): string {
  const arg = context.args[name];
  return context.surface === 'options' || !arg ? name : textName(name, arg);
}

function invalidText(error: Extract<InputError, { kind: 'Invalid' }>, context: Context): string {
  const arg = context.args[error.arg];
  const name = shownName(error.arg, context);
  const got = quote(error.got);
  if (!arg) return `${got} is not a valid ${name}.`;
  const noun = nounOf(error.arg, arg);
  // In text, a word in place that no argument took was tried as this one: say what else it could be.
  const keywords = Object.entries(context.args).flatMap(([, other]) =>
    context.surface === 'text' &&
    other !== arg &&
    !isFlag(other) &&
    (other.kind === 'set' || other.kind === 'choice')
      ? choiceWords(other.choices, 'text')
      : [],
  );
  switch (arg.kind) {
    case 'id':
      return keywords.length > 0
        ? `${got} is neither ${keywords.join(', ')} nor ${withArticle(noun)}.`
        : `${got} is not ${withArticle(noun)}: ${noun}s are ${arg.rule.many}.`;
    case 'text':
      return error.fault === 'control-characters'
        ? `The ${noun} contains control characters.`
        : `The ${noun} is longer than ${arg.maxLength} characters.`;
    case 'integer': {
      const { min, max } = arg.range;
      const range = max === undefined ? `of ${min} or more` : `from ${min} to ${max}`;
      return `${name} needs a whole number ${range} (got ${got}).`;
    }
    case 'date':
      return `${name} needs ${ISO_EXAMPLE} (got ${got}).`;
    case 'boolean':
      return `${name} is on or off (got ${got}).`;
    case 'choice':
    case 'set': {
      const words = choiceWords(arg.choices, context.surface);
      if (arg.kind === 'set' && context.surface === 'options') words.unshift(arg.all.word);
      return context.surface === 'text' && !isFlag(arg)
        ? `Unknown ${noun} ${got}: use ${either(words)}.`
        : `${name} takes ${either(words)} (got ${got}).`;
    }
    case 'mention':
      return `${name} needs who to ping, such as @here.`;
    case 'command':
      return `There is no command ${got}.`;
  }
}

function errorText(error: InputError, context: Context): string {
  switch (error.kind) {
    case 'UnknownCommand':
      if (context.surface === 'options') {
        // Only a stale registration sends this: Discord checks subcommands against what was registered.
        return `Unknown subcommand${error.got ? ` ${quote(error.got)}` : ''}. Run npm run discord:register to refresh the command.`;
      }
      return `Unknown command ${quote(error.got)}.${error.suggestion ? ` Did you mean "${error.suggestion}"?` : ''}`;
    case 'UnknownOption': {
      const flags = Object.entries(context.args).filter(([, arg]) => isFlag(arg));
      const options = flags.map(([name]) => flagName(name));
      if (options.length === 0) return `Unknown option ${quote(error.got)}: ${context.command} takes none.`;
      return `Unknown option ${quote(error.got)}: ${options.length === 1 ? 'the option is' : 'the options are'} ${options.join(', ')}.`;
    }
    case 'Missing': {
      const arg = context.args[error.arg];
      return `Missing ${withArticle(arg ? nounOf(error.arg, arg) : error.arg)}.`;
    }
    case 'Invalid':
      return invalidText(error, context);
    case 'Repeated': {
      const arg = context.args[error.arg];
      return `Give at most one ${arg ? nounOf(error.arg, arg) : error.arg}.`;
    }
    case 'TakesNoValue':
      return `${shownName(error.arg, context)} takes no value.`;
    case 'Extra': {
      const inPlace = Object.entries(context.args).filter(([, arg]) => !isFlag(arg));
      if (inPlace.length === 0) return `${context.command} takes no arguments.`;
      const expected = either(inPlace.map(([name, arg]) => withArticle(nounOf(name, arg))));
      return `Expected only ${expected}, got extra words: ${quote(error.got.join(' '))}.`;
    }
    case 'OutOfOrder':
      return `${shownName(error.first, context)} must be before ${shownName(error.second, context)}.`;
  }
}

/**
 * Every problem with the input, one sentence each. `spec` is the command's own, found by name
 * unless given (a spec outside the registry).
 */
export function describeInputErrors(
  problem: CommandProblem,
  spec: SomeCommandSpec | undefined = problem.command === null ? undefined : findSpec(problem.command),
): string[] {
  const context: Context = { surface: problem.surface, command: problem.command, args: spec?.args ?? {} };
  return problem.errors.map((error) => errorText(error, context));
}

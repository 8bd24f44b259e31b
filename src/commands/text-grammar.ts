/**
 * The text grammar (Slack, terminal) of a command, derived from its arguments: its usage line, how
 * words are read into argument values, and how values are written back as words. A flag is
 * `--name VALUE` or `--name=VALUE` (in any case, `_` or `-`); a `choice` or `set` in place is
 * recognised by its words wherever it stands; ids and other values in place fill their arguments in
 * order; a `rest` argument takes the rest of the line.
 *
 * Not `node:util`'s parseArgs: the grammar is case-insensitive (`--Page`), takes `--per_page` for
 * `--per-page`, reads `--page -1` as a value to refuse with the range rather than as an unknown
 * option, and every problem must come back as an InputError (parseArgs throws, in Node's words).
 */
import {
  type ArgSpec,
  type ArgValueMap,
  acceptValue,
  type Choice,
  matchChoice,
  type RawValue,
  wordOf,
} from './args.js';
import type { InputError } from './problem.js';

export type Args = Readonly<Record<string, ArgSpec>>;

export function isFlag(arg: ArgSpec): boolean {
  return 'flag' in arg && arg.flag === true;
}

/** `per_page` -> `--per-page`. */
export function flagName(name: string): string {
  return `--${name.replaceAll('_', '-')}`;
}

/** A choice or set in place: recognised by its words rather than by where it stands. */
function isKeyword(arg: ArgSpec): boolean {
  return !isFlag(arg) && (arg.kind === 'choice' || arg.kind === 'set');
}

const choiceWords = (choices: readonly Choice[]): string =>
  choices.map((choice) => wordOf(choice).toLowerCase()).join('|');

/** What a flag's value looks like in the usage: `N`, `ISO`, `asc|desc`. */
function metavar(name: string, arg: ArgSpec): string {
  switch (arg.kind) {
    case 'integer':
      return 'N';
    case 'date':
      return 'ISO';
    case 'mention':
      return 'WHO';
    case 'choice':
    case 'set':
      return choiceWords(arg.choices);
    default:
      return arg.placeholder ?? name.toUpperCase();
  }
}

/** How the argument is named in messages: `--per-page`, or its place in the usage. */
export function textName(name: string, arg: ArgSpec): string {
  return isFlag(arg) ? flagName(name) : (arg.placeholder ?? name);
}

/** The argument as help lists it, without the brackets: `--per-page N`, `live|idle`, `<livestream_id>`. */
export function textForm(name: string, arg: ArgSpec): string {
  if (isFlag(arg)) return arg.kind === 'boolean' ? flagName(name) : `${flagName(name)} ${metavar(name, arg)}`;
  const placeholder = arg.placeholder ?? name;
  switch (arg.kind) {
    case 'choice':
      return choiceWords(arg.choices);
    case 'set':
      return arg.choices.map((choice) => `[${wordOf(choice).toLowerCase()}]`).join(' ');
    case 'id':
      return `<${placeholder}>${arg.variadic ? '...' : ''}`;
    case 'text':
      return `${placeholder}...`;
    default:
      return placeholder;
  }
}

/** The argument in a usage line: optional ones bracketed, `[live] [errored]` for a set. */
function usagePiece(name: string, arg: ArgSpec): string {
  // A set's words are each optional already.
  if (arg.kind === 'set') return textForm(name, arg);
  const form = textForm(name, arg);
  if (!arg.required) return `[${form}]`;
  // Ids are always in angle brackets; other required values get them too, so they read as slots.
  return isFlag(arg) || form.startsWith('<') ? form : `<${form}>`;
}

/** `list [live|idle|errored|invoked] [--page N] …`: the command as typed after `/livestream`. */
export function textUsage(command: string, args: Args): string {
  return [command, ...Object.entries(args).map(([name, arg]) => usagePiece(name, arg))].join(' ');
}

export interface ReadArgs {
  values: ArgValueMap;
  errors: InputError[];
}

/** Reads the words after the command name into argument values; every problem becomes an InputError. */
export function readTextArgs(args: Args, words: readonly string[]): ReadArgs {
  const values: ArgValueMap = {};
  const errors: InputError[] = [];
  const entries = Object.entries(args);
  const flags = new Map(
    entries.filter(([, arg]) => isFlag(arg)).map(([name, arg]) => [flagName(name), { name, arg }]),
  );
  const keywords = entries.filter(([, arg]) => isKeyword(arg));
  const inPlace = entries.filter(([, arg]) => !isFlag(arg) && !isKeyword(arg));
  let nextInPlace = 0;

  const take = (name: string, arg: ArgSpec, raw: RawValue): void => {
    const accepted = acceptValue(name, arg, raw);
    if (!accepted.ok) errors.push(accepted.error);
    else if (accepted.value !== undefined) values[name] = accepted.value;
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const place = inPlace[nextInPlace];
    const restNext = place !== undefined && place[1].kind === 'text';

    if (word.startsWith('--') && word.length > 2) {
      const eq = word.indexOf('=');
      const flag = flags.get((eq > 0 ? word.slice(0, eq) : word).toLowerCase().replaceAll('_', '-'));
      if (flag) {
        const inline = eq > 0 ? word.slice(eq + 1) : undefined;
        if (flag.arg.kind === 'boolean') {
          if (inline !== undefined) errors.push({ kind: 'TakesNoValue', arg: flag.name });
          else values[flag.name] = true;
        } else {
          take(flag.name, flag.arg, inline ?? words[++i] ?? '');
        }
        continue;
      }
      // A name may well start with dashes; anywhere else, an unknown option.
      if (!restNext) {
        errors.push({ kind: 'UnknownOption', got: word });
        continue;
      }
    }

    const keyword = keywords.find(
      ([, arg]) =>
        ('choices' in arg && matchChoice(arg.choices, word) !== undefined) ||
        // A set's word for all its choices (`both`) is a keyword too, not a value for the next place.
        (arg.kind === 'set' && word.toLowerCase() === arg.all.word.toLowerCase()),
    );
    if (keyword) {
      const [name, arg] = keyword;
      if (arg.kind === 'set') {
        const accepted = acceptValue(name, arg, word);
        const seen = (values[name] as unknown[] | undefined) ?? [];
        if (accepted.ok) values[name] = [...new Set([...seen, ...(accepted.value as unknown[])])];
      } else if (name in values) errors.push({ kind: 'Repeated', arg: name });
      else take(name, arg, word);
      continue;
    }

    if (place !== undefined) {
      const [name, arg] = place;
      if (arg.kind === 'text') {
        take(name, arg, words.slice(i).join(' '));
        break;
      }
      if (arg.kind === 'id' && arg.variadic) {
        const accepted = acceptValue(name, arg, word);
        if (!accepted.ok) errors.push(accepted.error);
        else values[name] = [...((values[name] as unknown[] | undefined) ?? []), accepted.value];
        continue;
      }
      take(name, arg, word);
      nextInPlace++;
      continue;
    }

    // Nothing takes this word: a misspelt choice when a choice is all there is to give in place.
    const choice = keywords.find(([, arg]) => arg.kind === 'choice');
    if (choice && inPlace.length === 0) errors.push({ kind: 'Invalid', arg: choice[0], got: word });
    else {
      errors.push({ kind: 'Extra', got: words.slice(i) });
      break;
    }
  }
  return { values, errors };
}

/** A word as the tokenizer will read it back: quoted when it holds spaces. */
function asWord(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** Argument values as words after the command name, in the order of the arguments. */
export function formatTextArgs(args: Args, values: ArgValueMap): string[] {
  const words: string[] = [];
  for (const [name, arg] of Object.entries(args)) {
    const value = values[name];
    if (value === undefined) continue;
    const asText = (one: unknown): string => {
      if (arg.kind !== 'choice' && arg.kind !== 'set') return String(one);
      const choice = arg.choices.find((c) => c.value === one);
      return choice ? wordOf(choice).toLowerCase() : String(one);
    };
    if (isFlag(arg)) {
      if (arg.kind === 'boolean') words.push(flagName(name));
      else words.push(flagName(name), asWord(asText(value)));
    } else if (Array.isArray(value)) words.push(...value.map((one) => asWord(asText(one))));
    else if (arg.kind === 'text') words.push(String(value));
    else words.push(asWord(asText(value)));
  }
  return words;
}

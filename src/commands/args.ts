/**
 * The kinds of argument a command takes, as data, and what each accepts. The text grammar
 * (text-grammar.ts), Discord's options (adapters/discord/commands.ts, options.ts), help and
 * describe-input.ts all read these; none of them knows a command by name. The limits and patterns come
 * from realtimekit/validate.ts, the rules the API client checks before sending.
 */
import {
  type IdRule,
  type IntegerRange,
  inRange,
  isIsoDateTime,
  matchesId,
  textFault,
  utcIsoDateTime,
} from '../realtimekit/validate.js';
import type { InputError } from './problem.js';

/** One value of a choice. */
export interface Choice<V extends string = string> {
  /** What the command gets. */
  value: V;
  /** How people write it, in any case, and what Discord sends; default `value`. */
  word?: string;
  /** Other spellings text accepts (`dsc` for `desc`). */
  aliases?: readonly string[];
  /** The choice's name in Discord's picker; default the word. */
  label?: string;
}

interface ArgBase {
  /** One line for help and for Discord's option description (at most 100 characters). */
  description: string;
  required?: boolean;
  /** What it is, in words: "livestream id". Default: the name, `_` as spaces. */
  noun?: string;
  /** Its name in the text usage (`<livestream_session_id>`). Default: the name. */
  placeholder?: string;
}

/** In text, `--name VALUE` (or `--name=VALUE`) rather than a word in its place. */
interface Flaggable {
  flag?: boolean;
}

/** An id the API takes. In text, a word in place; `variadic` takes any number (Discord offers one). */
export interface IdArg extends ArgBase {
  kind: 'id';
  rule: IdRule;
  variadic?: boolean;
}

/** Free text. In text, the rest of the line, spaces and all. No control characters. */
export interface TextArg extends ArgBase {
  kind: 'text';
  rest: true;
  maxLength: number;
}

export interface IntegerArg extends ArgBase, Flaggable {
  kind: 'integer';
  range: IntegerRange;
}

/** An ISO date or date-time; a time without a zone is UTC. */
export interface DateArg extends ArgBase, Flaggable {
  kind: 'date';
}

/** On when given. Always a flag in text. */
export interface BooleanArg extends ArgBase {
  kind: 'boolean';
  flag: true;
}

/** One of `choices`. In text, a word in place is recognised by its spelling, wherever it stands. */
export interface ChoiceArg<V extends string = string> extends ArgBase, Flaggable {
  kind: 'choice';
  choices: readonly Choice<V>[];
}

/**
 * Any of `choices`: in text each is an optional word of its own (`[live] [errored]`); Discord offers
 * one choice, or `all` for every one of them.
 */
export interface SetArg<V extends string = string> extends ArgBase {
  kind: 'set';
  choices: readonly Choice<V>[];
  all: { word: string; label: string };
}

/** Who a post pings: text as people type it (`@here`), a role in Discord. Always a flag in text. */
export interface MentionArg extends ArgBase {
  kind: 'mention';
  flag: true;
}

/** The name of a command (help's topic). */
export interface CommandNameArg extends ArgBase {
  kind: 'command';
  /** Read when needed: the command list includes the command this argument belongs to. */
  names: () => readonly string[];
}

export type ArgSpec =
  IdArg | TextArg | IntegerArg | DateArg | BooleanArg | ChoiceArg | SetArg | MentionArg | CommandNameArg;

export type ArgKind = ArgSpec['kind'];

/** The value an argument gives its command. */
export type ArgValue<A> = A extends { kind: 'choice'; choices: readonly Choice<infer V>[] }
  ? V
  : A extends { kind: 'set'; choices: readonly Choice<infer V>[] }
    ? V[]
    : A extends { kind: 'integer' }
      ? number
      : A extends { kind: 'boolean' }
        ? true
        : A extends { kind: 'id'; variadic: true }
          ? string[]
          : string;

type RequiredKeys<Args> = {
  [K in keyof Args]: Args[K] extends { required: true } ? K : never;
}[keyof Args];

type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** A command's argument values: required ones always there, the others when given. */
export type ArgValues<Args> = Flatten<
  { -readonly [K in RequiredKeys<Args>]: ArgValue<Args[K]> } & {
    -readonly [K in Exclude<keyof Args, RequiredKeys<Args>>]?: ArgValue<Args[K]>;
  }
>;

/** Argument values by name, as the readers of text and options collect them before `bind`. */
export type ArgValueMap = Record<string, unknown>;

export function nounOf(name: string, arg: ArgSpec): string {
  return arg.noun ?? name.replaceAll('_', ' ');
}

/** "a livestream id", "an id". */
export function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

export function wordOf(choice: Choice): string {
  return choice.word ?? choice.value;
}

/** The choice a word names, in any case, or undefined. */
export function matchChoice<V extends string>(choices: readonly Choice<V>[], word: string): V | undefined {
  const lower = word.toLowerCase();
  return choices.find(
    (choice) =>
      wordOf(choice).toLowerCase() === lower ||
      choice.aliases?.some((alias) => alias.toLowerCase() === lower),
  )?.value;
}

/** A raw value as a platform gives it: text is all strings, Discord types integers and booleans. */
export type RawValue = string | number | boolean;

/** A value accepted (`value` undefined: given empty, so absent), or why not. */
export type Accepted = { ok: true; value: unknown } | { ok: false; error: InputError };

/**
 * Checks one raw value against its argument and turns it into the command's value. Every platform's
 * input goes through here, so a limit holds whatever the surface. A `set` takes one word per call
 * (or the `all` word), as a list of the values it names.
 */
export function acceptValue(name: string, arg: ArgSpec, raw: RawValue): Accepted {
  const invalid = (): Accepted => ({ ok: false, error: { kind: 'Invalid', arg: name, got: String(raw) } });
  const text = typeof raw === 'string' ? raw : null;
  switch (arg.kind) {
    case 'id':
      return text !== null && matchesId(text, arg.rule) ? { ok: true, value: text } : invalid();
    case 'text': {
      if (text === null) return invalid();
      const trimmed = text.trim();
      if (trimmed === '') return { ok: true, value: undefined };
      const fault = textFault(trimmed, arg.maxLength);
      return fault === null
        ? { ok: true, value: trimmed }
        : { ok: false, error: { kind: 'Invalid', arg: name, got: trimmed, fault } };
    }
    case 'integer': {
      const n = typeof raw === 'number' ? raw : text !== null && /^\d+$/.test(text) ? Number(text) : NaN;
      return inRange(n, arg.range) ? { ok: true, value: n } : invalid();
    }
    case 'date':
      return text !== null && isIsoDateTime(text) ? { ok: true, value: utcIsoDateTime(text) } : invalid();
    case 'boolean':
      return raw === true
        ? { ok: true, value: true }
        : raw === false
          ? { ok: true, value: undefined }
          : invalid();
    case 'choice': {
      const value = text === null ? undefined : matchChoice(arg.choices, text);
      return value === undefined ? invalid() : { ok: true, value };
    }
    case 'set': {
      if (text === null) return invalid();
      if (text.toLowerCase() === arg.all.word.toLowerCase())
        return { ok: true, value: arg.choices.map((choice) => choice.value) };
      const value = matchChoice(arg.choices, text);
      return value === undefined ? invalid() : { ok: true, value: [value] };
    }
    case 'mention':
      return text !== null && text.trim() !== '' ? { ok: true, value: text.trim() } : invalid();
    case 'command': {
      const lower = text?.toLowerCase();
      return lower !== undefined && arg.names().includes(lower) ? { ok: true, value: lower } : invalid();
    }
  }
}

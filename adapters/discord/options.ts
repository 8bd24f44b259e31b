/**
 * Interaction options -> the core's Command, or the problems as values. Each option is an argument of
 * the spec under the same name; Discord already typed the values (integers, booleans, choices, roles),
 * and every value then goes through the spec's own checks (acceptValue, bind), the same the text
 * grammar uses. Problems name the Discord option (`per_page`), never the text grammar's `--per-page`.
 */
import {
  acceptValue,
  type Args,
  type ArgSpec,
  type ArgValueMap,
  type Command,
  type CommandProblem,
  findSpec,
  type InputError,
  type RawValue,
  type ReadArgs,
} from '../../src/commands/index.js';
import { DISCORD_SUBCOMMANDS, discordUsage } from './commands.js';

/** Every core command is a Discord subcommand. */
export type DiscordCommand = Command;

/** The core's ParseResult, as Discord options give it. */
export type OptionsResult = { ok: true; command: DiscordCommand } | ({ ok: false } & CommandProblem);

/** The part of discord.js's option resolver this needs; tests pass a plain object. */
export interface OptionValues {
  getString(name: string): string | null;
  getInteger(name: string): number | null;
  getBoolean(name: string): boolean | null;
  getRole(name: string): { id: string; name: string } | null;
}

export interface CommandFromOptionsArgs {
  /** `interaction.options.getSubcommand(false)`. */
  subcommand: string | null;
  options: OptionValues;
}

/** The option as Discord typed it; a blank string counts as not given. */
function rawOption(name: string, arg: ArgSpec, options: OptionValues): RawValue | null {
  switch (arg.kind) {
    case 'integer':
      return options.getInteger(name);
    case 'boolean':
      return options.getBoolean(name);
    case 'mention': {
      const role = options.getRole(name);
      if (!role) return null;
      // The role picker offers @everyone, whose id is the guild's: `<@&guild>` would ping nobody.
      // (Discord lets no other role be named @everyone.)
      return role.name === '@everyone' ? '@everyone' : `<@&${role.id}>`;
    }
    default: {
      const text = options.getString(name)?.trim();
      return text === undefined || text === '' ? null : text;
    }
  }
}

/** Reads a command's options into argument values; every problem becomes an InputError. */
export function readOptions(args: Args, options: OptionValues): ReadArgs {
  const values: ArgValueMap = {};
  const errors: InputError[] = [];
  for (const [name, arg] of Object.entries(args)) {
    const raw = rawOption(name, arg, options);
    if (raw === null) continue;
    const accepted = acceptValue(name, arg, raw);
    if (!accepted.ok) errors.push(accepted.error);
    else if (accepted.value !== undefined)
      // Discord offers one of a variadic id; the command takes a list.
      values[name] = arg.kind === 'id' && arg.variadic ? [accepted.value] : accepted.value;
  }
  return { values, errors };
}

export function commandFromOptions({ subcommand, options }: CommandFromOptionsArgs): OptionsResult {
  const spec = subcommand === null ? undefined : findSpec(subcommand);
  if (!spec) {
    return {
      ok: false,
      surface: 'options',
      command: null,
      errors: [{ kind: 'UnknownCommand', got: subcommand ?? '', suggestion: null }],
      usage: DISCORD_SUBCOMMANDS.join(' | '),
    };
  }
  const { values, errors } = readOptions(spec.args, options);
  const bound = spec.bind(values, errors);
  return bound.ok
    ? bound
    : {
        ok: false,
        surface: 'options',
        command: spec.name,
        errors: bound.errors,
        usage: discordUsage(spec.name),
      };
}

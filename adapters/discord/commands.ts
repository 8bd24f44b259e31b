/**
 * The `/livestream` application command as data: one chat-input command whose subcommands are the
 * core's commands, each argument of the spec (src/commands/spec.ts) an option of the same name. Help,
 * usage and Discord's command picker all come from that spec, so they never drift apart.
 */
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIApplicationGuildCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import {
  type Args,
  type ArgSpec,
  type ArgValueMap,
  type Choice,
  type Command,
  COMMAND_SPECS,
  type CommandName,
  isCommandName,
  ISO_MAX_LENGTH,
  type SomeCommandSpec,
  specFor,
  wordOf,
} from '../../src/commands/index.js';

export const COMMAND_NAME = 'livestream';

/** Discord rejects the whole registration if one of these is exceeded. */
export const COMMAND_LIMITS = { description: 100, choices: 25, stringValue: 6000 } as const;

/** Every core command is a subcommand, in the spec's order (the order Discord lists them). */
export const DISCORD_SUBCOMMANDS: readonly CommandName[] = COMMAND_SPECS.map((spec) => spec.name);
export type DiscordSubcommand = CommandName;

export function isDiscordSubcommand(value: string): value is DiscordSubcommand {
  return isCommandName(value);
}

function describe(text: string): string {
  return text.length <= COMMAND_LIMITS.description
    ? text
    : `${text.slice(0, COMMAND_LIMITS.description - 1)}…`;
}

function choicesOf(choices: readonly Choice[]): APIApplicationCommandOptionChoice<string>[] {
  return choices.map((choice) => ({ name: choice.label ?? wordOf(choice), value: wordOf(choice) }));
}

/**
 * One argument as a Discord option, named as the spec names it. Discord checks what it can (types,
 * choices, ranges, lengths) before the bot sees it; options.ts checks the rest with the spec's rules.
 */
export function discordOption(name: string, arg: ArgSpec): APIApplicationCommandBasicOption {
  const base = { name, description: describe(arg.description), ...(arg.required ? { required: true } : {}) };
  switch (arg.kind) {
    case 'id':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(arg.rule.minLength !== undefined ? { min_length: arg.rule.minLength } : {}),
        max_length: arg.rule.maxLength,
      };
    case 'text':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: arg.maxLength };
    case 'integer':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        min_value: arg.range.min,
        ...(arg.range.max !== undefined ? { max_value: arg.range.max } : {}),
      };
    case 'date':
      return { ...base, type: ApplicationCommandOptionType.String, max_length: ISO_MAX_LENGTH };
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'choice':
      return { ...base, type: ApplicationCommandOptionType.String, choices: choicesOf(arg.choices) };
    case 'set':
      // One pick: every value (`all`) or one of them.
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        choices: [{ name: arg.all.label, value: arg.all.word }, ...choicesOf(arg.choices)],
      };
    case 'mention':
      return { ...base, type: ApplicationCommandOptionType.Role };
    case 'command':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        choices: arg.names().map((command) => ({ name: command, value: command })),
      };
  }
}

/** A command's options, one per argument; help lists them with these descriptions. */
export function discordOptions(args: Args): APIApplicationCommandBasicOption[] {
  const options = Object.entries(args).map(([option, arg]) => discordOption(option, arg));
  // Discord refuses a required option after an optional one.
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)];
}

export function subcommandOptions(name: DiscordSubcommand): APIApplicationCommandBasicOption[] {
  return discordOptions(specFor(name).args);
}

function subcommands(): APIApplicationCommandSubcommandOption[] {
  return DISCORD_SUBCOMMANDS.map((name) => ({
    type: ApplicationCommandOptionType.Subcommand,
    name,
    description: describe(specFor(name).summary),
    options: subcommandOptions(name),
  }));
}

/**
 * The body registered with Discord. Guild contexts only: managing livestreams is team work in a
 * server, and the manager check needs a member's permissions and roles, which DMs do not have.
 * `default_member_permissions` is left unset so everyone can use it; server admins can narrow that
 * under Server Settings > Integrations without a redeploy.
 */
export function livestreamCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: COMMAND_NAME,
    description: 'Run Cloudflare RealtimeKit livestreams',
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    options: subcommands(),
  };
}

export type CommandScope = 'guild' | 'global';

/**
 * Every command this bot registers; registration overwrites the whole set with exactly these.
 * Guild commands exist in one server only, so Discord's guild routes take no contexts or install types.
 */
export function applicationCommands(
  scope: CommandScope,
): (RESTPostAPIChatInputApplicationCommandsJSONBody | RESTPostAPIApplicationGuildCommandsJSONBody)[] {
  const command = livestreamCommand();
  if (scope === 'global') return [command];
  const { contexts: _contexts, integration_types: _integrationTypes, ...guildCommand } = command;
  return [guildCommand];
}

/**
 * Usage in Discord's own syntax, for the core's usage reply: `list [status:…] [page:…]`,
 * `status livestream_id:…`. Required options are bare, optional ones bracketed.
 */
export function discordUsage(name: DiscordSubcommand): string {
  return discordUsageOf(specFor(name));
}

export function discordUsageOf(spec: SomeCommandSpec): string {
  const parts: string[] = [spec.name];
  for (const option of discordOptions(spec.args)) {
    const choices = 'choices' in option && option.choices ? option.choices.map((c) => String(c.value)) : null;
    const value =
      option.type === ApplicationCommandOptionType.Boolean ? 'True' : choices ? choices.join('|') : '…';
    const hint = `${option.name}:${value}`;
    parts.push(option.required ? hint : `[${hint}]`);
  }
  return parts.join(' ');
}

/** One argument value as typed in Discord: `status:LIVE`, `exclude_meetings:True`. */
function discordValue(arg: ArgSpec, value: unknown): string {
  const word = (one: unknown): string => {
    const choice = 'choices' in arg ? arg.choices.find((c) => c.value === one) : undefined;
    return choice ? wordOf(choice) : String(one);
  };
  switch (arg.kind) {
    case 'boolean':
      return 'True';
    case 'mention':
      // Discord takes a role from its picker; the text form (`@here`) has no Discord spelling.
      return '@role';
    case 'set': {
      // Discord offers one value or all of them (see discordOption).
      const values = Array.isArray(value) ? value : [value];
      return values.length === 1 ? word(values[0]) : arg.all.word;
    }
    case 'id':
      // Discord offers one of a variadic id: the first stands for them.
      return word(Array.isArray(value) ? value[0] : value);
    default:
      return word(value);
  }
}

/**
 * A command as typed in Discord (`/livestream list status:LIVE page:2`): its spec writes its values out
 * as options. The next-page hint; help's examples use the same options.
 */
export function discordCommandText(command: Command): string {
  const spec: SomeCommandSpec = specFor(command.name);
  return [`/${COMMAND_NAME} ${command.name}`, ...discordArgsText(spec.args, spec.valuesOf(command))].join(
    ' ',
  );
}

/** Argument values as Discord options (`status:LIVE`), in the order of the arguments. */
export function discordArgsText(args: Args, values: ArgValueMap): string[] {
  const parts: string[] = [];
  for (const [option, arg] of Object.entries(args)) {
    const value = values[option];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    parts.push(`${option}:${discordValue(arg, value)}`);
  }
  return parts;
}

/**
 * `/livestream help` in Discord's own syntax. The core's help speaks the text grammar
 * (`--per-page 5`), which Discord users cannot type; this one reads the same spec and the options
 * derived from it, so it always matches the command picker.
 */
import { findSpec, readTextArgs, type SomeCommandSpec, specFor, tokenize } from '../../src/commands/index.js';
import { type Reply, reply } from '../../src/reply.js';
import {
  COMMAND_NAME,
  DISCORD_SUBCOMMANDS,
  type DiscordSubcommand,
  discordArgsText,
  discordOptions,
  discordUsageOf,
} from './commands.js';

/**
 * A spec example (`list errored --per-page 5`) as typed in Discord: the argument values the spec's
 * grammar reads from it, written as options. Examples are static data; a test reads every one.
 */
export function discordExample(example: string): string {
  const [name = ''] = tokenize(example);
  const spec = findSpec(name.toLowerCase());
  if (!spec) throw new Error(`a spec example names no command: ${example}`);
  return discordExampleOf(spec, example);
}

function discordExampleOf(spec: SomeCommandSpec, example: string): string {
  const [, ...words] = tokenize(example);
  const read = readTextArgs(spec.args, words);
  const bound = spec.bind(read.values, read.errors);
  if (!bound.ok) throw new Error(`a spec example is not a valid command: ${example}`);
  return [`/${COMMAND_NAME} ${spec.name}`, ...discordArgsText(spec.args, read.values)].join(' ');
}

/** One command's help in Discord's syntax: summary, usage, options, examples. */
export function discordCommandHelpReply(spec: SomeCommandSpec): Reply {
  const options = discordOptions(spec.args);
  return reply({
    title: `/${COMMAND_NAME} ${spec.name}`,
    text: spec.summary,
    fields: [
      { label: 'Usage', value: `/${COMMAND_NAME} ${discordUsageOf(spec)}`, format: 'code' },
      ...(options.length > 0
        ? [{ label: 'Options', value: options.map((o) => `${o.name}: ${o.description}`).join('\n') }]
        : []),
      {
        label: 'Examples',
        value: spec.examples.map((e) => discordExampleOf(spec, e)).join('\n'),
        format: 'code',
      },
    ],
  });
}

export function discordHelpReply(topic?: DiscordSubcommand): Reply {
  if (topic) return discordCommandHelpReply(specFor(topic));
  return reply({
    title: 'Livestream commands',
    text: 'Run Cloudflare RealtimeKit livestreams from Discord.',
    fields: DISCORD_SUBCOMMANDS.map((name) => ({
      label: `/${COMMAND_NAME} ${name}`,
      value: specFor(name).summary,
    })),
    footer: `Type /${COMMAND_NAME} help command:<name> for options and examples.`,
  });
}

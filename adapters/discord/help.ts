/**
 * `/livestream help` in Discord's own syntax. The core's help speaks the text grammar
 * (`--per-page 5`), which Discord users cannot type; this one reads the same spec and the options
 * derived from it, so it always matches the command picker.
 */
import { type SomeCommandSpec, specFor } from '../../src/commands/index.js';
import { type Reply, reply } from '../../src/reply.js';
import {
  COMMAND_NAME,
  DISCORD_SUBCOMMANDS,
  type DiscordSubcommand,
  discordArgsText,
  discordOptions,
  discordUsageOf,
} from './commands.js';

/** A command's examples (argument values in the spec) as typed in Discord: `/livestream list status:ERRORED per_page:5`. */
export function discordExamples(spec: SomeCommandSpec): string[] {
  return spec.examples.map((values) =>
    [`/${COMMAND_NAME} ${spec.name}`, ...discordArgsText(spec.args, values)].join(' '),
  );
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
        value: discordExamples(spec).join('\n'),
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

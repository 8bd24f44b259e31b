/**
 * `/livestream help` in Discord's own syntax. The core's help speaks the text grammar
 * (`--per-page 5`), which Discord users cannot type; this one is built from the same COMMAND_SPECS
 * and the registered options, so it always matches the command picker.
 */
import { parseCommandText } from '../../src/commands/parse.js';
import { specFor } from '../../src/commands/spec.js';
import { type Reply, reply } from '../../src/reply.js';
import {
  COMMAND_NAME,
  DISCORD_SUBCOMMANDS,
  type DiscordSubcommand,
  discordUsage,
  SUBCOMMAND_OPTIONS,
} from './commands.js';
import { discordCommandText, isDiscordCommand } from './options.js';

/** A spec example (`list errored --per-page 5`) as typed in Discord; examples are static data. */
export function discordExample(example: string): string {
  const parsed = parseCommandText(example);
  if (!parsed.ok || !isDiscordCommand(parsed.command)) {
    throw new Error(`COMMAND_SPECS example is not a Discord subcommand: ${example}`);
  }
  return discordCommandText(parsed.command);
}

export function discordHelpReply(topic?: DiscordSubcommand): Reply {
  if (topic) {
    const spec = specFor(topic);
    const options = SUBCOMMAND_OPTIONS[topic];
    return reply({
      title: `/${COMMAND_NAME} ${spec.name}`,
      text: spec.summary,
      fields: [
        { label: 'Usage', value: `/${COMMAND_NAME} ${discordUsage(topic)}`, format: 'code' },
        ...(options.length > 0
          ? [{ label: 'Options', value: options.map((o) => `${o.name}: ${o.description}`).join('\n') }]
          : []),
        { label: 'Examples', value: spec.examples.map(discordExample).join('\n'), format: 'code' },
      ],
    });
  }
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

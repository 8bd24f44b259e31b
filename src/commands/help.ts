/**
 * `help` in the text grammar, from the spec: every command with its usage, or one command's usage,
 * arguments and examples. Discord's help (adapters/discord/help.ts) reads the same spec in its syntax.
 */
import { type Reply, reply } from '../reply.js';
import { COMMAND_SPECS, type CommandName, type SomeCommandSpec, specFor } from './spec.js';
import { formatTextArgs, textForm } from './text-grammar.js';

/** A command's examples (argument values in the spec) as typed after `/livestream`: `list errored --per-page 5`. */
export function textExamples(spec: SomeCommandSpec): string[] {
  return spec.examples.map((values) => [spec.name, ...formatTextArgs(spec.args, values)].join(' '));
}

/** One command's help: summary, usage, each argument with its description, examples. */
export function commandHelpReply(spec: SomeCommandSpec): Reply {
  const args = Object.entries(spec.args);
  return reply({
    title: `/livestream ${spec.name}`,
    text: [spec.summary, spec.details].filter(Boolean).join(' '),
    fields: [
      { label: 'Usage', value: `/livestream ${spec.usage}`, format: 'code' },
      ...(args.length > 0
        ? [
            {
              label: 'Arguments',
              value: args.map(([name, arg]) => `${textForm(name, arg)}: ${arg.description}`).join('\n'),
              // One argument a line, as written: renderers keep a code value's lines.
              format: 'code' as const,
            },
          ]
        : []),
      {
        label: 'Examples',
        value: textExamples(spec)
          .map((example) => `/livestream ${example}`)
          .join('\n'),
        format: 'code',
      },
    ],
  });
}

export function helpReply(topic?: CommandName): Reply {
  if (topic) return commandHelpReply(specFor(topic));
  return reply({
    title: 'Livestream commands',
    text: 'Run Cloudflare RealtimeKit livestreams from chat.',
    fields: COMMAND_SPECS.map((spec) => ({ label: `/livestream ${spec.usage}`, value: spec.summary })),
    footer: 'Type /livestream help <command> for details and examples.',
  });
}

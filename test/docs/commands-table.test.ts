/**
 * The command tables in the docs say what the spec says: README's table has each command's text usage
 * exactly as the spec renders it (help shows the same line), and docs/discord.md's has each command's
 * Discord options, in the order Discord lists them and bracketed when optional, as the usage reply
 * writes them (the value after each `name:` is the doc's own hint). A command added, renamed or given
 * an argument fails here until the tables follow.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discordUsageOf } from '../../adapters/discord/commands.js';
import { COMMAND_SPECS, type SomeCommandSpec } from '../../src/commands/spec.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string): string => readFileSync(`${ROOT}/${file}`, 'utf8');

/** The code span that opens each table row (`| \`list [live\|idle]\` | …`), its `\|` read as `|`. */
function firstCellCode(markdown: string): string[] {
  return markdown
    .split('\n')
    .flatMap((line) => /^\|\s*`((?:[^`\\]|\\.)+)`\s*\|/.exec(line)?.[1] ?? [])
    .map((code) => code.replaceAll('\\|', '|'));
}

/** The row of each command: the code span whose first word is its name (README: `list …`). */
function rowsByCommand(cells: readonly string[], prefix: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const cell of cells) {
    if (!cell.startsWith(prefix)) continue;
    const name = cell.slice(prefix.length).split(' ')[0] ?? '';
    rows.set(name, [...(rows.get(name) ?? []), cell]);
  }
  return rows;
}

const specs: readonly SomeCommandSpec[] = COMMAND_SPECS;
const names = specs.map((spec) => spec.name);

describe('README.md’s command table', () => {
  const rows = rowsByCommand(
    firstCellCode(read('README.md')).filter((cell) => names.includes(cell.split(' ')[0] ?? '')),
    '',
  );

  it.each(names)('%s: its usage, as the spec renders it', (name) => {
    const spec = specs.find((one) => one.name === name)!;
    expect(rows.get(name)).toEqual([spec.usage]);
  });
});

describe('docs/discord.md’s command table', () => {
  const prefix = '/livestream ';
  const rows = rowsByCommand(firstCellCode(read('docs/discord.md')), prefix);
  /** `status:LIVE|IDLE` and `mention:@role` alike: each option's value is the doc's hint. */
  const shape = (usage: string) => usage.replace(/:[^\s\]]+/g, ':…');

  it('lists no command the spec does not have', () => {
    expect([...rows.keys()].filter((name) => !names.includes(name))).toEqual([]);
  });

  it.each(names)('%s: its options as the Discord usage names them', (name) => {
    const spec = specs.find((one) => one.name === name)!;
    expect(rows.get(name)?.map(shape)).toEqual([shape(`${prefix}${discordUsageOf(spec)}`)]);
  });
});

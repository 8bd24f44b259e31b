/** `help` in the terminal: each argument and example on its own line, indented the same way throughout. */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { helpReply } from '../../src/commands/help.js';

const layout = { colour: false, now: Date.parse('2026-11-01T10:00:00Z'), timeZone: 'UTC' } as const;

/** The lines of a field: its label's line and the lines under it, up to the next line as shallow. */
function block(lines: string[], start: string): string[] {
  const first = lines.findIndex((line) => line.startsWith(start));
  expect(first).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(first + 1);
  const end = rest.findIndex((line) => !line.startsWith('   '));
  return [lines[first]!, ...(end === -1 ? rest : rest.slice(0, end))];
}

describe('help <command> in the terminal', () => {
  const lines = renderForTerminal(helpReply('list'), { ...layout, width: 80 }).split('\n');

  it('puts each argument on its own line, under its label', () => {
    const args = block(lines, '  Arguments:');
    expect(args[0]).toBe('  Arguments:');
    expect(args).toContain('    live|idle|errored|invoked: Only livestreams with this status');
    expect(args).toContain('    --page N: Page number, from 1');
    expect(args).toContain('    --per-page N: Livestreams per page, 1 to 100');
    expect(args).toContain('    --exclude-meetings: Leave out livestreams of meetings');
    // An argument whose description wraps continues deeper than the arguments themselves.
    const since = args.findIndex((line) => line.startsWith('    --since ISO: '));
    expect(args[since + 1]).toMatch(/^ {6}\S/);
  });

  it('puts each example on its own line, under its label, never at the left edge', () => {
    const examples = helpReply('list')
      .fields.find((field) => field.label === 'Examples')!
      .value.split('\n');
    expect(examples.length).toBeGreaterThan(2);
    expect(block(lines, '  Examples:')).toEqual([
      '  Examples:',
      ...examples.map((example) => `    ${example}`),
    ]);
  });

  it('a field of one line stays on its label’s line', () => {
    expect(lines.find((line) => line.startsWith('  Usage: /livestream list '))).toBeDefined();
  });
});

describe('help in the terminal', () => {
  it('every command’s further lines sit at the same depth, whatever the length of its usage', () => {
    for (const width of [80, 100]) {
      const lines = renderForTerminal(helpReply(), { ...layout, width }).split('\n');
      const commands = lines.filter((line) => line.startsWith('  /livestream '));
      expect(commands.length).toBeGreaterThan(10);
      const continued = lines.filter((line, i) => i > 0 && /^ +\S/.test(line) && !line.startsWith('  /'));
      expect(continued.length).toBeGreaterThan(0);
      for (const line of continued) expect(line).toMatch(/^ {4}\S/);
    }
  });
});

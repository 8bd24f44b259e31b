/**
 * The shape of the code, checked: no import cycle anywhere in src/ and adapters/ (type-only imports
 * included, as madge counts them), and adapters reach the core only through its public entry points.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** What an adapter may import from src/: the core's public entry points. */
const CORE_ENTRY_POINTS = [
  'src/core.ts', // createCore, Core: what adapters hand commands to
  'src/context.ts', // RequestContext
  'src/commands/index.ts', // the command spec, parsing and usage replies
  'src/reply.ts', // the neutral reply model each adapter renders
  'src/plain-text.ts', // text cleaning shared by the renderers
  'src/sink.ts', // the outward contract: post and edit
  'src/config.ts', // each adapter's settings
  'src/log.ts',
  'src/clock.ts',
  'src/http/server.ts', // the one HTTP server Slack HTTP mode and webhooks share
  'src/inputs.ts', // repeated deliveries and double clicks, in memory or across replicas
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports (static, dynamic and type-only) of one file, as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]/g),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]!);
  return specifiers.map((specifier) =>
    relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts'),
  );
}

const files = [...sourceFiles('src'), ...sourceFiles('adapters')];
const graph = new Map(
  files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]),
);

function findCycle(): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): string[] | null => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of files) {
    if (state.has(file)) continue;
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}

describe('architecture', () => {
  it('reads the import graph (a sanity check of the parser)', () => {
    expect(graph.get('src/core.ts')).toContain('src/context.ts');
    expect(graph.get('src/app.ts')!.length).toBeGreaterThan(5);
  });

  it('has no import cycle', () => {
    expect(findCycle()).toBeNull();
  });

  it('adapters import the core only through its public entry points', () => {
    const reaches = files
      .filter((file) => file.startsWith('adapters/'))
      .flatMap((file) => importsOf(file).map((target) => ({ file, target })))
      .filter(({ target }) => target.startsWith('src/') && !CORE_ENTRY_POINTS.includes(target))
      .map(({ file, target }) => `${file} -> ${target}`);
    expect(reaches).toEqual([]);
  });
});

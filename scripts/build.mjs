/**
 * Bundles TypeScript entry points into plain ESM for Node 20, so `npm start` runs without a TypeScript
 * loader beside the bot (the loader's extra thread costs about 25 MB of RSS). Packages stay external,
 * and each dynamic import becomes its own chunk, so Bolt and discord.js still load only when configured.
 *
 *   node scripts/build.mjs [--outdir DIR] [ENTRY ...]   (default: dist, src/main.ts)
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values, positionals } = parseArgs({
  options: { outdir: { type: 'string', default: 'dist' } },
  allowPositionals: true,
});
const outdir = resolve(values.outdir);
const { metafile } = await build({
  entryPoints: positionals.length > 0 ? positionals : ['src/main.ts'],
  outdir,
  outbase: '.',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

// Chunk names carry a content hash: remove the chunks of earlier builds, and only after this one is
// written, so a bot starting from the same folder never finds its files missing mid-start.
const written = new Set(Object.keys(metafile.outputs).map((file) => resolve(file)));
for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath ?? entry.path, entry.name);
  if (entry.isFile() && !written.has(file)) rmSync(file);
}

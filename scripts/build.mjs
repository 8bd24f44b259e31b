/**
 * Bundles TypeScript entry points into plain ESM for Node 20, so `npm start` runs without a TypeScript
 * loader beside the bot (the loader's extra thread costs about 25 MB of RSS). Packages stay external,
 * and each dynamic import becomes its own chunk, so Bolt and discord.js still load only when configured.
 *
 *   node scripts/build.mjs [--outdir DIR] [ENTRY ...]   (default: dist, src/main.ts)
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values, positionals } = parseArgs({
  options: { outdir: { type: 'string', default: 'dist' } },
  allowPositionals: true,
});
const outdir = values.outdir;
// Chunk names carry a content hash; a clean directory keeps stale chunks from piling up.
rmSync(outdir, { recursive: true, force: true });
await build({
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
  logLevel: 'warning',
});

/**
 * `npm run settings:docs`: writes `.env.example` and docs/configuration.md from the settings schema
 * (src/settings.ts). With `--check`, writes nothing and exits 1 when a file differs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_SETTINGS_FILES, SETTINGS_DOCS_COMMAND } from '../src/settings-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const checkOnly = process.argv.includes('--check');

function current(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

let stale = 0;
for (const file of GENERATED_SETTINGS_FILES) {
  const path = join(root, file.path);
  const text = file.render();
  if (current(path) === text) {
    process.stdout.write(`${file.path} is up to date\n`);
  } else if (checkOnly) {
    process.stdout.write(`${file.path} differs from src/settings.ts: run ${SETTINGS_DOCS_COMMAND}\n`);
    stale += 1;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}
if (stale > 0) process.exitCode = 1;

/**
 * Vitest global setup: bundles the bot once with the same script as `npm start`, so the tests that run
 * the bot as a process run what users run. Its own directory, so a developer's `npm start` is untouched.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
export const BUNDLE_DIR = join(ROOT, 'dist-test');
/** The bundled `src/main.ts`. */
export const BOT_ENTRY = join(BUNDLE_DIR, 'src', 'main.js');

export function setup(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', BUNDLE_DIR, 'src/main.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

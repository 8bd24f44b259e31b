/**
 * `npm run emulator`: a RealtimeKit emulator with demo livestreams whose statuses change every few
 * seconds. Prints the five settings a `.env` needs on stdout, after one comment line saying whether they
 * last (and nothing else, so `> .env` works), and a note for people on stderr.
 *
 * EMULATOR_PORT picks the port; unset, empty or 0 means any free port. EMULATOR_TOKEN fixes the API
 * token, and the account and app ids are derived from it: with both set, every start prints the same
 * lines, so a `.env` written once keeps working. Unset, the token and ids are new on every start.
 * Both are declared, checked and documented in the settings schema (src/settings.ts, group emulator);
 * they are read from the environment only, never from `.env` (that file is for the bot).
 */
import { createHash } from 'node:crypto';
import { readSettings } from '../settings.js';
import { DEMO_HISTORY_DAYS } from './analytics.js';
import { createEmulator, type EmulatorOptions } from './emulator.js';

const DEMO_LIVESTREAMS = 8;
const STEP_INTERVAL_MS = 4000;

/** 32 hex characters from the token: the same ids for the same token, start after start. */
function idFrom(token: string, purpose: string): string {
  return createHash('sha256').update(`${purpose}:${token}`).digest('hex').slice(0, 32);
}

function fixedIdentity(token: string | null): Pick<EmulatorOptions, 'token' | 'accountId' | 'appId'> {
  if (token === null) return {};
  return { token, accountId: idFrom(token, 'account'), appId: idFrom(token, 'app') };
}

function lastingNote(portFixed: boolean, tokenFixed: boolean): string {
  if (portFixed && tokenFixed)
    return '# These lines stay the same on every start with this EMULATOR_PORT and EMULATOR_TOKEN.';
  const unset = portFixed ? ' (EMULATOR_TOKEN is not)' : tokenFixed ? ' (EMULATOR_PORT is not)' : '';
  return `# These lines change on every start unless EMULATOR_PORT and EMULATOR_TOKEN are set${unset}.`;
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const port = settings.get('EMULATOR_PORT');
  const token = settings.get('EMULATOR_TOKEN');
  if (settings.problems.length > 0) {
    process.stderr.write(`${settings.problems.join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  const emulator = createEmulator({
    livestreams: DEMO_LIVESTREAMS,
    historyDays: DEMO_HISTORY_DAYS,
    ...fixedIdentity(token),
  });
  await emulator.start(port, '127.0.0.1');
  emulator.startSimulation(STEP_INTERVAL_MS);
  const lines = Object.entries(emulator.settings()).map(([key, value]) => `${key}=${value}`);
  process.stdout.write(`${lastingNote(port !== 0, token !== null)}\n${lines.join('\n')}\n`);
  process.stderr.write(
    `RealtimeKit emulator on ${emulator.url} with ${DEMO_LIVESTREAMS} demo livestreams, ` +
      `statuses changing every ${STEP_INTERVAL_MS / 1000} s. Put the lines above in .env; Ctrl+C stops it.\n`,
  );
  const shutdown = (): void => {
    emulator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `The emulator could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});

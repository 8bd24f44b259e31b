/**
 * `npm run emulator`: a RealtimeKit emulator with demo livestreams whose statuses change every few
 * seconds. Prints the four settings a `.env` needs on stdout (and only those, so `> .env` works), and a
 * note for people on stderr. EMULATOR_PORT picks the port; unset, empty or 0 means any free port.
 */
import { createEmulator } from './emulator.js';

const DEMO_LIVESTREAMS = 8;
const STEP_INTERVAL_MS = 4000;

function portFromEnv(raw: string | undefined): number | null {
  const value = raw?.trim() ?? '';
  if (value === '') return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) return null;
  return Number(value);
}

async function main(): Promise<void> {
  const port = portFromEnv(process.env.EMULATOR_PORT);
  if (port === null) {
    process.stderr.write(
      `EMULATOR_PORT must be a port number from 0 to 65535 (got "${process.env.EMULATOR_PORT}")\n`,
    );
    process.exitCode = 2;
    return;
  }
  const emulator = createEmulator({ livestreams: DEMO_LIVESTREAMS });
  await emulator.start(port, '127.0.0.1');
  emulator.startSimulation(STEP_INTERVAL_MS);
  const lines = Object.entries(emulator.settings()).map(([key, value]) => `${key}=${value}`);
  process.stdout.write(`${lines.join('\n')}\n`);
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

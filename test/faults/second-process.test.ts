/**
 * Two bots on one DATA_DIR (an overlapping deploy, a second terminal) would both post every
 * notification. The real bot, run twice as processes on the same DATA_DIR: the second refuses to start
 * with one sentence naming DATA_DIR and the first one's PID, and posts nothing; the lock dies with a
 * SIGKILLed first bot, so the next one starts without anyone cleaning up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { type BotProcess, botEnv, nextRequests, startBot, stopAll } from './bot-process.js';

let emulator: Emulator | null = null;
let dataDir = '';
afterEach(async () => {
  await stopAll();
  await emulator?.stop();
  emulator = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** How a bot's start ended: it exited, or it got as far as running notifications. */
function startOutcome(bot: BotProcess): Promise<{ exited: { code: number | null } } | { running: true }> {
  return Promise.race([
    bot.exited.then((exited) => ({ exited })),
    bot.waitForLog('notifications running', 1, 15_000).then(() => ({ running: true as const })),
  ]);
}

it('a second bot on the same DATA_DIR refuses to start, naming DATA_DIR and the PID; after a SIGKILL the next one runs', async () => {
  emulator = createEmulator({ seed: 31 });
  await emulator.start();
  dataDir = mkdtempSync(join(tmpdir(), 'faults-second-'));
  const env = botEnv(emulator, dataDir);
  const alpha = emulator.addLivestream({ name: 'Alpha', status: 'IDLE' });
  const bravo = emulator.addLivestream({ name: 'Bravo', status: 'IDLE' });

  const first = startBot(env);
  await first.waitForLog('baseline recorded');

  const second = startBot(env);
  expect(await startOutcome(second)).toEqual({ exited: { code: 1, signal: null } });
  expect(second.stderr()).toBe(
    `DATA_DIR ${dataDir} is in use by another livestream-chatops process (PID ${first.pid}): ` +
      'stop that one first, or give this one a DATA_DIR of its own.\n',
  );
  expect(second.stdout()).toBe(''); // not even the banner: it stopped before anything ran

  // The first one carries on alone: told once.
  emulator.setStatus(alpha.id, 'LIVE');
  await first.waitForStdout('[notification] Alpha is live');
  // The post is recorded in the same turn it is printed; two more polls and it is certainly on disk
  // (a kill in between would be the documented crash window, a repeat this test is not about).
  await nextRequests(emulator, 2, (r) => r.path === 'livestreams');

  first.kill('SIGKILL');
  expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });

  const third = startBot(env);
  expect(await startOutcome(third)).toEqual({ running: true });
  emulator.setStatus(bravo.id, 'LIVE');
  await third.waitForStdout('[notification] Bravo is live');
  third.end();
  expect(await third.exited).toMatchObject({ code: 0 });
  expect(first.stdout().split('[notification] Alpha is live')).toHaveLength(2);
  expect(third.stdout()).not.toContain('Alpha is live');
  expect(third.stdout().split('[notification] Bravo is live')).toHaveLength(2);
});

it('a bot that stopped cleanly leaves DATA_DIR free at once', async () => {
  emulator = createEmulator({ seed: 32 });
  await emulator.start();
  dataDir = mkdtempSync(join(tmpdir(), 'faults-second-'));
  const env = botEnv(emulator, dataDir);
  const first = startBot(env);
  await first.waitForLog('notifications running');
  first.end();
  expect(await first.exited).toMatchObject({ code: 0 });
  const next = startBot(env);
  expect(await startOutcome(next)).toEqual({ running: true });
});

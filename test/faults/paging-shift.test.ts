/**
 * The real bot process against the emulator: a LIVE livestream is deleted between page 1 and page 2 of
 * the LIVE list, so offset paging shifts another LIVE stream out of sight for that one read. The channel
 * (the terminal chat here) must hear that the deleted one ended, and nothing of the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { botEnv, nextRequests, startBot, stopAll } from './bot-process.js';

let emulator: Emulator;
let dataDir: string;
afterEach(async () => {
  await stopAll();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function liveIds(pageNo: number): Promise<string[]> {
  const response = await fetch(`${emulator.appUrl}livestreams?status=LIVE&page_no=${pageNo}&per_page=100`, {
    headers: { authorization: `Bearer ${emulator.settings().CLOUDFLARE_API_TOKEN}` },
  });
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((item) => item.id);
}

const isLivePage = (pageNo: string) => (r: Emulator['requests'][number]) =>
  r.path === 'livestreams' && r.query.status === 'LIVE' && r.query.page_no === pageNo;

it('a deletion between two pages of the LIVE list ends the deleted stream only, once', async () => {
  emulator = createEmulator({ seed: 5 });
  await emulator.start();
  dataDir = mkdtempSync(join(tmpdir(), 'paging-shift-'));
  emulator.seed(150, { status: 'LIVE' });
  const deleted = emulator.getLivestream((await liveIds(1))[0]!)!;
  const shifted = emulator.getLivestream((await liveIds(2))[0]!)!;

  const bot = startBot(botEnv(emulator, dataDir));
  await bot.waitForLog('baseline recorded');
  let torn = false;
  const off = emulator.onRequest((request) => {
    if (torn || !isLivePage('2')(request)) return;
    torn = true;
    emulator.removeLivestream(deleted.id);
  });
  await nextRequests(emulator, 1, isLivePage('2'));
  off();
  await bot.waitForStdout(`[notification] ${deleted.name} ended`);
  // The cycles after it: before the fix, the shifted stream was said to have ended, then to be LIVE again.
  await nextRequests(emulator, 3, isLivePage('1'));
  bot.end();
  expect(await bot.exited).toMatchObject({ code: 0 });
  expect(torn).toBe(true);
  expect(bot.stdout().split(`[notification] ${deleted.name} ended`)).toHaveLength(2);
  expect(bot.stdout()).not.toContain(shifted.name!);
});

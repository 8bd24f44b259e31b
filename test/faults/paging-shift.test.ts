/**
 * The real bot process against the emulator: a livestream is deleted between page 1 and page 2 of a
 * full sweep, so offset paging shifts a LIVE stream out of sight for that one read. The channel (the
 * terminal chat here) must see its LIVE notification once, and no "ended".
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
  stopAll();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function pageIds(pageNo: number): Promise<string[]> {
  const response = await fetch(`${emulator.appUrl}livestreams?page_no=${pageNo}&per_page=100`, {
    headers: { authorization: `Bearer ${emulator.settings().CLOUDFLARE_API_TOKEN}` },
  });
  const body = (await response.json()) as { data: { id: string }[] };
  return body.data.map((item) => item.id);
}

it(
  'a deletion between two pages of a full sweep neither ends a LIVE stream nor announces it twice',
  { timeout: 60_000 },
  async () => {
    emulator = createEmulator({ seed: 5 });
    await emulator.start();
    dataDir = mkdtempSync(join(tmpdir(), 'paging-shift-'));
    emulator.seed(150, { status: 'IDLE' });
    const victim = emulator.getLivestream((await pageIds(2))[0]!)!;
    const onPage1 = (await pageIds(1))[0]!;

    const bot = startBot(botEnv(emulator, dataDir));
    await bot.waitForLog('baseline recorded');
    emulator.setStatus(victim.id, 'LIVE');
    await bot.waitForStdout(`[notification] ${victim.name} is live`);

    // The next full sweep (no status filter) is torn: page 1 is read, then a stream on it is deleted.
    const isFullPage2 = (r: Emulator['requests'][number]) =>
      r.path === 'livestreams' && r.query.page_no === '2' && r.query.status === undefined;
    let torn = false;
    const off = emulator.onRequest((request) => {
      if (torn || !isFullPage2(request)) return;
      torn = true;
      emulator.removeLivestream(onPage1);
    });
    await nextRequests(emulator, 1, isFullPage2, 30_000);
    off();
    // The light cycles after it: today's code announced the stream LIVE again in the first of them.
    await nextRequests(emulator, 3, (r) => r.path === 'livestreams' && r.query.status === 'LIVE');
    bot.end();
    expect(await bot.exited).toMatchObject({ code: 0 });
    expect(torn).toBe(true);
    expect(bot.stdout().split(`[notification] ${victim.name} is live`)).toHaveLength(2);
    expect(bot.stdout()).not.toMatch(new RegExp(`${victim.name} ended`));
  },
);

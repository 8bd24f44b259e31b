/**
 * What the real bot process says and does at start, as an operator sees it: a chat platform refuses to
 * run on made-up demo livestreams unless DEMO=1; a Cloudflare token that is refused (or lacks the
 * Realtime permission) stops the start in one sentence, an unreachable API only warns; a hanging Discord
 * says "connecting to Discord…" and the first SIGINT/SIGTERM stops the bot at once; a failed demo start
 * leaves no temporary folder behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { type BotProcess, botEnv, startBot, stopAll } from './bot-process.js';

const APP_ID = '1100000000000000001';
const DISCORD_TOKEN = 'fake-discord-token-startup';

let emulator: Emulator | null = null;
let discord: FakeDiscord | null = null;
const scratch: string[] = [];
afterEach(async () => {
  await stopAll();
  await emulator?.stop();
  emulator = null;
  await discord?.close();
  discord = null;
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

async function startEmulator(seed: number): Promise<Emulator> {
  emulator = createEmulator({ seed });
  await emulator.start();
  return emulator;
}

/** How a bot's start ended: it exited, or it got as far as running notifications. */
function startOutcome(bot: BotProcess): Promise<{ exited: { code: number | null } } | { running: true }> {
  return Promise.race([
    bot.exited.then(({ code }) => ({ exited: { code } })),
    bot.waitForLog('notifications running', 1, 15_000).then(() => ({ running: true as const })),
  ]);
}

/** The one stderr line that is not a JSON log record and not empty. */
function plainLines(bot: BotProcess): string[] {
  return bot
    .stderr()
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('{'));
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const slackEnv = { SLACK_BOT_TOKEN: 'xoxb-demo-refusal', SLACK_SIGNING_SECRET: 'secret', PORT: '0' };

describe('demo data never reaches real people by accident', () => {
  it('Slack configured without Cloudflare settings is refused, naming DEMO=1 and the Cloudflare settings', async () => {
    const bot = startBot({ ...slackEnv, LOG_LEVEL: 'info' });
    expect(await bot.exited).toMatchObject({ code: 1 });
    const text = bot.stderr();
    expect(text).toMatch(/^Configuration problem:\n {2}- Slack is configured but Cloudflare is not/);
    expect(text).toContain('CLOUDFLARE_API_TOKEN');
    expect(text).toContain('DEMO=1');
    expect(text).toContain('docs/configuration.md');
    expect(bot.stdout()).toBe('');
    expect(bot.logs()).toEqual([]); // refused before anything started
  });

  it('Discord likewise', async () => {
    const bot = startBot({ DISCORD_BOT_TOKEN: DISCORD_TOKEN, DISCORD_APPLICATION_ID: APP_ID });
    expect(await bot.exited).toMatchObject({ code: 1 });
    expect(bot.stderr()).toMatch(
      /^Configuration problem:\n {2}- Discord is configured but Cloudflare is not/,
    );
  });

  it('with DEMO=1, a failed demo start (Slack unreachable) removes its temporary DATA_DIR', async () => {
    const tmp = tempDir('startup-tmp-');
    const bot = startBot({
      ...slackEnv,
      DEMO: '1',
      SLACK_API_URL: `http://127.0.0.1:${await closedPort()}/api`,
      TMPDIR: tmp,
    });
    expect(await bot.exited).toMatchObject({ code: 1 });
    expect(plainLines(bot)).toEqual([
      expect.stringMatching(/^Start-up failed: could not reach Slack \(ECONNREFUSED/),
    ]);
    expect(readdirSync(tmp).filter((name) => name.startsWith('livestream-chatops-demo-'))).toEqual([]);
  });
});

describe('the Cloudflare token is checked at start', () => {
  it('a refused token stops the start with one sentence naming CLOUDFLARE_API_TOKEN', async () => {
    const api = await startEmulator(51);
    const env = { ...botEnv(api, tempDir('startup-data-')), CLOUDFLARE_API_TOKEN: 'not-the-right-token' };
    const bot = startBot(env);
    expect(await startOutcome(bot)).toEqual({ exited: { code: 1 } });
    expect(plainLines(bot)).toEqual([
      expect.stringMatching(/^Start-up failed: Cloudflare refused CLOUDFLARE_API_TOKEN \(HTTP 403/),
    ]);
    expect(bot.stderr()).not.toContain('not-the-right-token');
    expect(bot.stdout()).toBe('');
  });

  it('a token without the Realtime permission says which permission it lacks', async () => {
    const api = await startEmulator(52);
    api.injectFault({
      status: 403,
      body: {
        success: false,
        errors: [{ code: 9109, message: 'Unauthorized to access requested resource' }],
      },
    });
    const bot = startBot(botEnv(api, tempDir('startup-data-')));
    expect(await startOutcome(bot)).toEqual({ exited: { code: 1 } });
    const [line] = plainLines(bot);
    // The permission sentence, not the refused-token one (which names the Realtime permission too).
    expect(line).toMatch(
      /^Start-up failed: CLOUDFLARE_API_TOKEN lacks the Realtime permission for this app \(HTTP 403, code 9109: /,
    );
    expect(line).not.toContain('refused');
    expect(line).toContain('Unauthorized to access requested resource');
  });

  it('an API that cannot be reached is a warning, and the bot runs (the poller retries)', async () => {
    const env = {
      ...botEnv(await startEmulator(53), tempDir('startup-data-')),
      CLOUDFLARE_API_BASE_URL: `http://127.0.0.1:${await closedPort()}/client/v4`,
    };
    const bot = startBot(env);
    const [warning] = await bot.waitForLog('could not check CLOUDFLARE_API_TOKEN');
    expect(warning).toMatchObject({ level: 'warn' });
    expect(String(warning!.reason)).toContain('ECONNREFUSED');
    expect(await startOutcome(bot)).toEqual({ running: true });
    bot.end();
    expect(await bot.exited).toMatchObject({ code: 0 });
  });
});

describe('a hanging Discord', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'says "connecting to Discord…", and the first %s stops the bot at once',
    async (signal) => {
      const api = await startEmulator(54);
      discord = await startFakeDiscord({ applicationId: APP_ID });
      // Every REST call hangs: command registration, then the gateway discovery.
      discord.delay('PUT', /.*/, 120_000, 100);
      discord.delay('GET', /.*/, 120_000, 100);
      const bot = startBot({
        ...botEnv(api, tempDir('startup-data-')),
        DISCORD_BOT_TOKEN: DISCORD_TOKEN,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_API_URL: discord.restUrl,
      });
      await bot.waitForLog('connecting to Discord');
      await discord.waitForRequest((r) => r.method === 'PUT');
      const sentAt = Date.now();
      bot.kill(signal);
      const exited = await bot.exited;
      expect(Date.now() - sentAt).toBeLessThan(3_000);
      expect(exited).toMatchObject({ code: 0 });
      expect(plainLines(bot)).toEqual([]);
      await bot.waitForLog('stopped during start-up');
    },
  );
});

describe('Discord invite', () => {
  it('a bot in no server logs the invite URL with the bot and applications.commands scopes', async () => {
    const api = await startEmulator(55);
    discord = await startFakeDiscord({ applicationId: APP_ID }); // READY with no guilds
    const bot = startBot({
      ...botEnv(api, tempDir('startup-data-')),
      DISCORD_BOT_TOKEN: DISCORD_TOKEN,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_API_URL: discord.restUrl,
    });
    const [record] = await bot.waitForLog('in no Discord server');
    expect(record).toMatchObject({
      level: 'warn',
      inviteUrl: `https://discord.com/oauth2/authorize?client_id=${APP_ID}&scope=bot+applications.commands&permissions=19456`,
    });
    bot.kill('SIGTERM');
    expect(await bot.exited).toMatchObject({ code: 0 });
  });
});

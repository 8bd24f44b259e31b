/**
 * Discord start-up through the real discord.js client against the fake Discord: the invite URL (scopes
 * bot + applications.commands, the permissions a notification post needs) where people need it, a
 * refused token told apart from a Discord that cannot be reached, and the connection state /readyz reads.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startDiscordAdapter } from '../../adapters/discord/app.js';
import { discordInviteUrl } from '../../adapters/discord/invite.js';
import { runRegisterCli } from '../../adapters/discord/register-cli.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { reply } from '../../src/reply.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { recordingLogger } from './support.js';

const APP = '1100000000000000001';
const GUILD = '1100000000000000002';
const INVITE = `https://discord.com/oauth2/authorize?client_id=${APP}&scope=bot+applications.commands&permissions=19456`;

const core: Core = {
  replyToText: async () => reply({ title: 'unused' }),
  replyToCommand: async () => reply({ title: 'unused' }),
};

let discord: FakeDiscord | null = null;
afterEach(async () => {
  await discord?.close();
  discord = null;
});

const config = (apiUrl: string, extra: Partial<DiscordConfig> = {}): DiscordConfig => ({
  botToken: 'discord-startup-token',
  applicationId: APP,
  guildId: null,
  apiUrl,
  notifyChannel: null,
  managerRoles: [],
  ...extra,
});

it('the invite URL has the bot and applications.commands scopes and View Channel, Send Messages, Embed Links', () => {
  const url = new URL(discordInviteUrl(APP));
  expect(url.origin + url.pathname).toBe('https://discord.com/oauth2/authorize');
  expect(url.searchParams.get('client_id')).toBe(APP);
  expect(url.searchParams.get('scope')?.split(' ')).toEqual(['bot', 'applications.commands']);
  // 1024 + 2048 + 16384, as docs/discord.md explains.
  expect(url.searchParams.get('permissions')).toBe(String(1024 + 2048 + 16384));
  expect(discordInviteUrl(APP)).toBe(INVITE);
});

it('npm run discord:register prints the invite URL, on success and when the bot is not in the guild', async () => {
  discord = await startFakeDiscord({ applicationId: APP });
  const env = {
    DISCORD_BOT_TOKEN: 'cli-token',
    DISCORD_APPLICATION_ID: APP,
    DISCORD_API_URL: discord.restUrl,
  };
  const lines: string[] = [];
  expect(await runRegisterCli({ env, write: (line) => lines.push(line) })).toBe(0);
  expect(lines.join('\n')).toContain(INVITE);

  discord.answer(
    'PUT',
    `/applications/${APP}/guilds/${GUILD}/commands`,
    { status: 403, body: { message: 'Missing Access', code: 50001 } },
    1,
  );
  const failed: string[] = [];
  const code = await runRegisterCli({
    env: { ...env, DISCORD_GUILD_ID: GUILD },
    write: (line) => failed.push(line),
  });
  expect(code).toBe(1);
  expect(failed.join('\n')).toContain(INVITE);
});

it('a bot in a server does not nag with the invite URL, and reports itself connected until the gateway drops', async () => {
  discord = await startFakeDiscord({ applicationId: APP, guilds: [{ id: GUILD }] });
  const { log, matching } = recordingLogger();
  const adapter = await startDiscordAdapter({
    config: config(discord.restUrl),
    core,
    log,
    rest: { retries: 0 },
  });
  try {
    expect(matching('connecting to Discord')).toHaveLength(1);
    expect(matching('in no Discord server')).toEqual([]);
    expect(adapter.connected()).toBe(true);
    await discord.close();
    discord = null;
    // discord.js reconnects by itself; until it has, the bot is not connected.
    await new Promise<void>((resolve) => adapter.client!.once('shardReconnecting', () => resolve()));
    expect(adapter.connected()).toBe(false);
  } finally {
    await adapter.stop();
  }
});

it('a refused token says DISCORD_BOT_TOKEN was refused; a Discord that cannot be reached says so', async () => {
  discord = await startFakeDiscord({ applicationId: APP });
  discord.answer('GET', '/gateway/bot', { status: 401, body: { message: '401: Unauthorized', code: 0 } });
  const { log } = recordingLogger();
  await expect(
    startDiscordAdapter({
      config: config(discord.restUrl),
      core,
      log,
      registerCommands: false,
      rest: { retries: 0 },
    }),
  ).rejects.toThrow(
    /^Discord refused DISCORD_BOT_TOKEN \(An invalid token was provided\.\): copy a fresh token/,
  );

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await expect(
    startDiscordAdapter({
      config: config(`http://127.0.0.1:${port}/api`),
      core,
      log,
      registerCommands: false,
      rest: { retries: 0 },
    }),
  ).rejects.toThrow(/^could not reach Discord \(.*\): check the network/);
});

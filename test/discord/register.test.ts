import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationCommands } from '../../adapters/discord/commands.js';
import { registerCommands } from '../../adapters/discord/register.js';
import { runRegisterCli } from '../../adapters/discord/register-cli.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';

const APP = '1100000000000000001';
const GUILD = '1100000000000000002';

describe('command registration', () => {
  let discord: FakeDiscord;
  beforeAll(async () => {
    discord = await startFakeDiscord({ applicationId: APP });
  });
  afterAll(async () => {
    await discord.close();
  });

  it('is a bulk overwrite: registering twice sends the same PUT twice', async () => {
    const rest = new REST({ api: discord.restUrl, version: '10', retries: 0 }).setToken('t');
    const first = await registerCommands({ rest, applicationId: APP, guildId: GUILD });
    const second = await registerCommands({ rest, applicationId: APP, guildId: GUILD });
    expect(first).toEqual({ scope: 'guild', guildId: GUILD, commands: ['livestream'] });
    expect(second).toEqual(first);
    const puts = discord.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.route)).toEqual([
      `/applications/${APP}/guilds/${GUILD}/commands`,
      `/applications/${APP}/guilds/${GUILD}/commands`,
    ]);
    expect(puts[0]?.body).toEqual(puts[1]?.body);
    expect(puts[0]?.body).toEqual(applicationCommands('guild'));
  });

  describe('npm run discord:register', () => {
    const run = async (env: Record<string, string>) => {
      const lines: string[] = [];
      const code = await runRegisterCli({ env, write: (line) => lines.push(line) });
      return { code, output: lines.join('\n') };
    };
    const env = (extra: Record<string, string> = {}) => ({
      DISCORD_BOT_TOKEN: 'cli-token',
      DISCORD_APPLICATION_ID: APP,
      DISCORD_API_URL: discord.restUrl,
      ...extra,
    });

    it('exits 2 with a clear message when Discord is not configured', async () => {
      const { code, output } = await run({});
      expect(code).toBe(2);
      expect(output).toContain('Discord is not configured: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID');
    });

    it('exits 2 on a configuration problem', async () => {
      const { code, output } = await run({ DISCORD_BOT_TOKEN: 'x', DISCORD_APPLICATION_ID: 'not-a-number' });
      expect(code).toBe(2);
      expect(output).toContain('DISCORD_APPLICATION_ID must be a numeric id');
    });

    it('registers in the guild when DISCORD_GUILD_ID is set', async () => {
      const { code, output } = await run(env({ DISCORD_GUILD_ID: GUILD }));
      expect(code).toBe(0);
      expect(output).toContain(`Registered /livestream in guild ${GUILD}`);
      const put = await discord.waitForRequest(
        (r) => r.method === 'PUT' && r.headers.authorization === 'Bot cli-token',
      );
      expect(put.route).toBe(`/applications/${APP}/guilds/${GUILD}/commands`);
    });

    it('registers globally otherwise', async () => {
      const { code, output } = await run(env());
      expect(code).toBe(0);
      expect(output).toContain('globally');
      await discord.waitForRequest((r) => r.method === 'PUT' && r.route === `/applications/${APP}/commands`);
    });

    it('exits 1 and says what to fix when Discord refuses', async () => {
      discord.answer(
        'PUT',
        `/applications/${APP}/commands`,
        { status: 401, body: { message: '401: Unauthorized', code: 0 } },
        1,
      );
      const unauthorized = await run(env());
      expect(unauthorized.code).toBe(1);
      expect(unauthorized.output).toContain('Discord rejected DISCORD_BOT_TOKEN');
      expect(unauthorized.output).not.toContain('cli-token');

      discord.answer(
        'PUT',
        `/applications/${APP}/guilds/${GUILD}/commands`,
        { status: 403, body: { message: 'Missing Access', code: 50001 } },
        1,
      );
      const noAccess = await run(env({ DISCORD_GUILD_ID: GUILD }));
      expect(noAccess.code).toBe(1);
      expect(noAccess.output).toContain('applications.commands scope');
    });
  });
});

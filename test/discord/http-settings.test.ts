/**
 * DISCORD_PUBLIC_KEY selects interactions over HTTP: checked at start with a problem that names it and
 * says where the key is, read with PORT (the bot's HTTP server), and absent otherwise.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const DISCORD = { DISCORD_BOT_TOKEN: 'discord.bot.token', DISCORD_APPLICATION_ID: '123456789012345678' };
const KEY = 'a'.repeat(32) + '0123456789ABCDEF0123456789abcdef';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('DISCORD_PUBLIC_KEY', () => {
  it('unset: interactions come over the gateway, and PORT is not read', () => {
    const discord = loadConfig({ ...DISCORD, PORT: 'not-a-port' }).discord;
    expect(discord).not.toBeNull();
    expect(discord?.interactions).toBeUndefined();
  });

  it('set: interactions over HTTP, on the server listening on PORT', () => {
    expect(loadConfig({ ...DISCORD, DISCORD_PUBLIC_KEY: KEY, PORT: '8080' }).discord?.interactions).toEqual({
      publicKey: KEY,
      port: 8080,
    });
    expect(loadConfig({ ...DISCORD, DISCORD_PUBLIC_KEY: KEY }).discord?.interactions?.port).toBe(3000);
  });

  it.each([
    ['too short', 'abc123'],
    ['not hex', 'z'.repeat(64)],
    ['base64 pasted instead', 'q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA='],
  ])('%s: a problem naming DISCORD_PUBLIC_KEY and where the key is', (_, value) => {
    const found = problems({ ...DISCORD, DISCORD_PUBLIC_KEY: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^DISCORD_PUBLIC_KEY must be the 64 hex characters of the Public Key/);
    expect(found[0]).toContain('General Information');
  });

  it('set without Discord: a problem saying what to set', () => {
    const found = problems({ DISCORD_PUBLIC_KEY: KEY });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^DISCORD_PUBLIC_KEY is set but Discord is not/);
    expect(found[0]).toContain('DISCORD_BOT_TOKEN');
  });

  it('with HTTP interactions a bad PORT is a problem', () => {
    const found = problems({ ...DISCORD, DISCORD_PUBLIC_KEY: KEY, PORT: 'not-a-port' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^PORT must/);
  });
});

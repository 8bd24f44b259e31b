/** The webhook settings as loadConfig reads them: on with PUBLIC_URL, which also makes PORT read. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('webhook settings', () => {
  it('are off without PUBLIC_URL, and PORT (no other listener) is then not read', () => {
    const config = loadConfig({ PORT: 'nope', REALTIMEKIT_WEBHOOK_KEY_URL: 'http://127.0.0.1:9/key' });
    expect(config.webhooks).toBeNull();
  });

  it('with PUBLIC_URL: the webhook URL below it, PORT read, the key fetched from the default address', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://bot.example.com/chatops/', PORT: '8080' });
    expect(config.webhooks).toEqual({
      publicUrl: 'https://bot.example.com/chatops',
      url: 'https://bot.example.com/chatops/webhooks/realtimekit',
      port: 8080,
      publicKeyPem: null,
      keyUrl: 'https://api.realtime.cloudflare.com/.well-known/webhooks.json',
    });
    expect(problems({ PUBLIC_URL: 'https://bot.example.com', PORT: 'nope' })).toEqual([
      'PORT must be a whole number from 0 to 65535 (got "nope")',
    ]);
  });

  it('takes a PEM key, with its line breaks written as \\n in a one-line .env value', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const oneLine = pem.trim().replace(/\n/g, '\\n');
    const config = loadConfig({
      PUBLIC_URL: 'https://bot.example.com',
      REALTIMEKIT_WEBHOOK_PUBLIC_KEY: oneLine,
    });
    expect(config.webhooks?.publicKeyPem?.trim()).toBe(pem.trim());
    expect(
      problems({ PUBLIC_URL: 'https://bot.example.com', REALTIMEKIT_WEBHOOK_PUBLIC_KEY: 'not a key' }),
    ).toEqual([expect.stringMatching(/^REALTIMEKIT_WEBHOOK_PUBLIC_KEY must be a PEM public key/)]);
  });

  it('refuses a PUBLIC_URL RealtimeKit could not post to', () => {
    expect(problems({ PUBLIC_URL: 'http://bot.example.com' })).toEqual([
      'PUBLIC_URL must be an https:// URL (http:// only for localhost) (got "http://bot.example.com")',
    ]);
    expect(problems({ PUBLIC_URL: 'https://bot.example.com/?x=1' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL must be a base URL without a query/),
    ]);
    expect(problems({ PUBLIC_URL: 'bot.example.com' })).toEqual([
      'PUBLIC_URL must be an http(s) URL (got "bot.example.com")',
    ]);
    expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' }).webhooks?.url).toBe(
      'http://127.0.0.1:3000/webhooks/realtimekit',
    );
  });
});

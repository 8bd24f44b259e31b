/**
 * Registration against the emulator: idempotent (a second run sends only the GET), repairs a disabled
 * webhook or one missing the status event without dropping its other events, and `npm run
 * webhooks:register` says what it did and lists the app's webhooks. The emulator's webhook endpoints are
 * also checked with Cloudflare's official SDK, so they speak the real API's shapes.
 */
import Cloudflare from 'cloudflare';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createRealtimeKitClient, type RealtimeKitClient } from '../../src/realtimekit/client.js';
import { registerWebhook } from '../../src/webhooks/register.js';
import { runWebhookRegisterCli } from '../../src/webhooks/register-cli.js';

const URL = 'https://bot.example.com/webhooks/realtimekit';

let emulator: Emulator;
let client: RealtimeKitClient;
beforeEach(async () => {
  emulator = createEmulator({ seed: 11 });
  await emulator.start();
  client = createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 });
});
afterEach(async () => {
  await emulator.stop();
});

const webhookRequests = () =>
  emulator.requests.filter((r) => r.path.startsWith('webhooks')).map((r) => `${r.method} ${r.path}`);

describe('registerWebhook', () => {
  it('creates the webhook once; a second run changes nothing and sends only the GET', async () => {
    const first = await registerWebhook({ client, url: URL });
    expect(first.outcome).toBe('created');
    expect(first.webhook).toMatchObject({ url: URL, events: ['livestreaming.statusUpdate'], enabled: true });
    emulator.resetRequests();
    const second = await registerWebhook({ client, url: URL });
    expect(second.outcome).toBe('unchanged');
    expect(second.webhook.id).toBe(first.webhook.id);
    expect(webhookRequests()).toEqual(['GET webhooks']);
    expect(emulator.webhooks.list()).toHaveLength(1);
  });

  it('enables a disabled webhook of ours and adds the status event, keeping its other events', async () => {
    const other = await client.createWebhook({
      name: 'someone else',
      url: 'https://other.example.com/hook',
      events: ['meeting.ended'],
      enabled: true,
    });
    const ours = await client.createWebhook({
      name: 'ours, by hand',
      url: `${URL}/`, // a trailing slash is the same URL
      events: ['meeting.started'],
      enabled: false,
    });
    const registration = await registerWebhook({ client, url: URL });
    expect(registration.outcome).toBe('updated');
    expect(registration.webhook).toMatchObject({
      id: ours.id,
      enabled: true,
      events: ['meeting.started', 'livestreaming.statusUpdate'],
    });
    expect(registration.all.map((w) => w.id)).toEqual([other.id, ours.id]);
    expect(webhookRequests()).toContain(`PATCH webhooks/${ours.id}`);
    expect(emulator.webhooks.list()).toHaveLength(2);
    expect((await registerWebhook({ client, url: URL })).outcome).toBe('unchanged');
  });
});

describe('npm run webhooks:register', () => {
  const env = () => {
    const settings = emulator.settings();
    return {
      CLOUDFLARE_API_BASE_URL: settings.CLOUDFLARE_API_BASE_URL,
      CLOUDFLARE_API_TOKEN: settings.CLOUDFLARE_API_TOKEN,
      CLOUDFLARE_ACCOUNT_ID: settings.CLOUDFLARE_ACCOUNT_ID,
      REALTIMEKIT_APP_ID: settings.REALTIMEKIT_APP_ID,
      PUBLIC_URL: 'https://bot.example.com/',
    };
  };

  it('registers, then says it already was, listing the webhooks with ours marked', async () => {
    const lines: string[] = [];
    expect(await runWebhookRegisterCli({ env: env(), write: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toBe(`Registered the webhook: ${URL}`);
    lines.length = 0;
    expect(await runWebhookRegisterCli({ env: env(), write: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toBe(`The webhook was already registered: ${URL}`);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(
        /^\* livestream-chatops {2}https:\/\/bot\.example\.com\/webhooks\/realtimekit {2}\[enabled; livestreaming\.statusUpdate\]/,
      ),
    ]);
    expect(emulator.webhooks.list()).toHaveLength(1);
  });

  it('without PUBLIC_URL (exit 2) or when RealtimeKit refuses (exit 1), says so', async () => {
    const lines: string[] = [];
    const { PUBLIC_URL: _unset, ...withoutUrl } = env();
    expect(await runWebhookRegisterCli({ env: withoutUrl, write: (l) => lines.push(l) })).toBe(2);
    expect(lines.join('\n')).toContain('PUBLIC_URL is not set');
    lines.length = 0;
    expect(
      await runWebhookRegisterCli({
        env: { ...env(), CLOUDFLARE_API_TOKEN: 'wrong' },
        write: (l) => lines.push(l),
      }),
    ).toBe(1);
    expect(lines.join('\n')).toMatch(/Could not register the webhook: RealtimeKit answered HTTP 403/);
    expect(lines.join('\n')).not.toContain('wrong');
  });

  it('refuses a PUBLIC_URL that RealtimeKit could not post to', async () => {
    const lines: string[] = [];
    const code = await runWebhookRegisterCli({
      env: { ...env(), PUBLIC_URL: 'http://bot.example.com' },
      write: (l) => lines.push(l),
    });
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('PUBLIC_URL must be an https:// URL');
  });
});

describe("the emulator's webhook endpoints, through Cloudflare's SDK", () => {
  it('create, list, edit and fetch by id', async () => {
    const settings = emulator.settings();
    const sdk = new Cloudflare({
      apiToken: settings.CLOUDFLARE_API_TOKEN,
      apiKey: null,
      apiEmail: null,
      userServiceKey: null,
      baseURL: settings.CLOUDFLARE_API_BASE_URL,
      maxRetries: 0,
    });
    const ids = { account_id: settings.CLOUDFLARE_ACCOUNT_ID, app_id: settings.REALTIMEKIT_APP_ID };
    const created = await sdk.realtimeKit.webhooks.createWebhook(ids.app_id, {
      account_id: ids.account_id,
      name: 'From the SDK',
      url: URL,
      events: ['livestreaming.statusUpdate'],
    });
    expect(created.data).toMatchObject({ name: 'From the SDK', url: URL, enabled: true });
    const listed = await sdk.realtimeKit.webhooks.getWebhooks(ids.app_id, { account_id: ids.account_id });
    expect(listed.data.map((w) => w.id)).toEqual([created.data.id]);
    const edited = await sdk.realtimeKit.webhooks.editWebhook(created.data.id, { ...ids, enabled: false });
    expect(edited.data.enabled).toBe(false);
    const fetched = await sdk.realtimeKit.webhooks.getWebhookByID(created.data.id, ids);
    expect(fetched.data).toMatchObject({ id: created.data.id, enabled: false });
    // What our client reads from the same endpoint.
    expect(await client.listWebhooks()).toEqual([
      expect.objectContaining({ id: created.data.id, url: URL, enabled: false }),
    ]);
  });
});

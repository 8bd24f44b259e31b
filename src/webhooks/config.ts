/**
 * The webhook settings (declared in src/settings.ts): on when PUBLIC_URL is set. Read by loadConfig.
 */
import { createPublicKey } from 'node:crypto';
import type { SettingsReader } from '../settings.js';

/** Where RealtimeKit posts, below PUBLIC_URL, on the bot's HTTP server. */
export const WEBHOOK_PATH = '/webhooks/realtimekit';

export interface WebhooksConfig {
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  /** `PUBLIC_URL/webhooks/realtimekit`: the URL registered with RealtimeKit. */
  url: string;
  /** PORT: the bot's HTTP server listens there. */
  port: number;
  /** REALTIMEKIT_WEBHOOK_PUBLIC_KEY (PEM); null: fetched from `keyUrl`. */
  publicKeyPem: string | null;
  /** REALTIMEKIT_WEBHOOK_KEY_URL. */
  keyUrl: string;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Null when PUBLIC_URL is unset: the other webhook settings are then not read (the bot polls only). */
export function readWebhooks(settings: SettingsReader): WebhooksConfig | null {
  if (!settings.isSet('PUBLIC_URL')) return null;
  const publicUrl = settings.get('PUBLIC_URL');
  if (publicUrl !== null && !settings.isWrong('PUBLIC_URL')) {
    const url = new URL(publicUrl);
    // RealtimeKit posts to public HTTPS URLs; plain http only makes sense on this machine (the emulator).
    if (url.protocol !== 'https:' && !LOCAL_HOSTS.has(url.hostname))
      settings.reject('PUBLIC_URL', 'be an https:// URL (http:// only for localhost)');
    else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
      settings.reject('PUBLIC_URL', 'be a base URL without a query, a fragment or credentials');
  }
  const port = settings.get('PORT');
  const keyUrl = settings.get('REALTIMEKIT_WEBHOOK_KEY_URL');
  const publicKeyPem = readPublicKey(settings);
  if (publicUrl === null || settings.isWrong('PUBLIC_URL')) return null;
  return { publicUrl, url: `${publicUrl}${WEBHOOK_PATH}`, port, publicKeyPem, keyUrl };
}

function readPublicKey(settings: SettingsReader): string | null {
  const raw = settings.get('REALTIMEKIT_WEBHOOK_PUBLIC_KEY');
  if (raw === null) return null;
  // A one-line .env value may carry its line breaks as `\n`.
  const pem = raw.replace(/\\n/g, '\n');
  try {
    createPublicKey(pem);
    return pem;
  } catch {
    settings.reject(
      'REALTIMEKIT_WEBHOOK_PUBLIC_KEY',
      'be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)',
    );
    return null;
  }
}

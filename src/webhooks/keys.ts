/**
 * The public key RealtimeKit signs webhooks with: given as PEM (REALTIMEKIT_WEBHOOK_PUBLIC_KEY), or
 * fetched from where it is published (REALTIMEKIT_WEBHOOK_KEY_URL) at start and cached. A signature that
 * fails may mean the key was rotated: the receiver then asks for a refetch, which happens at most once
 * per cooldown, so forged requests cannot make the bot hammer the key's address.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

export interface WebhookKeys {
  /** The key signatures are checked with; null while none could be had. */
  current(): KeyObject | null;
  /** Fetches the published key again (unless fetched within the cooldown); true when it changed. */
  refresh(): Promise<boolean>;
}

/** Whether `signature` (base64) is an RSA-SHA256 signature of exactly these bytes by `key`. */
export function verifySignature(body: Buffer, signature: string, key: KeyObject): boolean {
  const trimmed = signature.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return false;
  try {
    return verify('RSA-SHA256', body, key, Buffer.from(trimmed, 'base64'));
  } catch {
    return false; // a key of the wrong type, a signature of the wrong length
  }
}

/** A key given in the configuration: nothing to refetch. */
export function fixedWebhookKey(pem: string): WebhookKeys {
  const key = createPublicKey(pem);
  return { current: () => key, refresh: async () => false };
}

export interface PublishedKeyOptions {
  url: string;
  clock: Clock;
  log: Logger;
  /** Least time between two refetches (not counting the one at start). Default 60 s. */
  cooldownMs?: number;
  timeoutMs?: number;
}

export interface PublishedWebhookKey extends WebhookKeys {
  /** The fetch at start; false (logged) when the key could not be had: the first delivery tries again. */
  load(): Promise<boolean>;
}

const DEFAULT_COOLDOWN_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_KEY_DOCUMENT_BYTES = 64 * 1024;

export function publishedWebhookKey(options: PublishedKeyOptions): PublishedWebhookKey {
  const { url, clock } = options;
  const log = options.log.child({ part: 'webhook-key' });
  const cooldownMs = options.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let key: KeyObject | null = null;
  let lastRefetch: number | null = null;
  let fetching: Promise<boolean> | null = null;

  /** Fetches and installs the key; true when it differs from the one held. */
  const fetchKey = (): Promise<boolean> => {
    fetching ??= (async () => {
      try {
        const fresh = await fetchPublishedKey(url, timeoutMs);
        const changed = key === null || !fresh.equals(key);
        key = fresh;
        if (changed) log.info('webhook public key loaded', { url });
        return changed;
      } catch (error) {
        log.warn('could not fetch the webhook public key; webhooks wait for it, polling goes on', {
          url,
          reason: error instanceof Error ? error.message : String(error),
        });
        return false;
      } finally {
        fetching = null;
      }
    })();
    return fetching;
  };

  return {
    current: () => key,
    load: async () => {
      await fetchKey();
      return key !== null;
    },
    refresh: async () => {
      if (fetching) return fetching;
      const now = clock.monotonic();
      if (lastRefetch !== null && now - lastRefetch < cooldownMs) return false;
      lastRefetch = now;
      return fetchKey();
    },
  };
}

/** GET the key document (`{"success":true,"data":{"publicKey":"-----BEGIN PUBLIC KEY-----…"}}`). */
async function fetchPublishedKey(url: string, timeoutMs: number): Promise<KeyObject> {
  const response = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${response.status}`);
  }
  const text = await readLimited(response, MAX_KEY_DOCUMENT_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('the answer is not JSON');
  }
  const pem = publicKeyOf(body);
  if (pem === null) throw new Error('no data.publicKey in the answer');
  try {
    return createPublicKey(pem);
  } catch {
    throw new Error('data.publicKey is not a PEM public key');
  }
}

function publicKeyOf(body: unknown): string | null {
  const record = (value: unknown): Record<string, unknown> | null =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  const top = record(body);
  const data = record(top?.data) ?? top;
  const pem = data?.publicKey ?? data?.public_key;
  return typeof pem === 'string' && pem.includes('BEGIN') ? pem : null;
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new Error(`the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

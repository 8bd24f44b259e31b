/**
 * The webhook path as the bot runs it, around the notification harness (emulator, real client, SQLite,
 * the real poller on a ManualClock, the real sender to a RecordingSink): the bot's HTTP server on
 * 127.0.0.1 with the real receiver mounted at /webhooks/realtimekit. Requests come either from the
 * emulator's own signed deliveries (a webhook registered at `url`) or are signed here with a test key.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { WEBHOOK_PATH } from '../../src/webhooks/config.js';
import { fixedWebhookKey, publishedWebhookKey, type WebhookKeys } from '../../src/webhooks/keys.js';
import { createWebhookReceiver } from '../../src/webhooks/receiver.js';
import { createHarness, type Harness } from '../notify/harness.js';

export interface WebhookRig extends Harness {
  server: HttpServer;
  /** `http://127.0.0.1:PORT/webhooks/realtimekit` */
  url: string;
  keys: WebhookKeys;
  /** Every check the receiver set off, to await (each is the real poller's check). */
  checks: Promise<void>[];
  /** Waits for every check set off so far. */
  checked(): Promise<void>;
  /** Registers `url` with the emulator for status updates (as `npm run webhooks:register` would). */
  register(events?: string[]): Promise<void>;
  /** Mounts the receiver again (after a test replaced the route). */
  mountReceiver(): void;
  /** A new store, poller and receiver on the same DATA_DIR: what a restarted bot has. */
  restartBot(): Promise<void>;
  close(): Promise<void>;
}

/** A key pair of the test's own: what `REALTIMEKIT_WEBHOOK_PUBLIC_KEY` would hold. */
export const testKeys = (() => {
  let pair: { privateKey: KeyObject; publicPem: string } | null = null;
  return () => {
    if (!pair) {
      const generated = generateKeyPairSync('rsa', { modulusLength: 2048 });
      pair = {
        privateKey: generated.privateKey,
        publicPem: generated.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      };
    }
    return pair;
  };
})();

export async function createWebhookRig(
  options: { key?: 'test' | 'emulator'; log?: Logger; maxBodyBytes?: number } = {},
): Promise<WebhookRig> {
  const h = await createHarness(options.log ? { log: options.log } : {});
  const log = options.log ?? silentLogger;
  const server = createHttpServer({ log });
  const port = await server.listen(0, '127.0.0.1');
  let keys: WebhookKeys;
  if (options.key === 'emulator') {
    const published = publishedWebhookKey({
      url: h.emulator.settings().REALTIMEKIT_WEBHOOK_KEY_URL,
      clock: h.clock,
      log,
    });
    await published.load();
    keys = published;
  } else keys = fixedWebhookKey(testKeys().publicPem);
  const rig = h as WebhookRig;
  rig.server = server;
  rig.url = `http://127.0.0.1:${port}${WEBHOOK_PATH}`;
  rig.keys = keys;
  rig.checks = [];
  const mount = () =>
    server.route(
      WEBHOOK_PATH,
      createWebhookReceiver({
        keys,
        store: rig.store,
        // The real poller's check, recorded so a test can wait for it.
        checker: {
          check: (id) => {
            const check = rig.poller.check(id);
            rig.checks.push(check);
            return check;
          },
        },
        clock: rig.clock,
        log,
        ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
      }),
    );
  mount();
  rig.mountReceiver = mount;
  rig.checked = async () => {
    await Promise.all(rig.checks);
  };
  rig.register = async (events = ['livestreaming.statusUpdate']) => {
    await rig.commandsClient.createWebhook({ name: 'test bot', url: rig.url, events, enabled: true });
  };
  rig.restartBot = async () => {
    await rig.restart();
    mount();
  };
  const closeHarness = h.close.bind(h);
  rig.close = async () => {
    await server.close(0);
    await closeHarness();
  };
  return rig;
}

export interface Sent {
  status: number;
  body: string;
}

/** POSTs raw bytes with these headers (node:http: exact bytes, any header, chunked when asked). */
export function postRaw(
  url: string,
  body: Buffer | string,
  headers: Record<string, string>,
  options: { chunked?: boolean } = {},
): Promise<Sent> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.chunked ? {} : { 'content-length': String(bytes.length) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      // Several writes without a Content-Length: Node sends them chunked.
      for (let at = 0; at < bytes.length; at += 16 * 1024) req.write(bytes.subarray(at, at + 16 * 1024));
      req.end();
    } else req.end(bytes);
  });
}

/** A `livestreaming.statusUpdate` body as RealtimeKit sends it (stream key included). */
export function statusUpdateBody(
  streamId: string,
  status: string,
  streamKey = 'sk_live_SECRET_KEY_1234',
): string {
  return JSON.stringify({
    event: 'livestreaming.statusUpdate',
    streamId,
    status,
    manualIngest: true,
    playbackUrl: `https://customer.example/${streamId}/live.m3u8`,
    ingestServer: 'rtmps://live.cloudflare.com:443/live/',
    streamKey,
  });
}

/** rtk-* headers for `body`, signed with `key` (default: the test key the rig trusts). */
export function signedHeaders(
  body: Buffer | string,
  options: { key?: KeyObject; uuid?: string } = {},
): Record<string, string> {
  const key = options.key ?? testKeys().privateKey;
  return {
    'rtk-signature': sign('RSA-SHA256', Buffer.from(body), key).toString('base64'),
    'rtk-uuid': options.uuid ?? randomUUID(),
    'rtk-webhook-id': 'wh-test',
  };
}

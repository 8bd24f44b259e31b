/**
 * Webhooks in the running bot: the public key (configured, or fetched at start), and the receiver
 * mounted on the shared HTTP server at /webhooks/realtimekit. Until it runs, and again once stopped,
 * that path answers 503 (`answerNotReady`), so a delivery is retried rather than lost.
 */
import type { Clock } from '../clock.js';
import type { HttpServer } from '../http/server.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { NotifyStore } from '../notify/store.js';
import { WEBHOOK_PATH, type WebhooksConfig } from './config.js';
import { fixedWebhookKey, publishedWebhookKey, type WebhookKeys } from './keys.js';
import { answerNotReady, createWebhookReceiver, type LivestreamChecker } from './receiver.js';

export interface WebhooksOptions {
  config: WebhooksConfig;
  server: HttpServer;
  store: NotifyStore;
  checker: LivestreamChecker;
  clock: Clock;
  log: Logger;
  metrics?: Pick<Metrics, 'webhook'>;
}

export interface Webhooks {
  /** Puts the 503 back: deliveries from now on wait for the next start. */
  stop(): void;
}

export async function startWebhooks(options: WebhooksOptions): Promise<Webhooks> {
  const { config, server, store, checker, clock } = options;
  const log = options.log.child({ component: 'webhooks' });
  let keys: WebhookKeys;
  if (config.publicKeyPem !== null) keys = fixedWebhookKey(config.publicKeyPem);
  else {
    const published = publishedWebhookKey({ url: config.keyUrl, clock, log });
    await published.load();
    keys = published;
  }
  const metrics = options.metrics;
  server.route(
    WEBHOOK_PATH,
    createWebhookReceiver({ keys, store, checker, clock, log, ...(metrics ? { metrics } : {}) }),
  );
  log.info('RealtimeKit webhooks on', {
    url: config.url,
    key: config.publicKeyPem !== null ? 'REALTIMEKIT_WEBHOOK_PUBLIC_KEY' : config.keyUrl,
  });
  return {
    stop: () => {
      server.route(WEBHOOK_PATH, answerNotReady);
    },
  };
}

/**
 * `POST /webhooks/realtimekit`: RealtimeKit's signed webhooks, taken as hints. In order:
 * 1. the body is read, at most `maxBodyBytes` of it (a larger one is 413);
 * 2. its rtk-signature is checked over those exact bytes (missing or wrong: 401, after one refetch of
 *    the published key in case it was rotated; no key to check with at all: 503, so the sender retries);
 * 3. rtk-uuid and the body are read (missing, malformed: 400);
 * 4. the delivery is claimed by rtk-uuid, in the store every replica shares (a repeat is answered 200 and ignored; a store that cannot
 *    record it: 503, so the sender retries);
 * 5. 200 at once, and then the named livestream is checked (`checker.check`): a webhook never makes a
 *    notification itself, the check reads the API and goes through the poller's one store path.
 * Nothing a refused request carries changes anything, and no body is ever logged (it holds the stream key).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { readBody, type RouteHandler, sendJson } from '../http/server.js';
import type { Logger } from '../log.js';
import { type Metrics, noMetrics } from '../metrics.js';
import type { NotifyStore } from '../notify/store.js';
import { verifySignature, type WebhookKeys } from './keys.js';
import { parseWebhookNotice } from './payload.js';

/** What a webhook hint sets off: the poller's targeted check of one livestream. */
export interface LivestreamChecker {
  check(livestreamId: string): Promise<void>;
}

export interface WebhookReceiverOptions {
  keys: WebhookKeys;
  store: Pick<NotifyStore, 'claimInput'>;
  checker: LivestreamChecker;
  clock: Clock;
  log: Logger;
  /** The largest body read; a larger one is refused with 413. Default 64 KB (a delivery is under 2 KB). */
  maxBodyBytes?: number;
  /** Told of each delivery accepted or refused (the refusal's fixed reason word, never input). */
  metrics?: Pick<Metrics, 'webhook'>;
}

export const DEFAULT_MAX_WEBHOOK_BODY_BYTES = 64 * 1024;
const MAX_UUID_LENGTH = 200;
/** Refused requests are logged one by one at debug, and summed up at warn at most this often. */
const REFUSAL_LOG_EVERY_MS = 60_000;
/** How long a sender should wait before retrying a 503. */
const RETRY_AFTER_SECONDS = 30;

/** Header names: RealtimeKit's, then the Dyte-era ones it grew from. */
const HEADERS = {
  signature: ['rtk-signature', 'dyte-signature'],
  uuid: ['rtk-uuid', 'dyte-uuid'],
  webhookId: ['rtk-webhook-id', 'dyte-webhook-id'],
} as const;

type Refusal = 'not-post' | 'too-large' | 'unsigned' | 'bad-signature' | 'no-uuid' | 'malformed';

export function createWebhookReceiver(options: WebhookReceiverOptions): RouteHandler {
  const { keys, store, checker, clock } = options;
  const log = options.log.child({ component: 'webhooks' });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_WEBHOOK_BODY_BYTES;
  const refusals = refusalLog(log, clock);

  const metrics = options.metrics ?? noMetrics;
  const refuse = (response: ServerResponse, status: number, reason: Refusal, message: string) => {
    refusals.note(reason);
    metrics.webhook('refused', reason);
    sendJson(response, status, { error: message });
  };

  /** Whether the body carries a valid signature, refetching the key once if it looks rotated. */
  const signedBy = async (body: Buffer, signature: string): Promise<'valid' | 'invalid' | 'no-key'> => {
    let key = keys.current();
    if (key === null) {
      await keys.refresh();
      key = keys.current();
      if (key === null) return 'no-key';
    }
    if (verifySignature(body, signature, key)) return 'valid';
    if (!(await keys.refresh())) return 'invalid';
    const rotated = keys.current();
    return rotated !== null && verifySignature(body, signature, rotated) ? 'valid' : 'invalid';
  };

  return async (request, response) => {
    if (request.method !== 'POST') {
      request.resume();
      response.setHeader('allow', 'POST');
      return refuse(response, 405, 'not-post', 'only POST');
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === 'too-large') {
      response.setHeader('connection', 'close');
      return refuse(response, 413, 'too-large', `the body is larger than ${maxBodyBytes} bytes`);
    }
    if (body === 'aborted') return;

    const signature = header(request, HEADERS.signature);
    if (signature === null) return refuse(response, 401, 'unsigned', 'missing rtk-signature');
    const verdict = await signedBy(body, signature);
    if (verdict === 'no-key') {
      log.warn('a webhook arrived before the public key could be fetched; asked the sender to retry');
      response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      return sendJson(response, 503, { error: 'the signing key is not available yet' });
    }
    if (verdict === 'invalid') return refuse(response, 401, 'bad-signature', 'invalid rtk-signature');

    const uuid = header(request, HEADERS.uuid);
    if (uuid === null || uuid.length > MAX_UUID_LENGTH)
      return refuse(response, 400, 'no-uuid', 'missing or overlong rtk-uuid');
    const notice = parseWebhookNotice(body);
    if (notice === null) return refuse(response, 400, 'malformed', 'the body is not a webhook event');

    let first: boolean;
    try {
      first = await store.claimInput(webhookInputKey(uuid), clock.now());
    } catch (error) {
      log.error('could not record a webhook delivery; asked the sender to retry', { error });
      response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      return sendJson(response, 503, { error: 'could not record the delivery' });
    }
    const fields = {
      uuid,
      webhookId: header(request, HEADERS.webhookId),
      event: notice.event,
      livestreamId: notice.streamId,
      status: notice.status,
    };
    if (!first) {
      log.debug('webhook delivery already seen; ignored', fields);
      metrics.webhook('accepted', 'duplicate');
      return sendJson(response, 200, { ok: true, duplicate: true });
    }
    metrics.webhook('accepted');
    sendJson(response, 200, { ok: true });
    if (notice.streamId === null) {
      log.debug('webhook event names no livestream; nothing to check', fields);
      return;
    }
    log.info('webhook: checking the livestream now', fields);
    // The check never throws (it logs its own failures); the next poll reconciles whatever it missed.
    void checker.check(notice.streamId).catch((error: unknown) => {
      log.warn('webhook-triggered check failed; the next poll covers it', { ...fields, error });
    });
  };
}

/** The key a webhook delivery is claimed by in the store (see `NotifyStore.claimInput`). */
export function webhookInputKey(uuid: string): string {
  return `webhook:${uuid}`;
}

/** Until the webhook receiver runs (and after it stops): 503, so RealtimeKit retries the delivery later. */
export const answerNotReady: RouteHandler = (request, response) => {
  request.resume();
  response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  sendJson(response, 503, { error: 'not ready' });
};

function header(request: IncomingMessage, names: readonly string[]): string | null {
  for (const name of names) {
    const value = request.headers[name];
    const text = (Array.isArray(value) ? value[0] : value)?.trim();
    if (text) return text;
  }
  return null;
}

/** Refusals one by one at debug; a count at warn at most once a minute, so a flood cannot flood the log. */
function refusalLog(log: Logger, clock: Clock) {
  let counts: Partial<Record<Refusal, number>> = {};
  let lastWarn: number | null = null;
  return {
    note(reason: Refusal): void {
      log.debug('refused a webhook request', { reason });
      counts[reason] = (counts[reason] ?? 0) + 1;
      const now = clock.monotonic();
      if (lastWarn !== null && now - lastWarn < REFUSAL_LOG_EVERY_MS) return;
      lastWarn = now;
      log.warn('refused webhook requests (unsigned, forged, malformed or too large)', { counts });
      counts = {};
    },
  };
}

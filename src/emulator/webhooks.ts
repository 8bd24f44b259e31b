/**
 * The emulator's webhooks, as BEYOND-SEEDS.md describes RealtimeKit's: registration (`GET/POST
 * /webhooks`, `GET/PATCH/DELETE /webhooks/{id}` under the app path, the shapes of the official SDK) and
 * delivery. Each LIVE/IDLE/OFFLINE change is POSTed as `livestreaming.statusUpdate` (camelCase, with the
 * stream key, as the real one sends it) to every enabled webhook that asked for it, signed with the
 * emulator's own RSA key (`rtk-signature`: base64 RSA-SHA256 over the raw body), with a fresh `rtk-uuid`
 * and `rtk-webhook-id`. The public key is served at `/.well-known/webhooks.json`. A 5xx answer or a
 * network error is retried with backoff; any other answer ends the delivery. Test hooks send duplicates,
 * hold deliveries to release them in another order, sign with the wrong key, or rotate the key.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import type { Handler, RouteRequest } from './routes.js';
import { type Answer, rtkError } from './routes.js';
import type { StatusChange, WireLivestream } from './store.js';
import { isHttpUrl } from '../settings.js';

export const WELL_KNOWN_KEY_PATH = '/.well-known/webhooks.json';

/** The events the API takes (BEYOND-SEEDS.md). */
export const WEBHOOK_EVENTS = [
  'meeting.started',
  'meeting.ended',
  'meeting.participantJoined',
  'meeting.participantLeft',
  'meeting.chatSynced',
  'recording.statusUpdate',
  'livestreaming.statusUpdate',
  'meeting.transcript',
  'meeting.summary',
] as const;

/** Statuses a `livestreaming.statusUpdate` carries; changes to any other status are not sent. */
const WEBHOOK_STATUSES = new Set(['LIVE', 'IDLE', 'OFFLINE']);

export interface WireWebhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface WebhookAttempt {
  webhookId: string;
  /** rtk-uuid: the same on every attempt (retry or duplicate) of one delivery. */
  uuid: string;
  url: string;
  event: string;
  streamId: string | null;
  /** The `status` in the body. */
  status: string | null;
  /** 1 for the first try; retries and duplicates count up. */
  attempt: number;
  /** The HTTP status answered; null for a network error or timeout. */
  answer: number | null;
  /** Whether the signature was made with the published key. */
  signedCorrectly: boolean;
  /** Date.now() when the answer (or the error) came. */
  at: number;
}

export interface HeldDeliveries {
  /** Deliveries held so far. */
  readonly count: number;
  /** Sends what was held (in reverse order if asked) and stops holding. */
  release(options?: { reverse?: boolean }): void;
}

export interface EmulatorWebhookOptions {
  /** Waits before each retry of a failed attempt (5xx or network error); default 200, 1,000, 5,000 ms. */
  retryDelaysMs?: readonly number[];
  /** Per attempt; default 5 s. */
  timeoutMs?: number;
}

export interface EmulatorWebhooks {
  /** The published key, PEM: what `/.well-known/webhooks.json` serves. */
  readonly publicKeyPem: string;
  /** Registered webhooks, oldest first. */
  list(): WireWebhook[];
  /** Every delivery attempt, oldest first (the oldest are dropped past 10,000). */
  readonly attempts: readonly WebhookAttempt[];
  /** The next `count` deliveries are each sent a second time, same rtk-uuid, once the first is answered. */
  duplicateNext(count?: number): void;
  /** The next `count` deliveries are signed with a key that is not the published one. */
  signWronglyNext(count?: number): void;
  /** Holds every new delivery until `release()`: to send them late, or in another order. */
  hold(): HeldDeliveries;
  /** A new key pair: deliveries are signed with it and the well-known address serves it from now on. */
  rotateKey(): void;
  /** Resolves once no delivery is in flight or waiting for a retry (held ones aside). */
  idle(): Promise<void>;
  /** Resolves with the first attempt (past or future) that matches. */
  waitForAttempt(matcher?: (attempt: WebhookAttempt) => boolean, timeoutMs?: number): Promise<WebhookAttempt>;
  onAttempt(listener: (attempt: WebhookAttempt) => void): () => void;
}

/** What the emulator itself uses: the routes, the change feed, and stop. */
export interface WebhookService extends EmulatorWebhooks {
  /** The handler for a path under the app (`webhooks…`), or null. */
  matchRoute(method: string, segments: readonly string[]): Handler | null;
  /** The answer to `GET /.well-known/webhooks.json`. */
  wellKnown(): Answer;
  statusChanged(change: StatusChange): void;
  stop(): Promise<void>;
}

interface Delivery {
  webhook: WireWebhook;
  uuid: string;
  body: string;
  event: string;
  streamId: string | null;
  status: string | null;
  signWrongly: boolean;
  duplicate: boolean;
}

const DEFAULT_RETRY_DELAYS_MS = [200, 1_000, 5_000];
const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_ATTEMPTS_LOGGED = 10_000;
const MAX_NAME_LENGTH = 255;
const MAX_URL_LENGTH = 2_048;

export function createWebhookService(args: {
  now: () => Date;
  newId: () => string;
  /** The livestream as it is now (for the body's playback URL, ingest server, stream key, meeting). */
  livestream: (id: string) => WireLivestream | null;
  options?: EmulatorWebhookOptions;
}): WebhookService {
  const { now, newId } = args;
  const retryDelays = args.options?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const timeoutMs = args.options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const webhooks: WireWebhook[] = [];
  const attempts: WebhookAttempt[] = [];
  const listeners = new Set<(attempt: WebhookAttempt) => void>();
  const idleWaiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const abort = new AbortController();
  // Generated when first needed: a 2048-bit RSA pair takes tens of milliseconds, and most emulators
  // (every test's) never send a webhook.
  let keys: { privateKey: KeyObject; publicPem: string } | null = null;
  let wrongKey: KeyObject | null = null;
  let duplicates = 0;
  let wrongSignatures = 0;
  let held: Delivery[] | null = null;
  let active = 0;
  let stopped = false;

  const keyPair = () => {
    if (!keys) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      keys = {
        privateKey: pair.privateKey,
        publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      };
    }
    return keys;
  };
  const signature = (body: string, wrongly: boolean): string => {
    let key = keyPair().privateKey;
    if (wrongly) key = wrongKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return sign('RSA-SHA256', Buffer.from(body), key).toString('base64');
  };

  const record = (attempt: WebhookAttempt) => {
    attempts.push(attempt);
    if (attempts.length > MAX_ATTEMPTS_LOGGED) attempts.splice(0, attempts.length - MAX_ATTEMPTS_LOGGED / 2);
    for (const listener of listeners) listener(attempt);
  };
  const settle = () => {
    active--;
    if (active === 0) for (const waiter of [...idleWaiters]) waiter();
  };
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** One POST; the HTTP status, or null when it failed on the way. */
  const post = async (delivery: Delivery, attempt: number): Promise<number | null> => {
    let answer: number | null = null;
    try {
      const response = await fetch(delivery.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'rtk-signature': signature(delivery.body, delivery.signWrongly),
          'rtk-uuid': delivery.uuid,
          'rtk-webhook-id': delivery.webhook.id,
        },
        body: delivery.body,
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]),
      });
      answer = response.status;
      await response.body?.cancel().catch(() => {});
    } catch {
      answer = null;
    }
    if (!stopped) {
      record({
        webhookId: delivery.webhook.id,
        uuid: delivery.uuid,
        url: delivery.webhook.url,
        event: delivery.event,
        streamId: delivery.streamId,
        status: delivery.status,
        attempt,
        answer,
        signedCorrectly: !delivery.signWrongly,
        at: Date.now(),
      });
    }
    return answer;
  };

  /** Tries, and retries on a 5xx or a network error, like the real sender; then a duplicate if asked. */
  const deliver = async (delivery: Delivery): Promise<void> => {
    active++;
    try {
      let attempt = 1;
      for (;;) {
        const answer = await post(delivery, attempt);
        const retry = answer === null || answer >= 500;
        if (!retry || stopped || attempt > retryDelays.length) break;
        await wait(retryDelays[attempt - 1]!);
        if (stopped) return;
        attempt++;
      }
      if (delivery.duplicate && !stopped) await post(delivery, attempt + 1);
    } finally {
      settle();
    }
  };

  const queue = (delivery: Delivery) => {
    if (stopped) return;
    if (held) held.push(delivery);
    else void deliver(delivery);
  };

  const send = (
    event: string,
    payload: Record<string, unknown>,
    streamId: string | null,
    status: string | null,
  ) => {
    const body = JSON.stringify({ event, ...payload });
    for (const webhook of webhooks) {
      if (!webhook.enabled || !webhook.events.includes(event)) continue;
      const duplicate = duplicates > 0;
      if (duplicate) duplicates--;
      const signWrongly = wrongSignatures > 0;
      if (signWrongly) wrongSignatures--;
      queue({ webhook, uuid: randomUUID(), body, event, streamId, status, signWrongly, duplicate });
    }
  };

  const statusChanged = (change: StatusChange) => {
    if (change.from === change.to || !WEBHOOK_STATUSES.has(change.to)) return;
    const livestream = args.livestream(change.livestreamId);
    const meeting = livestream?.meeting_id
      ? {
          id: livestream.meeting_id,
          title: livestream.name,
          createdAt: livestream.created_at,
          status: change.to === 'LIVE' ? 'LIVE' : 'ENDED',
          organizedBy: { id: 'emulator-organizer', name: 'Emulator' },
        }
      : null;
    send(
      'livestreaming.statusUpdate',
      {
        streamId: change.livestreamId,
        status: change.to,
        manualIngest: meeting === null,
        playbackUrl: livestream?.playback_url ?? null,
        ingestServer: livestream?.ingest_server ?? null,
        streamKey: livestream?.stream_key ?? null,
        ...(meeting ? { meeting } : {}),
      },
      change.livestreamId,
      change.to,
    );
    if (meeting && change.to === 'LIVE') send('meeting.started', { meeting }, null, null);
    if (meeting && change.from === 'LIVE')
      send('meeting.ended', { meeting, reason: 'HOST_ENDED_MEETING' }, null, null);
  };

  const find = (id: string) => webhooks.find((w) => w.id === id) ?? null;
  const matchRoute = (method: string, segments: readonly string[]): Handler | null => {
    if (segments[0] !== 'webhooks') return null;
    if (segments.length === 1 && method === 'GET')
      return () => ({ status: 200, body: { success: true, data: webhooks } });
    if (segments.length === 1 && method === 'POST') return (request) => create(request);
    if (segments.length !== 2) return null;
    const id = segments[1]!;
    if (method === 'GET')
      return () => {
        const webhook = find(id);
        return webhook ? { status: 200, body: { success: true, data: webhook } } : notFound();
      };
    if (method === 'PATCH' || method === 'PUT') return (request) => update(id, request, method === 'PUT');
    if (method === 'DELETE')
      return () => {
        const webhook = find(id);
        if (!webhook) return notFound();
        webhooks.splice(webhooks.indexOf(webhook), 1);
        return { status: 200, body: { success: true, data: webhook } };
      };
    return null;
  };

  const create = (request: RouteRequest): Answer => {
    const input = parseWebhookInput(request.body, true);
    if ('error' in input) return rtkError(400, input.error);
    const at = now().toISOString();
    const webhook: WireWebhook = {
      id: newId(),
      name: input.name!,
      url: input.url!,
      events: input.events!,
      enabled: input.enabled ?? true,
      created_at: at,
      updated_at: at,
    };
    webhooks.push(webhook);
    return { status: 201, body: { success: true, data: webhook } };
  };

  const update = (id: string, request: RouteRequest, replace: boolean): Answer => {
    const webhook = find(id);
    if (!webhook) return notFound();
    const input = parseWebhookInput(request.body, replace);
    if ('error' in input) return rtkError(400, input.error);
    if (input.name !== undefined) webhook.name = input.name;
    if (input.url !== undefined) webhook.url = input.url;
    if (input.events !== undefined) webhook.events = input.events;
    if (input.enabled !== undefined) webhook.enabled = input.enabled;
    else if (replace) webhook.enabled = true;
    webhook.updated_at = now().toISOString();
    return { status: 200, body: { success: true, data: webhook } };
  };

  return {
    get publicKeyPem() {
      return keyPair().publicPem;
    },
    list: () => webhooks.map((w) => ({ ...w, events: [...w.events] })),
    get attempts() {
      return attempts;
    },
    duplicateNext: (count = 1) => {
      duplicates += count;
    },
    signWronglyNext: (count = 1) => {
      wrongSignatures += count;
    },
    hold: () => {
      const mine: Delivery[] = [];
      held = mine;
      return {
        get count() {
          return mine.length;
        },
        release: (options = {}) => {
          if (held === mine) held = null;
          for (const delivery of options.reverse ? [...mine].reverse() : mine) queue(delivery);
        },
      };
    },
    rotateKey: () => {
      keys = null;
      keyPair();
    },
    idle: () =>
      active === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const waiter = () => {
              idleWaiters.delete(waiter);
              resolve();
            };
            idleWaiters.add(waiter);
          }),
    waitForAttempt: (matcher = () => true, ms = 5_000) => {
      const past = attempts.find(matcher);
      if (past) return Promise.resolve(past);
      return new Promise((resolve, reject) => {
        const off = () => listeners.delete(listener);
        const listener = (attempt: WebhookAttempt) => {
          if (!matcher(attempt)) return;
          clearTimeout(timer);
          off();
          resolve(attempt);
        };
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no matching webhook attempt within ${ms} ms`));
        }, ms);
        listeners.add(listener);
      });
    },
    onAttempt: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    matchRoute,
    wellKnown: () => ({
      status: 200,
      body: { success: true, data: { publicKey: keyPair().publicPem }, message: '' },
    }),
    statusChanged,
    stop: async () => {
      stopped = true;
      held = null;
      abort.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const waiter of [...idleWaiters]) waiter();
    },
  };
}

const notFound = (): Answer => rtkError(404, 'Webhook not found');

interface WebhookInputFields {
  name?: string;
  url?: string;
  events?: string[];
  enabled?: boolean;
}

/** The fields of a create (all but `enabled` required) or an edit (any of them). */
function parseWebhookInput(raw: string, complete: boolean): WebhookInputFields | { error: string } {
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return { error: 'The request body is not valid JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { error: 'The request body must be an object' };
  const fields = body as Record<string, unknown>;
  const out: WebhookInputFields = {};
  if (fields.name !== undefined || complete) {
    if (typeof fields.name !== 'string' || fields.name.trim() === '' || fields.name.length > MAX_NAME_LENGTH)
      return { error: 'name must be a non-empty string' };
    out.name = fields.name;
  }
  if (fields.url !== undefined || complete) {
    if (typeof fields.url !== 'string' || fields.url.length > MAX_URL_LENGTH || !isHttpUrl(fields.url))
      return { error: 'url must be an http(s) URL' };
    out.url = fields.url;
  }
  if (fields.events !== undefined || complete) {
    const events = fields.events;
    if (
      !Array.isArray(events) ||
      events.length === 0 ||
      !events.every((e) => (WEBHOOK_EVENTS as readonly unknown[]).includes(e))
    )
      return { error: `events must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}` };
    out.events = [...new Set(events as string[])];
  }
  if (fields.enabled !== undefined) {
    if (typeof fields.enabled !== 'boolean') return { error: 'enabled must be true or false' };
    out.enabled = fields.enabled;
  }
  return out;
}

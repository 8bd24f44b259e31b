/**
 * Registers the bot's webhook with RealtimeKit, idempotently: one `GET /webhooks`, then nothing when a
 * webhook with our URL already sends `livestreaming.statusUpdate` and is enabled, a `PATCH` when one has
 * our URL but not that event or is disabled (other events on it are kept), or a `POST` when none has it.
 */
import type { RealtimeKitClient, WebhookInput } from '../realtimekit/client.js';
import type { Webhook } from '../realtimekit/wire.js';
import { STATUS_UPDATE_EVENT } from './payload.js';

export const WEBHOOK_NAME = 'livestream-chatops';
/** Only status updates: the bot needs nothing else, and every delivery costs a check. */
export const WEBHOOK_EVENTS: readonly string[] = [STATUS_UPDATE_EVENT];

export type RegistrationOutcome = 'created' | 'updated' | 'unchanged';

export interface Registration {
  outcome: RegistrationOutcome;
  /** Ours, as RealtimeKit has it now. */
  webhook: Webhook;
  /** Every webhook of the app after the change, ours included. */
  all: Webhook[];
}

export async function registerWebhook(args: {
  client: Pick<RealtimeKitClient, 'listWebhooks' | 'createWebhook' | 'updateWebhook'>;
  url: string;
  name?: string;
}): Promise<Registration> {
  const { client, url } = args;
  const existing = await client.listWebhooks();
  const ours = existing.find((webhook) => sameUrl(webhook.url, url));
  if (!ours) {
    const input: WebhookInput = {
      name: args.name ?? WEBHOOK_NAME,
      url,
      events: [...WEBHOOK_EVENTS],
      enabled: true,
    };
    const webhook = await client.createWebhook(input);
    return { outcome: 'created', webhook, all: [...existing, webhook] };
  }
  const missing = WEBHOOK_EVENTS.filter((event) => !ours.events.includes(event));
  if (missing.length === 0 && ours.enabled) return { outcome: 'unchanged', webhook: ours, all: existing };
  const webhook = await client.updateWebhook(ours.id, {
    events: [...ours.events, ...missing],
    enabled: true,
  });
  return {
    outcome: 'updated',
    webhook,
    all: existing.map((w) => (w.id === ours.id ? webhook : w)),
  };
}

/** URLs compared as RealtimeKit would post to them: scheme and host in any case, no trailing slash. */
function sameUrl(a: string, b: string): boolean {
  const normal = (value: string) => {
    try {
      const url = new URL(value);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
    } catch {
      return value.replace(/\/+$/, '');
    }
  };
  return normal(a) === normal(b);
}

/** One line per webhook, ours marked: what `npm run webhooks:register` lists. */
export function describeWebhooks(all: readonly Webhook[], ourUrl: string): string[] {
  if (all.length === 0) return ['No webhooks are registered.'];
  return all.map((webhook) => {
    const mark = sameUrl(webhook.url, ourUrl) ? '* ' : '  ';
    const state = webhook.enabled ? 'enabled' : 'disabled';
    const events = webhook.events.length > 0 ? webhook.events.join(', ') : 'no events';
    return `${mark}${webhook.name ?? '(no name)'}  ${webhook.url}  [${state}; ${events}]  id ${webhook.id}`;
  });
}

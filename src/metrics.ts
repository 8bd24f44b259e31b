/**
 * What the bot tells its metrics, as a small interface any part can call without knowing Prometheus:
 * the RealtimeKit client's answers, poll cycles, deliveries, commands and webhook deliveries. `noMetrics`
 * is the default everywhere (METRICS_PORT unset), so a hook costs one empty call. The Prometheus side is
 * src/ops/prometheus.ts, loaded only when metrics are served.
 *
 * Labels are bounded and never secret: platforms, outcomes, error kinds and route templates
 * (`livestreams/:id`). Never a stream name, channel, user or id.
 */
import type { ApiAnswer } from './realtimekit/client.js';
import type { Platform } from './sink.js';

export type WebhookOutcome = 'accepted' | 'refused';

/** What delivery reports (src/notify/delivery.ts). */
export interface DeliveryMetrics {
  /** The platform accepted a message carrying these deliveries; `latenciesMs`: change -> post, one each. */
  delivered(platform: Platform, latenciesMs: readonly number[]): void;
  /** A post or edit failed; `kind` is the SinkError kind (RateLimited, Transient, ...). */
  deliveryFailed(platform: Platform, kind: string): void;
  /** Deliveries given up on (refused message, channel paused, could not be prepared). */
  deliveriesDropped(platform: Platform, count: number): void;
}

export interface Metrics extends DeliveryMetrics {
  /** One HTTP request to RealtimeKit ended (the client's `onResponse`). */
  apiAnswer(answer: ApiAnswer): void;
  /** One poll cycle ended: how long it took, whether it worked. */
  pollCycle(cycle: { durationMs: number; ok: boolean }): void;
  /** The poller recorded status changes (a cycle's, or a webhook hint's check). */
  transitions(count: number): void;
  /** A command was answered on this platform, in this long. */
  command(platform: Platform, durationMs: number): void;
  /**
   * A webhook delivery reached the bot: accepted (signature good, handled) or refused. `reason` is a
   * short fixed word, never input: for a refusal `not-post`, `too-large`, `unsigned`, `bad-signature`,
   * `no-uuid` or `malformed`; `duplicate` for an accepted repeat of a delivery already handled.
   */
  webhook(outcome: WebhookOutcome, reason?: string): void;
}

const nothing = () => {};

/** Metrics off: every hook does nothing. */
export const noMetrics: Metrics = {
  apiAnswer: nothing,
  pollCycle: nothing,
  transitions: nothing,
  command: nothing,
  webhook: nothing,
  delivered: nothing,
  deliveryFailed: nothing,
  deliveriesDropped: nothing,
};

/** Several listeners as one (the Prometheus registry and the readiness tracker). */
export function fanOutMetrics(...targets: Metrics[]): Metrics {
  return {
    apiAnswer: (answer) => targets.forEach((t) => t.apiAnswer(answer)),
    pollCycle: (cycle) => targets.forEach((t) => t.pollCycle(cycle)),
    transitions: (count) => targets.forEach((t) => t.transitions(count)),
    command: (platform, ms) => targets.forEach((t) => t.command(platform, ms)),
    webhook: (outcome, reason) => targets.forEach((t) => t.webhook(outcome, reason)),
    delivered: (platform, latencies) => targets.forEach((t) => t.delivered(platform, latencies)),
    deliveryFailed: (platform, kind) => targets.forEach((t) => t.deliveryFailed(platform, kind)),
    deliveriesDropped: (platform, count) => targets.forEach((t) => t.deliveriesDropped(platform, count)),
  };
}

/** Route templates: the literal segments of the RealtimeKit paths the bot calls; anything else is an id. */
const LITERAL_SEGMENTS = new Set([
  'livestreams',
  'sessions',
  'active-livestream-session',
  'meetings',
  'active-livestream',
  'analytics',
  'overall',
  'daywise',
  'webhooks',
  'stop',
]);

/** `livestreams/4f1e…/active-livestream-session` -> `livestreams/:id/active-livestream-session`. */
export function routeTemplate(path: string): string {
  const segments = path.split('?')[0]!.split('/').filter(Boolean);
  return segments.map((segment) => (LITERAL_SEGMENTS.has(segment) ? segment : ':id')).join('/') || '/';
}

/**
 * The metrics in Prometheus' text format, with prom-client on a registry of our own (not the global
 * one, so tests and a second app in one process never share counts). Names follow Prometheus' guide:
 * a `livestream_chatops_` prefix, `_total` for counters, base units (`_seconds`). Every label value is
 * from a small fixed set (platform, outcome, kind, route template): no id, name or secret.
 * Gauges that describe state (requests in the budget window, deliveries waiting) are read at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Metrics, routeTemplate } from '../metrics.js';
import type { Platform } from '../sink.js';

const PREFIX = 'livestream_chatops_';

/** State read when /metrics is scraped; set once the parts exist. */
export interface PrometheusSources {
  /** Requests of the API token in the budget's window now, and its two ceilings. */
  budget?: { used(): number; pollerLimit: number; tokenLimit: number };
  /** Deliveries waiting to be sent, by platform (absent: none). */
  pending?: () => Promise<ReadonlyMap<Platform, number>>;
  /** Whether this process polls now (with replicas, only the one holding the lease). */
  polling?: () => boolean;
}

export interface PrometheusMetrics extends Metrics {
  readonly contentType: string;
  setSources(sources: PrometheusSources): void;
  /** The exposition text. */
  render(): Promise<string>;
}

export interface PrometheusOptions {
  /** Process metrics (CPU, memory, event loop lag, GC): default true. */
  processMetrics?: boolean;
}

export function createPrometheusMetrics(options: PrometheusOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  let sources: PrometheusSources = {};

  const apiRequests = new Counter({
    name: `${PREFIX}api_requests_total`,
    help: 'HTTP requests to the RealtimeKit API (retries included), by route template and outcome.',
    labelNames: ['method', 'endpoint', 'outcome'] as const,
    registers,
  });
  const apiDuration = new Histogram({
    name: `${PREFIX}api_request_duration_seconds`,
    help: 'Time until the RealtimeKit API answered (headers) or the request failed.',
    labelNames: ['endpoint'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  new Gauge({
    name: `${PREFIX}api_budget_used_requests`,
    help: 'Requests of the API token in the last 5 minutes (poller and commands), as the bot counts them.',
    registers,
    collect() {
      this.set(sources.budget?.used() ?? 0);
    },
  });
  new Gauge({
    name: `${PREFIX}api_budget_limit_requests`,
    help: 'Ceilings on that count: the poller stops at API_REQUEST_BUDGET, commands at API_TOKEN_REQUEST_LIMIT.',
    labelNames: ['ceiling'] as const,
    registers,
    collect() {
      if (!sources.budget) return;
      this.set({ ceiling: 'poller' }, sources.budget.pollerLimit);
      this.set({ ceiling: 'token' }, sources.budget.tokenLimit);
    },
  });
  new Gauge({
    name: `${PREFIX}poller_active`,
    help: 'Whether this process polls now: 1 for one bot, and for the one replica holding the poller lease.',
    registers,
    collect() {
      this.set(sources.polling?.() ? 1 : 0);
    },
  });
  const pollCycles = new Counter({
    name: `${PREFIX}poll_cycles_total`,
    help: 'Poll cycles ended, by outcome (failed: the API or the store failed; the next cycle retries).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const pollDuration = new Histogram({
    name: `${PREFIX}poll_cycle_duration_seconds`,
    help: 'How long a poll cycle took.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const transitions = new Counter({
    name: `${PREFIX}poll_transitions_total`,
    help: 'Status changes the poller found (went live, ended, errored), by its cycles and by webhook hints.',
    registers,
  });
  /** Platforms that had deliveries waiting once: they stay in the gauge, at 0, when none wait. */
  const pendingPlatforms = new Set<Platform>();
  new Gauge({
    name: `${PREFIX}deliveries_pending`,
    help: 'Notifications waiting to be sent to a channel, by platform.',
    labelNames: ['platform'] as const,
    registers,
    async collect() {
      let pending: ReadonlyMap<Platform, number>;
      try {
        pending = (await sources.pending?.()) ?? new Map();
      } catch {
        // The store is closing or failing: /readyz says so; the gauge keeps its last values.
        return;
      }
      for (const platform of pending.keys()) pendingPlatforms.add(platform);
      for (const platform of pendingPlatforms) this.set({ platform }, pending.get(platform) ?? 0);
    },
  });
  const sent = new Counter({
    name: `${PREFIX}deliveries_sent_total`,
    help: 'Notifications the platform accepted (a digest counts each notification it carries).',
    labelNames: ['platform'] as const,
    registers,
  });
  const failed = new Counter({
    name: `${PREFIX}deliveries_failed_total`,
    help: 'Posts and edits that failed, by platform and kind (RateLimited, Transient, Rejected, Permanent, Unauthorized).',
    labelNames: ['platform', 'kind'] as const,
    registers,
  });
  const dropped = new Counter({
    name: `${PREFIX}deliveries_dropped_total`,
    help: 'Notifications given up on (refused message, paused channel, could not be prepared).',
    labelNames: ['platform'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${PREFIX}notification_latency_seconds`,
    help: 'From the status change (as the poller saw it) to the platform accepting the post.',
    labelNames: ['platform'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 3600],
    registers,
  });
  const commands = new Histogram({
    name: `${PREFIX}command_duration_seconds`,
    help: 'From a command reaching the core to its answer being ready, by platform.',
    labelNames: ['platform'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const webhooks = new Counter({
    name: `${PREFIX}webhook_deliveries_total`,
    help: 'RealtimeKit webhook deliveries received, accepted or refused (with a fixed reason word).',
    labelNames: ['outcome', 'reason'] as const,
    registers,
  });

  return {
    contentType: registry.contentType,
    setSources(next) {
      sources = { ...sources, ...next };
    },
    render: () => registry.metrics(),
    apiAnswer({ method, path, outcome, durationMs }) {
      const endpoint = routeTemplate(path);
      apiRequests.inc({ method: method.toUpperCase(), endpoint, outcome });
      apiDuration.observe({ endpoint }, durationMs / 1000);
    },
    pollCycle({ durationMs, ok }) {
      pollCycles.inc({ outcome: ok ? 'ok' : 'failed' });
      pollDuration.observe(durationMs / 1000);
    },
    transitions(found) {
      if (found > 0) transitions.inc(found);
    },
    command(platform, durationMs) {
      commands.observe({ platform }, durationMs / 1000);
    },
    webhook(outcome, reason) {
      webhooks.inc({ outcome, reason: reason ?? '' });
    },
    delivered(platform, latenciesMs) {
      sent.inc({ platform }, latenciesMs.length);
      for (const ms of latenciesMs) latency.observe({ platform }, Math.max(0, ms) / 1000);
    },
    deliveryFailed(platform, kind) {
      failed.inc({ platform, kind });
    },
    deliveriesDropped(platform, count) {
      if (count > 0) dropped.inc({ platform }, count);
    },
  };
}

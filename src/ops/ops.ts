/**
 * Health and metrics for one running app, as startApp sees them: one `metrics` object every part
 * reports to (nothing at all when METRICS_PORT is unset: prom-client is not even loaded), what /readyz
 * watches, and the operators' HTTP server. Started first, so /healthz answers during a slow start and
 * /readyz says "still starting"; a busy METRICS_PORT stops the start before anything else runs.
 */
import type { Clock } from '../clock.js';
import type { Core } from '../core.js';
import type { Logger } from '../log.js';
import { fanOutMetrics, type Metrics, noMetrics } from '../metrics.js';
import type { RequestBudget } from '../notify/budget.js';
import type { NotifyStore } from '../notify/store.js';
import type { Reply } from '../reply.js';
import type { Platform } from '../sink.js';
import { StartupError } from './api-check.js';
import { defaultApiStaleMs, defaultPollerStuckMs, Readiness } from './readiness.js';

export interface OpsOptions {
  /** METRICS_PORT; null: off. 0 picks a free port (tests). */
  port: number | null;
  host?: string;
  clock: Clock;
  log: Logger;
  /** For the readiness thresholds (see readiness.ts). */
  pollIntervalMs: number;
}

export interface Ops {
  readonly enabled: boolean;
  /** What the parts report to. */
  readonly metrics: Metrics;
  /** The port listened on, or null when off. */
  readonly port: number | null;
  /** The state store takes a write (/readyz); `where` names it in the reason ("in DATA_DIR"). */
  watchStore(store: NotifyStore, where: string): void;
  watchBudget(budget: RequestBudget, clock: Clock): void;
  /** A configured platform's connection, for /readyz. */
  watchPlatform(name: string, connected: () => boolean): void;
  /** The poller runs from now on (true), or not (a standby replica): /readyz expects its cycles or not. */
  watchPoller(polling: boolean): void;
  /** The core, timing each command for `command_duration_seconds`. */
  timeCommands(core: Core): Core;
  /** The start finished. */
  markStarted(): void;
  stop(): Promise<void>;
}

const OFF: Ops = {
  enabled: false,
  metrics: noMetrics,
  port: null,
  watchStore: () => {},
  watchBudget: () => {},
  watchPlatform: () => {},
  watchPoller: () => {},
  timeCommands: (core) => core,
  markStarted: () => {},
  stop: async () => {},
};

export async function startOps(options: OpsOptions): Promise<Ops> {
  if (options.port === null) return OFF;
  const { clock, log } = options;
  // Loaded only when served: the terminal demo and a bot without METRICS_PORT never pay for it.
  const { createPrometheusMetrics } = await import('./prometheus.js');
  const { startOpsServer } = await import('./server.js');
  const prometheus = createPrometheusMetrics();
  const readiness = new Readiness({
    clock,
    apiStaleMs: defaultApiStaleMs(options.pollIntervalMs),
    pollerStuckMs: defaultPollerStuckMs(options.pollIntervalMs),
  });
  let server: Awaited<ReturnType<typeof startOpsServer>>;
  try {
    server = await startOpsServer({
      port: options.port,
      ...(options.host !== undefined ? { host: options.host } : {}),
      readiness,
      metrics: prometheus,
      log,
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new StartupError(
      `could not listen on METRICS_PORT ${options.port}${typeof code === 'string' ? ` (${code})` : ''}: set METRICS_PORT to a free port, or unset it`,
      { cause: error },
    );
  }
  const metrics = fanOutMetrics(prometheus, readiness.metrics);
  return {
    enabled: true,
    metrics,
    port: server.port,
    watchStore(store, where) {
      readiness.watchStore(store, where);
      prometheus.setSources({ pending: () => store.countPendingByPlatform() });
    },
    watchBudget(budget, budgetClock) {
      prometheus.setSources({
        budget: {
          used: () => budget.used(budgetClock.monotonic()),
          pollerLimit: budget.limit,
          tokenLimit: budget.tokenLimit,
        },
      });
    },
    watchPlatform(name, connected) {
      readiness.addCheck(name, () =>
        connected() ? { ok: true } : { ok: false, reason: `not connected to ${name}` },
      );
    },
    watchPoller(polling) {
      readiness.watchPoller(polling);
      prometheus.setSources({ polling: () => polling });
    },
    timeCommands(core) {
      const time = async (platform: Platform, run: () => Promise<Reply>): Promise<Reply> => {
        const started = clock.monotonic();
        try {
          return await run();
        } finally {
          metrics.command(platform, clock.monotonic() - started);
        }
      };
      return {
        replyToText: (text, context) => time(context.platform, () => core.replyToText(text, context)),
        replyToCommand: (command, context) =>
          time(context.platform, () => core.replyToCommand(command, context)),
      };
    },
    markStarted: () => readiness.markStarted(),
    stop: () => server.close(),
  };
}

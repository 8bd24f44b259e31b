/**
 * The settings this part of the bot reads beside `loadConfig`: DEMO (may a chat platform run on the
 * emulator's made-up livestreams) and METRICS_PORT (where /healthz, /readyz and /metrics are served).
 * Declared in src/settings.ts like every other; read here until Config carries them.
 */
import type { Config } from '../config.js';
import { type Env, readSettings } from '../settings.js';

export interface OpsSettings {
  /** DEMO=1: Slack or Discord may run without Cloudflare credentials, every answer marked DEMO. */
  allowDemo: boolean;
  /** METRICS_PORT, or null when unset (nothing is served). */
  metricsPort: number | null;
}

const YES = new Set(['1', 'true', 'yes']);
const MAX_PORT = 65_535;

/** The values, and the problems found (worded like loadConfig's, to be shown with them). */
export function readOpsSettings(env: Env): { settings: OpsSettings; problems: string[] } {
  const reader = readSettings(env);
  const demo = reader.get('DEMO');
  const rawPort = reader.get('METRICS_PORT');
  let metricsPort: number | null = rawPort === null ? null : Number(rawPort);
  if (metricsPort !== null && metricsPort > MAX_PORT) {
    reader.reject('METRICS_PORT', 'be a port number from 1 to 65535');
    metricsPort = null;
  }
  if (reader.isWrong('METRICS_PORT')) metricsPort = null;
  return {
    settings: { allowDemo: demo !== null && YES.has(demo), metricsPort },
    problems: [...reader.problems],
  };
}

/**
 * The problem when METRICS_PORT is the port the bot's public HTTP server listens on (PORT, for Slack's
 * HTTP mode or webhooks): they cannot share it, and health and metrics must stay off the public
 * ingress. Null when they differ or nothing listens on PORT.
 */
export function metricsPortProblem(metricsPort: number | null, config: Config): string | null {
  const onPort = [
    config.slack !== null && config.slack.appToken === null ? "Slack's HTTP mode" : null,
    config.webhooks ? 'RealtimeKit webhooks (PUBLIC_URL)' : null,
  ].filter((what): what is string => what !== null);
  if (metricsPort === null || onPort.length === 0) return null;
  // The one HTTP server listens on the webhooks' PORT, else Slack's (both read PORT).
  const port = config.webhooks?.port ?? config.slack?.port;
  if (port !== metricsPort) return null;
  return `METRICS_PORT (${metricsPort}) is also PORT, where ${onPort.join(' and ')} ${onPort.length > 1 ? 'are' : 'is'} served: give METRICS_PORT a port of its own, kept off the public ingress`;
}

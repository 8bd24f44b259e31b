/**
 * Process entry point: read configuration once, start the app, stop cleanly on signals. What goes wrong
 * at start is told in plain sentences on stderr (not JSON log records): a configuration problem, an
 * unusable DATA_DIR, or a start-up failure with what to do. A SIGINT/SIGTERM is honoured at any stage,
 * during a slow start too.
 */
import dotenv from 'dotenv';
import { startApp } from './app.js';
import { type Config, ConfigError, loadConfig, secretsOf } from './config.js';
import { createLogger, type Logger, redactText } from './log.js';
import { PgStoreOpenError } from './notify/pg-errors.js';
import { StoreOpenError } from './notify/sqlite-store.js';
import { StartAborted } from './ops/abort.js';
import { metricsPortProblem, readOpsSettings } from './ops/ops-settings.js';

const CONFIG_HINT = 'Every setting is described in docs/configuration.md (and .env.example).';

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  const ops = readOpsSettings(process.env);
  let config: Config | null = null;
  let problems = ops.problems;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = [...error.problems, ...ops.problems];
  }
  const portProblem = config && metricsPortProblem(ops.settings.metricsPort, config);
  if (portProblem) problems = [...problems, portProblem];
  if (config === null || problems.length > 0) {
    // Every problem at once, loadConfig's and the ops settings' together.
    process.stderr.write(`${new ConfigError(problems).message}\n${CONFIG_HINT}\n`);
    return 1;
  }
  const platformsConfigured = config.slack !== null || config.discord !== null;
  // Under the terminal chat, info logs would drown the conversation: default to warnings there.
  const log = createLogger({
    level: config.logLevel ?? (platformsConfigured ? 'info' : 'warn'),
    secrets: secretsOf(config),
  });
  // Listen before starting: a Ctrl-C during a slow start (a hanging Discord) stops it at once. Only the
  // first signal is ours: a second one finds no listener and ends the process the default way.
  const abort = new AbortController();
  const stop = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        log.info('stop signal received', { signal });
        abort.abort();
        resolve();
      });
    }
  });
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, log, {
      stdin: process.stdin,
      stdout: process.stdout,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      signal: abort.signal,
      allowDemo: ops.settings.allowDemo,
      metricsPort: ops.settings.metricsPort,
    });
  } catch (error) {
    return startFailed(error, config, log);
  }

  try {
    await Promise.race([app.done, stop]);
  } finally {
    // Even when the chat failed: the store is closed and the demo's temp dir removed.
    await app.stop();
  }
  return 0;
}

/** Why the start failed, as sentences on stderr (startApp has already undone what it started). */
function startFailed(error: unknown, config: Config, log: Logger): number {
  if (error instanceof StartAborted) {
    log.info('stopped during start-up: nothing is left running');
    return 0;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n${CONFIG_HINT}\n`);
    return 1;
  }
  if (error instanceof StoreOpenError || error instanceof PgStoreOpenError) {
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Start-up failed: ${redactText(message, secretsOf(config))}\n`);
  // The stack is for a bug report, not for the operator's first read.
  log.debug('start-up failure details', { error, stack: error instanceof Error ? error.stack : undefined });
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`livestream-chatops stopped on an unexpected error: ${redactText(message, [])}\n`);
    process.exit(1);
  },
);

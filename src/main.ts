/** Process entry point: read configuration once, start the app, stop cleanly on signals. */
import dotenv from 'dotenv';
import { startApp } from './app.js';
import { ConfigError, loadConfig, secretsOf } from './config.js';
import { createLogger } from './log.js';
import { StoreOpenError } from './notify/sqlite-store.js';

async function main(): Promise<number> {
  dotenv.config({ quiet: true });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nEvery setting is described in docs/configuration.md (and .env.example).\n`);
      return 1;
    }
    throw error;
  }
  const platformsConfigured = config.slack !== null || config.discord !== null;
  // Under the terminal chat, info logs would drown the conversation: default to warnings there.
  const log = createLogger({
    level: config.logLevel ?? (platformsConfigured ? 'info' : 'warn'),
    secrets: secretsOf(config),
  });
  // Listen before starting: a Ctrl-C during a slow start still stops cleanly once started.
  const stop = new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  let app: Awaited<ReturnType<typeof startApp>>;
  try {
    app = await startApp(config, log, {
      stdin: process.stdin,
      stdout: process.stdout,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    });
  } catch (error) {
    if (error instanceof StoreOpenError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  await Promise.race([app.done, stop]);
  await app.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const log = createLogger({ level: 'error' });
    log.error('start-up failed', { error });
    process.exit(1);
  },
);

/**
 * `npm run webhooks:register`: registers (or repairs) the bot's RealtimeKit webhook at
 * `PUBLIC_URL/webhooks/realtimekit` and lists every webhook of the app. Reads the same configuration as
 * `npm start` (environment and `.env`); safe to run on every deploy.
 */
import { pathToFileURL } from 'node:url';
import dotenv from 'dotenv';
import { ConfigError, type Env, loadConfig } from '../config.js';
import { createRealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import { describeWebhooks, registerWebhook } from './register.js';

export interface WebhookRegisterCliArgs {
  env: Env;
  /** Where messages go (stderr in the CLI). */
  write: (line: string) => void;
}

const OUTCOME_TEXT = {
  created: 'Registered the webhook',
  updated: 'Updated the webhook (enabled, with livestreaming.statusUpdate)',
  unchanged: 'The webhook was already registered',
} as const;

/** Returns the exit code: 0 registered, 1 RealtimeKit refused or failed, 2 not configured. */
export async function runWebhookRegisterCli({ env, write }: WebhookRegisterCliArgs): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    write(`${error.message}\nEvery setting is described in docs/configuration.md.`);
    return 2;
  }
  if (config.realtimekit.mode !== 'api') {
    write(
      'RealtimeKit is not configured: set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID. See docs/webhooks.md.',
    );
    return 2;
  }
  if (!config.webhooks) {
    write(
      "PUBLIC_URL is not set: set it to the bot's public https:// address, where RealtimeKit can reach PUBLIC_URL/webhooks/realtimekit. See docs/webhooks.md.",
    );
    return 2;
  }
  // No retries: a deploy step should fail fast and say why, not hang.
  const client = createRealtimeKitClient({ ...config.realtimekit, retries: 0 });
  try {
    const registration = await registerWebhook({ client, url: config.webhooks.url });
    write(`${OUTCOME_TEXT[registration.outcome]}: ${registration.webhook.url}`);
    write('Webhooks of this app (* is the bot’s):');
    for (const line of describeWebhooks(registration.all, config.webhooks.url)) write(line);
    return 0;
  } catch (error) {
    const reason = isRealtimeKitError(error) ? error.message : 'unexpected error';
    write(`Could not register the webhook: ${reason}`);
    return 1;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  dotenv.config({ quiet: true });
  runWebhookRegisterCli({ env: process.env, write: (line) => process.stderr.write(`${line}\n`) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `webhooks:register failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

/**
 * `npm run state:to-postgres`: copies the notification state from SQLite under DATA_DIR into the
 * PostgreSQL database at DATABASE_URL (see copy-state.ts), then says what it copied. Reads both settings
 * as `npm start` does (the environment, then `.env`; the same defaults and checks). Run it with the bot
 * stopped: a bot still holding DATA_DIR makes it refuse. See docs/operations.md.
 */
import { pathToFileURL } from 'node:url';
import dotenv from 'dotenv';
import { ConfigError } from '../config.js';
import { createLogger } from '../log.js';
import { type Env, readSettings } from '../settings.js';
import {
  type CopiedTableName,
  COPIED_TABLES,
  type CopyOutcome,
  CopyStateError,
  copySqliteToPostgres,
  plural,
} from './copy-state.js';
import { passwordsOf } from './database-url.js';
import { redactDatabaseUrl, withoutPasswords } from './pg-errors.js';
import { STATE_FILE } from './sqlite-store.js';

export interface CopyStateCliArgs {
  env: Env;
  /** The summary (stdout in the CLI). */
  out: (line: string) => void;
  /** Refusals and problems (stderr in the CLI). */
  err: (line: string) => void;
}

/** What each table's rows are to the operator, singular and plural. */
const TABLE_TEXT: Record<CopiedTableName, [string, string]> = {
  stream_status: ['livestream status', 'livestream statuses'],
  subscription: ['subscription', 'subscriptions'],
  meta: ['meta row (baseline, key prefix, alerts)', 'meta rows (baseline, key prefix, alerts)'],
  event: ['event to announce', 'events to announce'],
  delivery: ['pending delivery', 'pending deliveries'],
  stream_post: ['stream post', 'stream posts'],
  channel_failure: ['channel failing', 'channels failing'],
  input_claim: ['input already handled', 'inputs already handled'],
  stream_hint: ['livestream to check (webhook hint)', 'livestreams to check (webhook hints)'],
};

/** Returns the exit code: 0 copied (or nothing to copy), 1 refused or failed, 2 not configured. */
export async function runCopyStateCli({ env, out, err }: CopyStateCliArgs): Promise<number> {
  const settings = readSettings(env);
  const dataDir = settings.get('DATA_DIR');
  const databaseUrl = settings.get('DATABASE_URL');
  if (databaseUrl === null && !settings.isWrong('DATABASE_URL'))
    settings.missing(
      'DATABASE_URL',
      'set it to the PostgreSQL database to copy the state into (postgres://user:password@host:5432/database), in the environment or .env',
    );
  if (databaseUrl === null || settings.problems.length > 0) {
    err(
      `${new ConfigError([...settings.problems]).message}\nSee docs/operations.md (Moving from SQLite to PostgreSQL).`,
    );
    return 2;
  }
  // Warnings only (a pooled connection that broke); the summary says the rest.
  const log = createLogger({ level: 'warn', secrets: passwordsOf(databaseUrl) });
  let outcome: CopyOutcome;
  try {
    outcome = await copySqliteToPostgres({ dataDir, databaseUrl, log });
  } catch (error) {
    if (!(error instanceof CopyStateError)) throw error;
    err(error.message);
    return 1;
  }
  for (const line of describeOutcome(outcome, redactDatabaseUrl(databaseUrl))) out(line);
  return 0;
}

/** The summary, in lines. */
function describeOutcome(outcome: CopyOutcome, database: string): string[] {
  if (outcome.kind === 'nothing') {
    const why =
      outcome.why === 'no-state'
        ? `holds no notification state (no ${STATE_FILE})`
        : 'holds a notification state with nothing in it';
    return [
      `DATA_DIR ${outcome.dataDir} ${why}: nothing to copy, nothing written to DATABASE_URL ${database}. If the state is elsewhere, set DATA_DIR to that folder.`,
    ];
  }
  const lines = [
    `Copied the notification state of DATA_DIR ${outcome.dataDir} into DATABASE_URL ${database}:`,
  ];
  for (const table of COPIED_TABLES) {
    const [one, many] = TABLE_TEXT[table];
    lines.push(`  ${outcome.copied[table]} ${outcome.copied[table] === 1 ? one : many}`);
  }
  const { deliveries, events } = outcome.historyLeft;
  const notCopied: string[] = [];
  if (deliveries + events > 0) {
    const history = [
      plural(deliveries, 'done or dropped delivery', 'done or dropped deliveries'),
      plural(events, 'event'),
    ];
    notCopied.push(`${history.filter(Boolean).join(' and ')} of the past (history; it stays in DATA_DIR)`);
  }
  notCopied.push(
    'who polls and who sends where (leases, channel claims, request counts): replicas take their own',
  );
  lines.push(
    `Not copied: ${notCopied.join('; ')}.`,
    'Next: start the bot with DATABASE_URL set. DATA_DIR is kept as a backup, marked as moved: a bot started on it refuses (it would announce the same changes a second time).',
  );
  return lines;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  dotenv.config({ quiet: true });
  runCopyStateCli({
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Not a refusal with a sentence: something unexpected. Its message may quote the URL.
      const message = error instanceof Error ? error.message : String(error);
      const url = process.env.DATABASE_URL;
      process.stderr.write(`state:to-postgres failed: ${url ? withoutPasswords(message, url) : message}\n`);
      process.exit(1);
    },
  );
}

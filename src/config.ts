/**
 * All configuration, read from the environment (and `.env` through dotenv, in main.ts) and validated
 * once at start-up. A problem stops the start with one message naming each wrong variable.
 * Each setting is declared once in src/settings.ts (type, default, description), which also generates
 * `.env.example` and docs/configuration.md; this file holds the rules between settings and the shape
 * the rest of the bot reads.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CLOUDFLARE_REQUEST_LIMIT } from './notify/budget.js';
import { passwordsOf } from './notify/database-url.js';
import { type Env, readSettings, SETTINGS, type SettingsReader } from './settings.js';
import { readWebhooks, type WebhooksConfig } from './webhooks/config.js';

export type { Env } from './settings.js';

export type LogLevel = (typeof SETTINGS.LOG_LEVEL.choices)[number];

export type RealtimeKitConfig =
  | { mode: 'api'; baseUrl: string; accountId: string; appId: string; apiToken: string }
  /** No Cloudflare credentials at all: the embedded emulator stands in for the API. */
  | { mode: 'demo' };

export interface SlackConfig {
  botToken: string;
  /** HTTP mode: verifies request signatures. Required unless `appToken` (Socket Mode) is set. */
  signingSecret: string | null;
  /** Socket Mode when set (xapp-…). */
  appToken: string | null;
  apiUrl: string | null;
  port: number;
  notifyChannel: string | null;
  /** User ids allowed to change subscriptions; empty: everyone. */
  managers: string[];
  /** User ids allowed to start, stop and create livestreams; empty or absent: the managers. */
  operators?: string[];
}

export interface DiscordConfig {
  botToken: string;
  applicationId: string;
  guildId: string | null;
  apiUrl: string | null;
  notifyChannel: string | null;
  /** Role ids allowed to change subscriptions (Manage Channels always may); empty: everyone. */
  managerRoles: string[];
  /** Role ids allowed to start, stop and create livestreams (and Manage Channels); empty or absent: the manager roles. */
  operatorRoles?: string[];
  /** Interactions over HTTP (DISCORD_PUBLIC_KEY set); null or absent: over the gateway. */
  interactions?: DiscordInteractionsConfig | null;
}

/** Discord posts interactions to the Interactions Endpoint URL, on the bot's HTTP server. */
export interface DiscordInteractionsConfig {
  /** DISCORD_PUBLIC_KEY: the application's Ed25519 public key, 64 hex characters. */
  publicKey: string;
  /** PORT: the bot's HTTP server listens there. */
  port: number;
}

export interface NotifyConfig {
  pollIntervalSeconds: number;
  requestBudget: number;
  dataDir: string;
  /** DATABASE_URL: the state in PostgreSQL, shared by replicas; absent or null: SQLite under `dataDir`. */
  databaseUrl?: string | null;
  /** REPLICA_ID, read only with `databaseUrl`: this replica's name in the shared state (default: `defaultReplicaId`). */
  replicaId?: string;
  cooldownSeconds: number;
  alertAfterSeconds: number;
  /** DELIVERY_GIVE_UP_HOURS (default 24 when a Config is written in code without it). */
  deliveryGiveUpHours?: number;
  /** NOTIFY_RETENTION_DAYS (default 7 likewise). */
  retentionDays?: number;
}

/**
 * How much the bot lets people and itself ask of the RealtimeKit API (see notify/budget.ts for how the
 * token's 5-minute window is shared between the poller and commands).
 */
export interface LimitsConfig {
  /** API_TOKEN_REQUEST_LIMIT: requests per 5 minutes for the whole token; commands are refused past it. */
  tokenRequestLimit: number;
  /** USER_COMMANDS_PER_MINUTE: commands that call the API, per person. */
  userCommandsPerMinute: number;
  /** USER_CREATES_PER_10_MINUTES: livestreams made (create, start) per person, on top of the command limit. */
  userCreatesPer10Minutes: number;
}

export const DEFAULT_LIMITS = {
  tokenRequestLimit: SETTINGS.API_TOKEN_REQUEST_LIMIT.default,
  userCommandsPerMinute: SETTINGS.USER_COMMANDS_PER_MINUTE.default,
  userCreatesPer10Minutes: SETTINGS.USER_CREATES_PER_10_MINUTES.default,
} as const satisfies LimitsConfig;

export interface Config {
  realtimekit: RealtimeKitConfig;
  /** null: LOG_LEVEL unset; the app picks (info, or warn under the terminal chat so logs don't drown it). */
  logLevel: LogLevel | null;
  slack: SlackConfig | null;
  discord: DiscordConfig | null;
  notify: NotifyConfig;
  /** loadConfig always fills it; a Config written in code (tests) may leave it out for the defaults. */
  limits?: LimitsConfig;
  /** RealtimeKit webhooks, on when PUBLIC_URL is set; null or absent: the bot polls only. */
  webhooks?: WebhooksConfig | null;
}

export const DEFAULT_API_BASE_URL = SETTINGS.CLOUDFLARE_API_BASE_URL.default;

/** Whether requests go to Cloudflare itself (whose per-token limit then applies), not an emulator. */
function isCloudflareApi(baseUrl: string): boolean {
  return new URL(baseUrl).hostname.endsWith('cloudflare.com');
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(
      `Configuration problem${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** POLL_INTERVAL_SECONDS when unset. */
export const DEFAULT_POLL_INTERVAL_SECONDS = SETTINGS.POLL_INTERVAL_SECONDS.default;

/** Secrets the logger must never print; filled by loadConfig. */
export function secretsOf(config: Config): string[] {
  const secrets: (string | null | undefined)[] = [
    config.realtimekit.mode === 'api' ? config.realtimekit.apiToken : null,
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.discord?.botToken,
    config.notify.databaseUrl,
    // A driver's error may quote a URL's password alone, decoded.
    ...passwordsOf(config.notify.databaseUrl),
  ];
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * Host name, process id and a random part: containers often all run as PID 1, and a replica restarted
 * on the same host must not pass for the one before it (whose lease and claims may still run).
 */
export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function loadConfig(env: Env): Config {
  const settings = readSettings(env);
  const realtimekit = readRealtimeKit(settings);
  const logLevel = settings.get('LOG_LEVEL');
  const slack = readSlack(settings);
  const discord = readDiscord(settings);
  const notify: NotifyConfig = {
    pollIntervalSeconds: settings.get('POLL_INTERVAL_SECONDS'),
    requestBudget: settings.get('API_REQUEST_BUDGET'),
    dataDir: settings.get('DATA_DIR'),
    databaseUrl: settings.get('DATABASE_URL'),
    // Only replicas have a name in the shared state: a bot on SQLite ignores it, and is not refused for it.
    ...(settings.isSet('DATABASE_URL') && settings.isSet('REPLICA_ID')
      ? { replicaId: settings.get('REPLICA_ID')! }
      : {}),
    cooldownSeconds: settings.get('NOTIFY_COOLDOWN_SECONDS'),
    alertAfterSeconds: settings.get('API_ALERT_AFTER_SECONDS'),
    deliveryGiveUpHours: settings.get('DELIVERY_GIVE_UP_HOURS'),
    retentionDays: settings.get('NOTIFY_RETENTION_DAYS'),
  };
  const limits = readLimits(settings);
  const webhooks = readWebhooks(settings);
  if (
    !settings.isWrong('API_REQUEST_BUDGET') &&
    !settings.isWrong('API_TOKEN_REQUEST_LIMIT') &&
    notify.requestBudget >= limits.tokenRequestLimit
  ) {
    settings.report(
      `API_REQUEST_BUDGET (${notify.requestBudget}) must be below API_TOKEN_REQUEST_LIMIT (${limits.tokenRequestLimit}): the poller stops at the first, commands at the second, so the difference is what commands always have`,
    );
  }

  if (settings.problems.length > 0) throw new ConfigError([...settings.problems]);
  return { realtimekit, logLevel, slack, discord, notify, limits, webhooks };
}

const CLOUDFLARE_CREDENTIALS = [
  'CLOUDFLARE_API_TOKEN',
  'CLOUDFLARE_ACCOUNT_ID',
  'REALTIMEKIT_APP_ID',
] as const;

/** All three credentials, or none (demo). */
function readRealtimeKit(settings: SettingsReader): RealtimeKitConfig {
  // Read even in the demo: the token limit's ceiling depends on it (see readLimits).
  const baseUrl = settings.get('CLOUDFLARE_API_BASE_URL');
  if (!CLOUDFLARE_CREDENTIALS.some((name) => settings.isSet(name))) return { mode: 'demo' };
  for (const name of CLOUDFLARE_CREDENTIALS) {
    if (!settings.isSet(name)) {
      settings.missing(
        name,
        'set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID together (or none of them for the demo)',
      );
    }
  }
  const accountId = settings.get('CLOUDFLARE_ACCOUNT_ID');
  const appId = settings.get('REALTIMEKIT_APP_ID');
  const apiToken = settings.get('CLOUDFLARE_API_TOKEN');
  if (apiToken === null || accountId === null || appId === null) return { mode: 'demo' };
  return { mode: 'api', baseUrl, apiToken, accountId, appId };
}

/** Configured when any of its credentials is set. */
function readSlack(settings: SettingsReader): SlackConfig | null {
  const credentials = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'] as const;
  if (!credentials.some((name) => settings.isSet(name))) {
    if (settings.isSet('SLACK_NOTIFY_CHANNEL')) {
      settings.report(
        'SLACK_NOTIFY_CHANNEL is set but Slack is not, so nothing would be posted there: set SLACK_BOT_TOKEN (with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET), or remove SLACK_NOTIFY_CHANNEL',
      );
    }
    return null;
  }
  const botToken = settings.get('SLACK_BOT_TOKEN');
  if (!settings.isSet('SLACK_BOT_TOKEN')) settings.missing('SLACK_BOT_TOKEN');
  const appToken = settings.get('SLACK_APP_TOKEN');
  const signingSecret = settings.get('SLACK_SIGNING_SECRET');
  // Socket Mode when an app token is given, even a wrong one (that is its own problem).
  const httpMode = !settings.isSet('SLACK_APP_TOKEN');
  if (httpMode && signingSecret === null) settings.missing('SLACK_SIGNING_SECRET');
  // PORT is read only by what listens on it, Slack's HTTP mode and webhooks (PUBLIC_URL): a bad PORT
  // must not stop a bot that listens nowhere.
  const port = httpMode || settings.isSet('PUBLIC_URL') ? settings.get('PORT') : SETTINGS.PORT.default;
  const apiUrl = settings.get('SLACK_API_URL');
  if (botToken === null) return null;
  return {
    botToken,
    signingSecret,
    appToken,
    apiUrl,
    port,
    notifyChannel: settings.get('SLACK_NOTIFY_CHANNEL'),
    managers: settings.get('SLACK_SUBSCRIPTION_MANAGERS'),
    operators: settings.get('SLACK_OPERATORS'),
  };
}

/** Configured when the token or the application id is set. */
function readDiscord(settings: SettingsReader): DiscordConfig | null {
  if (!settings.isSet('DISCORD_BOT_TOKEN') && !settings.isSet('DISCORD_APPLICATION_ID')) {
    if (settings.isSet('DISCORD_NOTIFY_CHANNEL')) {
      settings.report(
        'DISCORD_NOTIFY_CHANNEL is set but Discord is not, so nothing would be posted there: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID, or remove DISCORD_NOTIFY_CHANNEL',
      );
    }
    if (settings.isSet('DISCORD_PUBLIC_KEY')) {
      settings.report(
        'DISCORD_PUBLIC_KEY is set but Discord is not, so no interaction would be answered: set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID, or remove DISCORD_PUBLIC_KEY',
      );
    }
    return null;
  }
  const botToken = settings.get('DISCORD_BOT_TOKEN');
  if (botToken === null) settings.missing('DISCORD_BOT_TOKEN');
  const applicationId = settings.get('DISCORD_APPLICATION_ID');
  if (!settings.isSet('DISCORD_APPLICATION_ID')) settings.missing('DISCORD_APPLICATION_ID');
  const guildId = settings.get('DISCORD_GUILD_ID');
  const apiUrl = settings.get('DISCORD_API_URL');
  const publicKey = settings.get('DISCORD_PUBLIC_KEY');
  if (botToken === null || applicationId === null) return null;
  return {
    // Over HTTP only with a key: the gateway needs no PORT (a bad one must not stop it).
    ...(publicKey !== null ? { interactions: { publicKey, port: settings.get('PORT') } } : {}),
    // People paste the Authorization header's value; discord.js adds "Bot " itself.
    botToken: botToken.replace(/^Bot\s+/i, ''),
    applicationId,
    guildId,
    apiUrl,
    notifyChannel: settings.get('DISCORD_NOTIFY_CHANNEL'),
    managerRoles: settings.get('DISCORD_SUBSCRIPTION_ROLES'),
    operatorRoles: settings.get('DISCORD_OPERATOR_ROLES'),
  };
}

function readLimits(settings: SettingsReader): LimitsConfig {
  const tokenRequestLimit = settings.get('API_TOKEN_REQUEST_LIMIT');
  // Cloudflare's limit binds Cloudflare's API only: a local emulator or test server has none.
  if (
    tokenRequestLimit > CLOUDFLARE_REQUEST_LIMIT &&
    isCloudflareApi(settings.get('CLOUDFLARE_API_BASE_URL'))
  ) {
    settings.reject(
      'API_TOKEN_REQUEST_LIMIT',
      `be at most ${CLOUDFLARE_REQUEST_LIMIT} requests per 5 minutes (Cloudflare blocks the token past that)`,
    );
  }
  return {
    tokenRequestLimit: settings.get('API_TOKEN_REQUEST_LIMIT'),
    userCommandsPerMinute: settings.get('USER_COMMANDS_PER_MINUTE'),
    userCreatesPer10Minutes: settings.get('USER_CREATES_PER_10_MINUTES'),
  };
}

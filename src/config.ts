/**
 * All configuration, read from the environment (and `.env` through dotenv, in main.ts) and validated
 * once at start-up. A problem stops the start with one message naming each wrong variable.
 * Every variable here is documented in `.env.example` and the README.
 */
import { CLOUDFLARE_REQUEST_LIMIT, DEFAULT_TOKEN_REQUEST_LIMIT } from './notify/budget.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

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
}

export interface DiscordConfig {
  botToken: string;
  applicationId: string;
  guildId: string | null;
  apiUrl: string | null;
  notifyChannel: string | null;
  /** Role ids allowed to change subscriptions (Manage Channels always may); empty: everyone. */
  managerRoles: string[];
}

export interface NotifyConfig {
  pollIntervalSeconds: number;
  requestBudget: number;
  dataDir: string;
  cooldownSeconds: number;
  alertAfterSeconds: number;
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
  /** USER_CREATES_PER_10_MINUTES: creates per person, on top of the command limit. */
  userCreatesPer10Minutes: number;
}

export const DEFAULT_LIMITS = {
  tokenRequestLimit: DEFAULT_TOKEN_REQUEST_LIMIT,
  userCommandsPerMinute: 20,
  userCreatesPer10Minutes: 3,
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
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_API_BASE_URL = 'https://api.cloudflare.com/client/v4';

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
export const DEFAULT_POLL_INTERVAL_SECONDS = 15;

/** Secrets the logger must never print; filled by loadConfig. */
export function secretsOf(config: Config): string[] {
  const secrets: (string | null | undefined)[] = [
    config.realtimekit.mode === 'api' ? config.realtimekit.apiToken : null,
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.discord?.botToken,
  ];
  return secrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
}

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const read = (name: string): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  /** Numbers that were set but wrong: checks between two numbers skip them (one problem is enough). */
  const badNumbers = new Set<string>();
  const number = (
    name: string,
    fallback: number,
    check: (n: number) => boolean,
    expected: string,
  ): number => {
    const raw = read(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || !check(value)) {
      problems.push(`${name} must be ${expected} (got "${raw}")`);
      badNumbers.add(name);
      return fallback;
    }
    return value;
  };
  const url = (name: string): string | null => {
    const raw = read(name);
    if (raw === null) return null;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} must be an http(s) URL (got "${raw}")`);
      return null;
    }
  };
  const list = (name: string): string[] =>
    (read(name) ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);

  // RealtimeKit: all three credentials, or none (demo).
  const cf = {
    CLOUDFLARE_API_TOKEN: read('CLOUDFLARE_API_TOKEN'),
    CLOUDFLARE_ACCOUNT_ID: read('CLOUDFLARE_ACCOUNT_ID'),
    REALTIMEKIT_APP_ID: read('REALTIMEKIT_APP_ID'),
  };
  const baseUrl = url('CLOUDFLARE_API_BASE_URL') ?? DEFAULT_API_BASE_URL;
  let realtimekit: RealtimeKitConfig = { mode: 'demo' };
  const given = Object.entries(cf).filter(([, v]) => v !== null);
  if (given.length > 0) {
    for (const [name, value] of Object.entries(cf)) {
      if (value === null) {
        problems.push(
          `${name} is missing: set CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and REALTIMEKIT_APP_ID together (or none of them for the demo)`,
        );
      }
    }
    for (const name of ['CLOUDFLARE_ACCOUNT_ID', 'REALTIMEKIT_APP_ID'] as const) {
      const value = cf[name];
      if (value !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(value)) {
        problems.push(
          `${name} must be at most 32 letters, digits, "-" or "_" (got ${value.length} characters)`,
        );
      }
    }
    if (cf.CLOUDFLARE_API_TOKEN !== null && /\s/.test(cf.CLOUDFLARE_API_TOKEN)) {
      problems.push('CLOUDFLARE_API_TOKEN must not contain spaces (paste the token alone, without "Bearer")');
    }
    if (cf.CLOUDFLARE_API_TOKEN && cf.CLOUDFLARE_ACCOUNT_ID && cf.REALTIMEKIT_APP_ID) {
      realtimekit = {
        mode: 'api',
        baseUrl,
        apiToken: cf.CLOUDFLARE_API_TOKEN,
        accountId: cf.CLOUDFLARE_ACCOUNT_ID,
        appId: cf.REALTIMEKIT_APP_ID,
      };
    }
  }

  const logLevels: LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const logLevelRaw = read('LOG_LEVEL')?.toLowerCase() ?? null;
  const logLevel = logLevels.find((level) => level === logLevelRaw) ?? null;
  if (logLevelRaw !== null && logLevel === null) {
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')} (got "${logLevelRaw}")`);
  }

  // Slack: configured when any of its credentials is set.
  let slack: SlackConfig | null = null;
  const slackBot = read('SLACK_BOT_TOKEN');
  const slackSecret = read('SLACK_SIGNING_SECRET');
  const slackApp = read('SLACK_APP_TOKEN');
  const port = number(
    'PORT',
    3000,
    (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
    'a port number from 0 to 65535',
  );
  const slackApiUrl = url('SLACK_API_URL');
  if (slackBot || slackSecret || slackApp) {
    if (!slackBot)
      problems.push(
        'SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-…) from the app’s OAuth & Permissions page',
      );
    else if (!slackBot.startsWith('xoxb-'))
      problems.push('SLACK_BOT_TOKEN must be a bot token starting with "xoxb-"');
    if (slackApp && !slackApp.startsWith('xapp-'))
      problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-"');
    if (!slackApp && !slackSecret) {
      problems.push(
        'SLACK_SIGNING_SECRET is missing: set it for HTTP mode, or set SLACK_APP_TOKEN (xapp-…) for Socket Mode',
      );
    }
    if (slackBot) {
      slack = {
        botToken: slackBot,
        signingSecret: slackSecret,
        appToken: slackApp,
        apiUrl: slackApiUrl,
        port,
        notifyChannel: read('SLACK_NOTIFY_CHANNEL'),
        managers: list('SLACK_SUBSCRIPTION_MANAGERS'),
      };
    }
  }

  let discord: DiscordConfig | null = null;
  const discordBot = read('DISCORD_BOT_TOKEN');
  const discordApp = read('DISCORD_APPLICATION_ID');
  const discordGuild = read('DISCORD_GUILD_ID');
  const discordApiUrl = url('DISCORD_API_URL');
  const snowflake = /^\d{15,21}$/;
  if (discordBot || discordApp) {
    if (!discordBot)
      problems.push('DISCORD_BOT_TOKEN is missing: copy it from the Bot page of your Discord application');
    if (!discordApp)
      problems.push(
        'DISCORD_APPLICATION_ID is missing: copy the Application ID from the General Information page',
      );
    else if (!snowflake.test(discordApp))
      problems.push(`DISCORD_APPLICATION_ID must be a numeric id (got "${discordApp}")`);
    if (discordGuild && !snowflake.test(discordGuild))
      problems.push(`DISCORD_GUILD_ID must be a numeric id (got "${discordGuild}")`);
    if (discordBot && discordApp) {
      discord = {
        botToken: discordBot.replace(/^Bot\s+/i, ''),
        applicationId: discordApp,
        guildId: discordGuild,
        apiUrl: discordApiUrl,
        notifyChannel: read('DISCORD_NOTIFY_CHANNEL'),
        managerRoles: list('DISCORD_SUBSCRIPTION_ROLES'),
      };
    }
  }

  const notify: NotifyConfig = {
    pollIntervalSeconds: number(
      'POLL_INTERVAL_SECONDS',
      DEFAULT_POLL_INTERVAL_SECONDS,
      (n) => n > 0,
      'a number of seconds above 0',
    ),
    requestBudget: number(
      'API_REQUEST_BUDGET',
      900,
      (n) => Number.isInteger(n) && n >= 10,
      'a whole number of requests (10 or more) per 5 minutes',
    ),
    dataDir: read('DATA_DIR') ?? './data',
    cooldownSeconds: number('NOTIFY_COOLDOWN_SECONDS', 120, (n) => n >= 0, 'a number of seconds, 0 or more'),
    alertAfterSeconds: number('API_ALERT_AFTER_SECONDS', 300, (n) => n > 0, 'a number of seconds above 0'),
  };

  const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
  const limits: LimitsConfig = {
    tokenRequestLimit: number(
      'API_TOKEN_REQUEST_LIMIT',
      DEFAULT_LIMITS.tokenRequestLimit,
      // Cloudflare's limit binds Cloudflare's API only: a local emulator or test server has none.
      (n) => wholeAtLeast(1)(n) && (n <= CLOUDFLARE_REQUEST_LIMIT || !isCloudflareApi(baseUrl)),
      `a whole number of requests per 5 minutes, at most ${CLOUDFLARE_REQUEST_LIMIT} (Cloudflare blocks the token past that)`,
    ),
    userCommandsPerMinute: number(
      'USER_COMMANDS_PER_MINUTE',
      DEFAULT_LIMITS.userCommandsPerMinute,
      wholeAtLeast(1),
      'a whole number of commands, 1 or more',
    ),
    userCreatesPer10Minutes: number(
      'USER_CREATES_PER_10_MINUTES',
      DEFAULT_LIMITS.userCreatesPer10Minutes,
      wholeAtLeast(1),
      'a whole number of creates, 1 or more',
    ),
  };
  if (
    !badNumbers.has('API_REQUEST_BUDGET') &&
    !badNumbers.has('API_TOKEN_REQUEST_LIMIT') &&
    notify.requestBudget >= limits.tokenRequestLimit
  ) {
    problems.push(
      `API_REQUEST_BUDGET (${notify.requestBudget}) must be below API_TOKEN_REQUEST_LIMIT (${limits.tokenRequestLimit}): the poller stops at the first, commands at the second, so the difference is what commands always have`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { realtimekit, logLevel, slack, discord, notify, limits };
}

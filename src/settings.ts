/**
 * Every setting the bot reads from the environment, declared once: its type, default, group, description
 * and whether it is secret. src/config.ts reads and validates through `readSettings` (so a setting's check
 * and its problem text live here, next to its description), and `npm run settings:docs` writes
 * `.env.example` and `docs/configuration.md` from the same table (src/settings-docs.ts).
 *
 * A table of our own rather than zod or valibot: the values are five simple kinds, while what matters
 * (problems that name the variable, say what to do, quote the value but never a secret; rules between
 * settings; the metadata the docs need) would be custom messages and metadata on top of a library anyway.
 */
import { CLOUDFLARE_REQUEST_LIMIT, DEFAULT_TOKEN_REQUEST_LIMIT } from './notify/budget.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type SettingGroupId =
  'realtimekit' | 'slack' | 'discord' | 'notifications' | 'limits' | 'logging' | 'operations' | 'emulator';

export interface SettingGroup {
  title: string;
  /** Markdown, for docs/configuration.md (links are relative to docs/). */
  intro: string;
  /** Markdown paragraphs after the group's table: how settings work together. */
  notes?: readonly string[];
  /** False: not read from `.env`, so `.env.example` leaves the group out. */
  inEnvFile?: false;
}

/** The groups in the order the docs and `.env.example` show them. */
export const SETTING_GROUPS: Readonly<Record<SettingGroupId, SettingGroup>> = {
  realtimekit: {
    title: 'Cloudflare RealtimeKit',
    intro:
      'Set `CLOUDFLARE_API_TOKEN`, `CLOUDFLARE_ACCOUNT_ID` and `REALTIMEKIT_APP_ID` together, or none of them: with none, the bot runs the offline demo against an embedded emulator.',
  },
  slack: {
    title: 'Slack',
    intro:
      'Slack runs when `SLACK_BOT_TOKEN` is set: in Socket Mode when `SLACK_APP_TOKEN` is set too, otherwise in HTTP mode, which needs `SLACK_SIGNING_SECRET` and a public HTTPS URL. Setting up the app: [slack.md](slack.md).',
  },
  discord: {
    title: 'Discord',
    intro:
      'Discord runs when `DISCORD_BOT_TOKEN` and `DISCORD_APPLICATION_ID` are set. Setting up the application: [discord.md](discord.md).',
  },
  notifications: {
    title: 'Notifications',
    intro:
      'The poller lists the livestreams, notices when one goes LIVE, ends or goes ERRORED, and posts to the channels subscribed to it.',
    notes: [
      'With `PUBLIC_URL` set, RealtimeKit webhooks make notifications near-instant: each signed `livestreaming.statusUpdate` triggers an immediate check of that livestream, and polling goes on beside them. Register the webhook with `npm run webhooks:register`. See [webhooks.md](webhooks.md).',
    ],
  },
  limits: {
    title: 'Limits',
    intro:
      'How much the bot asks of the RealtimeKit API, for itself and for each person. Cloudflare blocks an API token for 5 minutes once it has made ' +
      `${CLOUDFLARE_REQUEST_LIMIT} requests in 5 minutes.`,
    notes: [
      'The poller and the commands share one API token, and so one count of requests in the last 5 minutes. The poller starts no poll that would take that count past `API_REQUEST_BUDGET` and stretches its interval instead; a command is refused once the count would pass `API_TOKEN_REQUEST_LIMIT`. `API_REQUEST_BUDGET` must therefore be below `API_TOKEN_REQUEST_LIMIT`: the difference (200 with the defaults) is what commands always have, however busy the poller is, and the rest up to ' +
        `${CLOUDFLARE_REQUEST_LIMIT} is margin for requests already in flight.`,
      `The ${CLOUDFLARE_REQUEST_LIMIT} ceiling on \`API_TOKEN_REQUEST_LIMIT\` applies against Cloudflare's API only; against another \`CLOUDFLARE_API_BASE_URL\` (the emulator, a test server) any limit is accepted.`,
    ],
  },
  logging: {
    title: 'Logging',
    intro: 'Logs are JSON lines on stderr, with tokens, secrets and stream keys redacted.',
  },
  operations: {
    title: 'Health and metrics',
    intro:
      'For operators: `/healthz`, `/readyz` and `/metrics` (Prometheus) on a port of their own, never on the public Slack or webhook port. See [operations.md](operations.md).',
  },
  emulator: {
    title: 'Emulator',
    intro:
      'Read only by `npm run emulator` (a standalone RealtimeKit emulator), from the environment, not from `.env`: `EMULATOR_PORT=8787 EMULATOR_TOKEN=emu-dev-token npm run emulator`. The bot ignores them. See [emulator.md](emulator.md).',
    inEnvFile: false,
  },
};

interface SettingBase {
  group: SettingGroupId;
  /** One or two sentences for `.env.example` and docs/configuration.md; Markdown code spans allowed. */
  description: string;
  /** Never quoted in a problem; secretsOf (src/config.ts) hands its value to the logger to redact. */
  secret?: true;
  /** The default as people should read it, when it is not a plain value (Markdown). */
  defaultText?: string;
  /** Where the value comes from: what a "missing" problem tells people to do. */
  whereFrom?: string;
}

export interface TextSetting extends SettingBase {
  type: 'text';
  default?: string;
  /** A value that does not match is a problem reading `<NAME> must <must>`. */
  check?: { pattern: RegExp; must: string };
}

export interface UrlSetting extends SettingBase {
  type: 'url';
  default?: string;
}

export interface NumberSetting extends SettingBase {
  type: 'number';
  default: number;
  /** Whole numbers only. */
  integer: boolean;
  min: number;
  /** The minimum itself is not allowed. */
  aboveMin?: true;
  max?: number;
  /** What is counted, for the problem text: "a whole number of <unit>". */
  unit?: string;
}

export interface ChoiceSetting extends SettingBase {
  type: 'choice';
  /** Lower case; the value is matched in any case. */
  choices: readonly string[];
}

/** Ids separated by commas or spaces; unset is the empty list. */
export interface ListSetting extends SettingBase {
  type: 'list';
}

export type SettingSpec = TextSetting | UrlSetting | NumberSetting | ChoiceSetting | ListSetting;

/** Cloudflare account and app ids. */
const CLOUDFLARE_ID = { pattern: /^[A-Za-z0-9_-]{1,32}$/, must: 'be at most 32 letters, digits, "-" or "_"' };
/** Discord ids (snowflakes). */
const DISCORD_ID = { pattern: /^\d{15,21}$/, must: 'be a numeric id' };

/** Every setting, in the order the docs and `.env.example` list them within their group. */
export const SETTINGS = {
  CLOUDFLARE_API_TOKEN: {
    type: 'text',
    group: 'realtimekit',
    secret: true,
    description: 'API token with the Realtime (or Realtime Admin) permission.',
    check: { pattern: /^\S+$/, must: 'not contain spaces (paste the token alone, without "Bearer")' },
  },
  CLOUDFLARE_ACCOUNT_ID: {
    type: 'text',
    group: 'realtimekit',
    description: 'Cloudflare account id.',
    check: CLOUDFLARE_ID,
  },
  REALTIMEKIT_APP_ID: {
    type: 'text',
    group: 'realtimekit',
    description: 'RealtimeKit app id.',
    check: CLOUDFLARE_ID,
  },
  DEMO: {
    type: 'choice',
    group: 'realtimekit',
    choices: ['1', 'true', 'yes', '0', 'false', 'no'],
    defaultText: 'off',
    description:
      'Without Cloudflare credentials, Slack or Discord refuse to start on the demo emulator’s made-up livestreams unless this is `1`; then every reply and notification says DEMO. The terminal demo needs no setting.',
  },
  CLOUDFLARE_API_BASE_URL: {
    type: 'url',
    group: 'realtimekit',
    default: 'https://api.cloudflare.com/client/v4',
    description:
      'API base URL: change it only for a proxy or an emulator (`npm run emulator` prints the settings to use it).',
  },

  SLACK_BOT_TOKEN: {
    type: 'text',
    group: 'slack',
    secret: true,
    description: "Bot User OAuth Token (`xoxb-…`), on the app's OAuth & Permissions page after installing.",
    whereFrom: 'copy the Bot User OAuth Token (xoxb-…) from the app’s OAuth & Permissions page',
    check: { pattern: /^xoxb-/, must: 'be a bot token starting with "xoxb-"' },
  },
  SLACK_APP_TOKEN: {
    type: 'text',
    group: 'slack',
    secret: true,
    description:
      'App-level token (`xapp-…`) with the `connections:write` scope (Basic Information → App-Level Tokens). Setting it selects Socket Mode: no public URL needed.',
    check: { pattern: /^xapp-/, must: 'be an app-level token starting with "xapp-"' },
  },
  SLACK_SIGNING_SECRET: {
    type: 'text',
    group: 'slack',
    secret: true,
    description:
      'HTTP mode (when `SLACK_APP_TOKEN` is not set): Basic Information → App Credentials → Signing Secret.',
    whereFrom: 'set it for HTTP mode, or set SLACK_APP_TOKEN (xapp-…) for Socket Mode',
  },
  PORT: {
    type: 'number',
    group: 'slack',
    default: 3000,
    integer: true,
    min: 0,
    max: 65_535,
    description:
      "The port of the bot's HTTP server: Slack's HTTP mode (path `/slack/events`), Discord interactions over HTTP (path `/discord/interactions`, when `DISCORD_PUBLIC_KEY` is set) and RealtimeKit webhooks (path `/webhooks/realtimekit`, when `PUBLIC_URL` is set) share it; 0 picks a free one. Read only when one of them is on.",
  },
  SLACK_API_URL: {
    type: 'url',
    group: 'slack',
    defaultText: '`https://slack.com/api`',
    description: 'Web API base URL, up to and including `/api`: for a proxy or tests.',
  },
  SLACK_NOTIFY_CHANNEL: {
    type: 'text',
    group: 'slack',
    description:
      'A channel id (such as `C0123456789`) that always gets LIVE/ERRORED notifications; invite the bot there. Set only with Slack.',
  },
  SLACK_SUBSCRIPTION_MANAGERS: {
    type: 'list',
    group: 'slack',
    defaultText: 'everyone',
    description: 'Slack user ids, separated by commas or spaces, allowed to change subscriptions.',
  },
  SLACK_OPERATORS: {
    type: 'list',
    group: 'slack',
    defaultText: 'the subscription managers',
    description:
      'Slack user ids, separated by commas or spaces, allowed to start, stop and create livestreams (everyone when neither this nor `SLACK_SUBSCRIPTION_MANAGERS` is set).',
  },

  DISCORD_BOT_TOKEN: {
    type: 'text',
    group: 'discord',
    secret: true,
    description: "Bot token, from the Developer Portal's Bot page (a leading `Bot ` is removed).",
    whereFrom: 'copy it from the Bot page of your Discord application',
  },
  DISCORD_APPLICATION_ID: {
    type: 'text',
    group: 'discord',
    description: 'Application ID, from the General Information page.',
    whereFrom: 'copy the Application ID from the General Information page',
    check: DISCORD_ID,
  },
  DISCORD_GUILD_ID: {
    type: 'text',
    group: 'discord',
    defaultText: 'global',
    description: 'Register `/livestream` in this server only, where it is usable at once; unset: globally.',
    check: DISCORD_ID,
  },
  DISCORD_API_URL: {
    type: 'url',
    group: 'discord',
    defaultText: '`https://discord.com/api`',
    description:
      "REST base URL without `/v10` (the API version is appended): for a proxy or tests. The gateway URL still comes from REST's `GET /gateway/bot`, so a proxy or fake must answer that too.",
  },
  DISCORD_PUBLIC_KEY: {
    type: 'text',
    group: 'discord',
    defaultText: 'the gateway',
    description:
      "Interactions over HTTP: the Public Key from the General Information page. Set it with the Interactions Endpoint URL (the bot's public URL + `/discord/interactions`, served on `PORT`), and replicas behind a load balancer all answer commands; unset, they come over the gateway. See [discord.md](discord.md#interactions-over-http).",
    check: {
      pattern: /^[0-9a-fA-F]{64}$/,
      must: 'be the 64 hex characters of the Public Key on the General Information page of your Discord application',
    },
  },
  DISCORD_NOTIFY_CHANNEL: {
    type: 'text',
    group: 'discord',
    description: 'A channel id that always gets LIVE/ERRORED notifications. Set only with Discord.',
  },
  DISCORD_SUBSCRIPTION_ROLES: {
    type: 'list',
    group: 'discord',
    defaultText: 'everyone',
    description:
      'Role ids, separated by commas or spaces, allowed to change subscriptions; members with Manage Channels always may.',
  },
  DISCORD_OPERATOR_ROLES: {
    type: 'list',
    group: 'discord',
    defaultText: 'the subscription roles',
    description:
      'Role ids, separated by commas or spaces, allowed to start, stop and create livestreams; members with Manage Channels always may (everyone when neither this nor `DISCORD_SUBSCRIPTION_ROLES` is set).',
  },

  POLL_INTERVAL_SECONDS: {
    type: 'number',
    group: 'notifications',
    default: 15,
    integer: false,
    min: 0,
    aboveMin: true,
    unit: 'seconds',
    description:
      'Seconds between polls of the livestream list (decimals allowed); under 5 against the real API logs a warning.',
  },
  DATA_DIR: {
    type: 'text',
    group: 'notifications',
    default: './data',
    description:
      'Where the SQLite state lives (created on first start); one bot per folder. The demo uses a fresh temporary folder instead.',
  },
  DATABASE_URL: {
    type: 'text',
    group: 'notifications',
    secret: true,
    defaultText: 'unset: SQLite under `DATA_DIR`',
    description:
      'A PostgreSQL URL (`postgres://user:password@host:5432/db`): the state lives there instead of under `DATA_DIR`, and several replicas of the bot can share it (one polls at a time, each notification is posted once). See [operations.md](operations.md#running-several-replicas).',
    check: {
      pattern: /^postgres(ql)?:\/\/\S+$/,
      must: 'be a PostgreSQL URL starting with postgres:// (without spaces)',
    },
  },
  REPLICA_ID: {
    type: 'text',
    group: 'notifications',
    defaultText: 'host name, process id and a random part',
    description:
      "This replica's name in logs and in the shared state (who polls, who sends where); read only with `DATABASE_URL`. Each process adds a random part of its own in the shared state, so two given one name are still told apart; set it for names you can read.",
    check: { pattern: /^[\w.:@-]{1,100}$/, must: 'be at most 100 letters, digits, or . _ : @ -' },
  },
  NOTIFY_COOLDOWN_SECONDS: {
    type: 'number',
    group: 'notifications',
    default: 120,
    integer: false,
    min: 0,
    unit: 'seconds',
    description:
      'A stream that drops and is back within this many seconds updates its LIVE post instead of announcing again.',
  },
  DELIVERY_GIVE_UP_HOURS: {
    type: 'number',
    group: 'notifications',
    default: 24,
    integer: false,
    min: 0,
    aboveMin: true,
    unit: 'hours',
    description:
      'A channel whose posts keep failing with temporary errors (platform 5xx, timeouts) for this long, with no success, is paused with the reason and its waiting notifications dropped; `subscribe` there resumes it.',
  },
  NOTIFY_RETENTION_DAYS: {
    type: 'number',
    group: 'notifications',
    default: 7,
    integer: false,
    min: 0,
    aboveMin: true,
    unit: 'days',
    description:
      'Delivered and dropped notifications, and the posts of streams that ended, are pruned after this many days, so the database stays bounded.',
  },
  API_ALERT_AFTER_SECONDS: {
    type: 'number',
    group: 'notifications',
    default: 300,
    integer: false,
    min: 0,
    aboveMin: true,
    unit: 'seconds',
    description:
      'Once the API has failed this many seconds, subscribed channels are told notifications are delayed (and told again when it recovers).',
  },
  PUBLIC_URL: {
    type: 'url',
    group: 'notifications',
    description:
      "The bot's public HTTPS base URL (a path prefix is allowed). Setting it turns RealtimeKit webhooks on: they are received at `PUBLIC_URL/webhooks/realtimekit`, served on `PORT`. Unset: the bot polls only.",
  },
  REALTIMEKIT_WEBHOOK_PUBLIC_KEY: {
    type: 'text',
    group: 'notifications',
    defaultText: 'fetched from `REALTIMEKIT_WEBHOOK_KEY_URL`',
    description:
      'The PEM public key webhook signatures are checked with (`-----BEGIN PUBLIC KEY-----…`; line breaks may be written `\\n`). Unset: fetched at start and again when a signature fails (a key rotation).',
  },
  REALTIMEKIT_WEBHOOK_KEY_URL: {
    type: 'url',
    group: 'notifications',
    default: 'https://api.realtime.cloudflare.com/.well-known/webhooks.json',
    description:
      'Where the webhook public key is published: change it only for the emulator (`npm run emulator` prints its own).',
  },

  API_REQUEST_BUDGET: {
    type: 'number',
    group: 'limits',
    default: 900,
    integer: true,
    min: 10,
    unit: 'requests per 5 minutes',
    description:
      "The poller's ceiling, below `API_TOKEN_REQUEST_LIMIT`: requests of the whole token in the last 5 minutes past which it waits and stretches its interval.",
  },
  API_TOKEN_REQUEST_LIMIT: {
    type: 'number',
    group: 'limits',
    default: DEFAULT_TOKEN_REQUEST_LIMIT,
    integer: true,
    min: 1,
    unit: 'requests per 5 minutes',
    description: `Requests per 5 minutes for the whole API token, poller and commands together; commands are refused past it. At most ${CLOUDFLARE_REQUEST_LIMIT} against Cloudflare's API.`,
  },
  USER_COMMANDS_PER_MINUTE: {
    type: 'number',
    group: 'limits',
    default: 20,
    integer: true,
    min: 1,
    unit: 'commands',
    description:
      'Commands that call the API, per person (Slack or Discord user) per minute; help and subscription listings do not count.',
  },
  USER_CREATES_PER_10_MINUTES: {
    type: 'number',
    group: 'limits',
    default: 3,
    integer: true,
    min: 1,
    unit: 'creates',
    description:
      'Livestreams one person may make (`create` and `start`) per 10 minutes, on top of the command limit.',
  },

  LOG_LEVEL: {
    type: 'choice',
    group: 'logging',
    choices: ['debug', 'info', 'warn', 'error'],
    defaultText: '`info` (`warn` under the terminal chat)',
    description: 'How much to log.',
  },

  METRICS_PORT: {
    type: 'text',
    group: 'operations',
    defaultText: 'off',
    description:
      'Port for `GET /healthz`, `/readyz` and `/metrics` (Prometheus), on every interface: keep it off the public ingress. Unset: not served.',
    check: { pattern: /^[1-9]\d{0,4}$/, must: 'be a port number from 1 to 65535' },
  },

  EMULATOR_PORT: {
    type: 'number',
    group: 'emulator',
    default: 0,
    integer: true,
    min: 0,
    max: 65_535,
    description:
      'Port of `npm run emulator`; 0 picks a free one, so the base URL it prints changes on every start.',
  },
  EMULATOR_TOKEN: {
    type: 'text',
    group: 'emulator',
    // A bearer token, even if only the emulator's: never logged or shown.
    secret: true,
    defaultText: 'a new one on every start',
    description:
      'The API token `npm run emulator` accepts and prints; the account and app ids are derived from it. With `EMULATOR_PORT` set too, it prints the same lines on every start, so a `.env` written once keeps working.',
    check: {
      // RFC 6750's b64token, as a bearer token is sent and a `.env` line carries it unquoted.
      pattern: /^(?=.{1,200}$)[A-Za-z0-9._~+/-]+=*$/,
      must: 'be up to 200 letters, digits and . _ ~ + / - (no spaces), as a bearer token is',
    },
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

type SpecOf<N extends SettingName> = (typeof SETTINGS)[N];

/** What `get` returns for a setting: the declared kind, null when unset without a default. */
export type SettingValue<N extends SettingName> =
  SpecOf<N> extends { type: 'number' }
    ? number
    : SpecOf<N> extends { type: 'list' }
      ? string[]
      : SpecOf<N> extends { type: 'choice'; choices: readonly (infer C)[] }
        ? C | null
        : SpecOf<N> extends { default: string }
          ? string
          : string | null;

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function settingSpec(name: SettingName): SettingSpec {
  return SETTINGS[name];
}

/** What a number setting accepts, in words: "a whole number of commands, 1 or more". */
export function expectedNumber(spec: NumberSetting): string {
  const kind = `${spec.integer ? 'a whole number' : 'a number'}${spec.unit ? ` of ${spec.unit}` : ''}`;
  if (spec.max !== undefined) return `${kind} from ${spec.min} to ${spec.max}`;
  return spec.aboveMin ? `${kind} above ${spec.min}` : `${kind}, ${spec.min} or more`;
}

/** What a setting accepts, as the words after "must" ("be an http(s) URL"); null when any text goes. */
export function mustOf(spec: SettingSpec): string | null {
  switch (spec.type) {
    case 'number':
      return `be ${expectedNumber(spec)}`;
    case 'url':
      return 'be an http(s) URL';
    case 'choice':
      return `be one of ${spec.choices.join(', ')}`;
    case 'text':
      return spec.check?.must ?? null;
    case 'list':
      return null;
  }
}

/**
 * Reads settings from an environment, each validated the first time it is read: a setting nobody reads
 * (PORT with neither Slack's HTTP mode nor PUBLIC_URL's webhooks) can't stop the start. Problems pile up, to be shown all at once.
 */
export interface SettingsReader {
  /** The value as given, trimmed; null when unset or blank. Not validated. */
  raw(name: SettingName): string | null;
  isSet(name: SettingName): boolean;
  /** The value, validated; a wrong value is a problem and reads as the default (or null). */
  get<N extends SettingName>(name: N): SettingValue<N>;
  /** Whether the value was read and found wrong: rules between settings skip it (one problem is enough). */
  isWrong(name: SettingName): boolean;
  /** A problem a rule found in a value already read: `<NAME> must <must> (got "<value>")`. */
  reject(name: SettingName, must: string): void;
  /** `<NAME> is missing: <what to do>` (the setting's whereFrom by default). */
  missing(name: SettingName, whatToDo?: string): void;
  /** Any other problem; it should start with the setting's name. */
  report(problem: string): void;
  readonly problems: readonly string[];
}

export function readSettings(env: Env): SettingsReader {
  const problems: string[] = [];
  const read = new Map<SettingName, { value: unknown; wrong: boolean }>();

  const raw = (name: SettingName): string | null => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? null : value;
  };
  /** The value for a problem: quoted for people to spot what is wrong, but never a secret. */
  const got = (name: SettingName): string => {
    const value = raw(name);
    return settingSpec(name).secret || value === null ? '' : ` (got ${JSON.stringify(value)})`;
  };
  const defaultOf = (spec: SettingSpec): unknown => {
    if (spec.type === 'list') return [];
    return 'default' in spec && spec.default !== undefined ? spec.default : null;
  };

  /** The parsed value, or null when it is not what the setting accepts. */
  const parse = (spec: SettingSpec, value: string): { value: unknown } | null => {
    switch (spec.type) {
      case 'text':
        return !spec.check || spec.check.pattern.test(value) ? { value } : null;
      case 'url':
        return isHttpUrl(value) ? { value: value.replace(/\/+$/, '') } : null;
      case 'number': {
        const n = Number(value);
        const fits =
          Number.isFinite(n) &&
          (!spec.integer || Number.isInteger(n)) &&
          (spec.aboveMin ? n > spec.min : n >= spec.min) &&
          (spec.max === undefined || n <= spec.max);
        return fits ? { value: n } : null;
      }
      case 'choice': {
        const choice = spec.choices.find((c) => c === value.toLowerCase());
        return choice !== undefined ? { value: choice } : null;
      }
      case 'list':
        return { value: value.split(/[\s,]+/).filter(Boolean) };
    }
  };

  const reject = (name: SettingName, must: string): void => {
    problems.push(`${name} must ${must}${got(name)}`);
    read.set(name, { value: defaultOf(settingSpec(name)), wrong: true });
  };

  const get = <N extends SettingName>(name: N): SettingValue<N> => {
    if (!read.has(name)) {
      const spec = settingSpec(name);
      const value = raw(name);
      const parsed = value === null ? { value: defaultOf(spec) } : parse(spec, value);
      if (parsed) read.set(name, { value: parsed.value, wrong: false });
      else reject(name, mustOf(spec) ?? 'be valid');
    }
    return read.get(name)!.value as SettingValue<N>;
  };

  return {
    raw,
    isSet: (name) => raw(name) !== null,
    get,
    isWrong: (name) => read.get(name)?.wrong ?? false,
    reject,
    missing: (name, whatToDo) => {
      problems.push(`${name} is missing: ${whatToDo ?? settingSpec(name).whereFrom ?? 'set it'}`);
    },
    report: (problem) => {
      problems.push(problem);
    },
    problems,
  };
}

/** Whether `value` is an absolute http(s) URL (settings, and the emulator's webhook targets). */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_API_BASE_URL,
  DEFAULT_LIMITS,
  type Env,
  loadConfig,
  secretsOf,
} from '../src/config.js';
import { SETTING_NAMES, settingSpec } from '../src/settings.js';

const CF = {
  CLOUDFLARE_API_TOKEN: 'cf-token-0123456789abcdef',
  CLOUDFLARE_ACCOUNT_ID: '023e105f4ecef8ad9ca31a8372d0c353',
  REALTIMEKIT_APP_ID: 'app_0123-abc',
};
const SLACK_SOCKET = { SLACK_BOT_TOKEN: 'xoxb-111-222-abc', SLACK_APP_TOKEN: 'xapp-1-A1-333-def' };
const DISCORD = { DISCORD_BOT_TOKEN: 'discord.bot.token', DISCORD_APPLICATION_ID: '123456789012345678' };

/** The problems loadConfig reports for `env`, or [] when it loads. Each starts with a setting's name. */
function problems(env: Env): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const found = (error as ConfigError).problems;
    for (const problem of found) expect(SETTING_NAMES).toContain(problem.split(' ')[0]);
    return found;
  }
}

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('RealtimeKit credentials', () => {
  it('runs the demo when none of the three Cloudflare variables is set', () => {
    expect(loadConfig({}).realtimekit).toEqual({ mode: 'demo' });
  });

  it('counts empty and blank values as unset', () => {
    expect(
      loadConfig({ CLOUDFLARE_API_TOKEN: '', CLOUDFLARE_ACCOUNT_ID: '  ', REALTIMEKIT_APP_ID: '' })
        .realtimekit,
    ).toEqual({ mode: 'demo' });
  });

  it('uses the API with all three, the default base URL, and trimmed values', () => {
    expect(
      loadConfig({
        CLOUDFLARE_API_TOKEN: ` ${CF.CLOUDFLARE_API_TOKEN}\n`,
        CLOUDFLARE_ACCOUNT_ID: CF.CLOUDFLARE_ACCOUNT_ID,
        REALTIMEKIT_APP_ID: CF.REALTIMEKIT_APP_ID,
      }).realtimekit,
    ).toEqual({
      mode: 'api',
      baseUrl: DEFAULT_API_BASE_URL,
      apiToken: CF.CLOUDFLARE_API_TOKEN,
      accountId: CF.CLOUDFLARE_ACCOUNT_ID,
      appId: CF.REALTIMEKIT_APP_ID,
    });
    expect(DEFAULT_API_BASE_URL).toBe('https://api.cloudflare.com/client/v4');
  });

  it('takes a base URL override, without its trailing slashes', () => {
    const config = loadConfig({ ...CF, CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:8787/client/v4//' });
    expect(config.realtimekit).toMatchObject({ mode: 'api', baseUrl: 'http://127.0.0.1:8787/client/v4' });
  });

  it.each([
    ['CLOUDFLARE_API_TOKEN', ['CLOUDFLARE_API_TOKEN']],
    ['CLOUDFLARE_ACCOUNT_ID', ['CLOUDFLARE_ACCOUNT_ID']],
    ['REALTIMEKIT_APP_ID', ['REALTIMEKIT_APP_ID']],
  ])('names %s when only it is missing', (missing, named) => {
    const env: Record<string, string> = { ...CF };
    delete env[missing];
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${named[0]} is missing`));
  });

  it('names each missing one when only one is set, and an empty one counts as missing', () => {
    const found = problems({ CLOUDFLARE_ACCOUNT_ID: CF.CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID: '' });
    expect(found.map((p) => p.split(' ')[0])).toEqual(['CLOUDFLARE_API_TOKEN', 'REALTIMEKIT_APP_ID']);
  });

  it.each([
    ['CLOUDFLARE_ACCOUNT_ID', 'a'.repeat(33)],
    ['REALTIMEKIT_APP_ID', 'b'.repeat(33)],
    ['CLOUDFLARE_ACCOUNT_ID', 'has space'],
    ['REALTIMEKIT_APP_ID', 'slash/y'],
  ])('rejects %s = %j, quoting the value', (name, value) => {
    const found = problems({ ...CF, [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
    expect(found[0]).toContain('32');
    expect(found[0]).toContain(`"${value}"`);
  });

  it('accepts ids of exactly 32 characters', () => {
    expect(
      problems({ ...CF, CLOUDFLARE_ACCOUNT_ID: 'a'.repeat(32), REALTIMEKIT_APP_ID: 'b'.repeat(32) }),
    ).toEqual([]);
  });

  it('rejects a token pasted with "Bearer " and never echoes it', () => {
    const error = configError({ ...CF, CLOUDFLARE_API_TOKEN: `Bearer ${CF.CLOUDFLARE_API_TOKEN}` });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('CLOUDFLARE_API_TOKEN');
    expect(error.message).not.toContain(CF.CLOUDFLARE_API_TOKEN);
  });

  it.each(['ftp://example.com', 'not a url', 'example.com/client/v4'])('rejects the base URL %j', (url) => {
    const found = problems({ ...CF, CLOUDFLARE_API_BASE_URL: url });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('CLOUDFLARE_API_BASE_URL');
  });
});

describe('Slack', () => {
  it('is off when no Slack variable is set', () => {
    expect(loadConfig({}).slack).toBeNull();
  });

  it('runs in Socket Mode with a bot and an app token, with defaults', () => {
    expect(loadConfig(SLACK_SOCKET).slack).toEqual({
      botToken: SLACK_SOCKET.SLACK_BOT_TOKEN,
      signingSecret: null,
      appToken: SLACK_SOCKET.SLACK_APP_TOKEN,
      apiUrl: null,
      port: 3000,
      notifyChannel: null,
      managers: [],
      operators: [],
    });
  });

  it('runs in HTTP mode with a bot token and a signing secret, reading the optional settings', () => {
    expect(
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'signing-secret',
        PORT: '8080',
        SLACK_API_URL: 'http://127.0.0.1:9999/api/',
        SLACK_NOTIFY_CHANNEL: 'C0123456789',
        SLACK_SUBSCRIPTION_MANAGERS: 'U1, U2,,U3  U4',
      }).slack,
    ).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 'signing-secret',
      appToken: null,
      apiUrl: 'http://127.0.0.1:9999/api',
      port: 8080,
      notifyChannel: 'C0123456789',
      managers: ['U1', 'U2', 'U3', 'U4'],
      operators: [],
    });
  });

  it.each<[string, Env, string]>([
    ['a missing bot token', { SLACK_APP_TOKEN: 'xapp-1' }, 'SLACK_BOT_TOKEN is missing'],
    [
      'a user token as bot token',
      { SLACK_BOT_TOKEN: 'xoxp-1', SLACK_APP_TOKEN: 'xapp-1' },
      'SLACK_BOT_TOKEN must',
    ],
    [
      'a bot token as app token',
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' },
      'SLACK_APP_TOKEN must',
    ],
    [
      'neither app token nor signing secret',
      { SLACK_BOT_TOKEN: 'xoxb-1' },
      'SLACK_SIGNING_SECRET is missing',
    ],
    ['only a signing secret', { SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN is missing'],
    ['a bad API URL', { ...SLACK_SOCKET, SLACK_API_URL: 'slack.com/api' }, 'SLACK_API_URL must'],
  ])('rejects %s', (_label, env, expected) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it('reads PORT only in HTTP mode, where Slack posts to it', () => {
    const http = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'signing-secret' };
    for (const port of ['70000', '80.5', '-1', 'x']) {
      const found = problems({ ...http, PORT: port });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^PORT must/);
      expect(found[0]).toContain(`"${port}"`);
    }
    expect(loadConfig({ ...http, PORT: '0' }).slack?.port).toBe(0);
    // Socket Mode listens on no port, and a Discord-only bot neither: a bad PORT stops neither.
    expect(loadConfig({ ...SLACK_SOCKET, PORT: '70000' }).slack?.port).toBe(3000);
    expect(loadConfig({ ...DISCORD, PORT: 'not-a-port' }).discord).not.toBeNull();
    expect(problems({ PORT: '-1' })).toEqual([]);
  });

  it('says SLACK_NOTIFY_CHANNEL does nothing without Slack, and what to set', () => {
    const found = problems({ ...DISCORD, SLACK_NOTIFY_CHANNEL: 'C0123456789' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^SLACK_NOTIFY_CHANNEL /);
    expect(found[0]).toContain('SLACK_BOT_TOKEN');
    expect(loadConfig({ ...SLACK_SOCKET, SLACK_NOTIFY_CHANNEL: 'C0123456789' }).slack?.notifyChannel).toBe(
      'C0123456789',
    );
  });

  it('never echoes a Slack token in a problem', () => {
    const error = configError({
      SLACK_BOT_TOKEN: 'xoxp-secret-user-token',
      SLACK_APP_TOKEN: 'bad-app-secret',
    });
    expect(error.message).not.toContain('xoxp-secret-user-token');
    expect(error.message).not.toContain('bad-app-secret');
  });
});

describe('Discord', () => {
  it('is off when neither the token nor the application id is set', () => {
    expect(loadConfig({ DISCORD_GUILD_ID: '123456789012345678' }).discord).toBeNull();
  });

  it('reads the settings, removing a "Bot " prefix from the token', () => {
    expect(
      loadConfig({
        DISCORD_BOT_TOKEN: 'Bot discord.bot.token',
        DISCORD_APPLICATION_ID: DISCORD.DISCORD_APPLICATION_ID,
        DISCORD_GUILD_ID: '987654321098765',
        DISCORD_API_URL: 'http://127.0.0.1:7777/api',
        DISCORD_NOTIFY_CHANNEL: '111111111111111111',
        DISCORD_SUBSCRIPTION_ROLES: '222222222222222222,333333333333333333',
      }).discord,
    ).toEqual({
      botToken: 'discord.bot.token',
      applicationId: DISCORD.DISCORD_APPLICATION_ID,
      guildId: '987654321098765',
      apiUrl: 'http://127.0.0.1:7777/api',
      notifyChannel: '111111111111111111',
      managerRoles: ['222222222222222222', '333333333333333333'],
      operatorRoles: [],
    });
  });

  it.each<[string, Env, string]>([
    [
      'a missing token',
      { DISCORD_APPLICATION_ID: DISCORD.DISCORD_APPLICATION_ID },
      'DISCORD_BOT_TOKEN is missing',
    ],
    ['a missing application id', { DISCORD_BOT_TOKEN: 't' }, 'DISCORD_APPLICATION_ID is missing'],
    [
      'a non-numeric application id',
      { ...DISCORD, DISCORD_APPLICATION_ID: 'my-app' },
      'DISCORD_APPLICATION_ID must',
    ],
    [
      'a too short application id',
      { ...DISCORD, DISCORD_APPLICATION_ID: '12345' },
      'DISCORD_APPLICATION_ID must',
    ],
    ['a bad guild id', { ...DISCORD, DISCORD_GUILD_ID: 'guild' }, 'DISCORD_GUILD_ID must'],
    ['a bad API URL', { ...DISCORD, DISCORD_API_URL: 'mailto:x@y' }, 'DISCORD_API_URL must'],
  ])('rejects %s', (_label, env, expected) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });
});

describe('Discord notify channel', () => {
  it('says DISCORD_NOTIFY_CHANNEL does nothing without Discord, and what to set', () => {
    const found = problems({ ...SLACK_SOCKET, DISCORD_NOTIFY_CHANNEL: '111111111111111111' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^DISCORD_NOTIFY_CHANNEL /);
    expect(found[0]).toContain('DISCORD_BOT_TOKEN');
    expect(found[0]).toContain('DISCORD_APPLICATION_ID');
  });
});

describe('numbers and the rest', () => {
  it('has defaults', () => {
    const config = loadConfig({});
    expect(config.notify).toEqual({
      pollIntervalSeconds: 15,
      requestBudget: 900,
      dataDir: './data',
      databaseUrl: null,
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
      deliveryGiveUpHours: 24,
      retentionDays: 7,
    });
    expect(config.logLevel === null || config.logLevel === 'info').toBe(true);
  });

  it('reads numbers, with decimals where they make sense', () => {
    expect(
      loadConfig({
        POLL_INTERVAL_SECONDS: '2.5',
        API_REQUEST_BUDGET: '1000',
        NOTIFY_COOLDOWN_SECONDS: '0',
        API_ALERT_AFTER_SECONDS: '0.5',
        DATA_DIR: '/var/lib/bot',
        DATABASE_URL: 'postgres://bot:p%40ss@db:5432/live',
        REPLICA_ID: 'bot-1',
      }).notify,
    ).toEqual({
      pollIntervalSeconds: 2.5,
      requestBudget: 1000,
      dataDir: '/var/lib/bot',
      databaseUrl: 'postgres://bot:p%40ss@db:5432/live',
      replicaId: 'bot-1',
      cooldownSeconds: 0,
      alertAfterSeconds: 0.5,
      deliveryGiveUpHours: 24,
      retentionDays: 7,
    });
  });

  it.each<[string, string]>([
    ['POLL_INTERVAL_SECONDS', '0'],
    ['POLL_INTERVAL_SECONDS', '-1'],
    ['POLL_INTERVAL_SECONDS', 'fast'],
    ['POLL_INTERVAL_SECONDS', 'Infinity'],
    ['API_REQUEST_BUDGET', '9'],
    ['API_REQUEST_BUDGET', '100.5'],
    ['NOTIFY_COOLDOWN_SECONDS', '-5'],
    ['API_ALERT_AFTER_SECONDS', '0'],
  ])('rejects %s = %j, quoting the value', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
    expect(found[0]).toContain(`"${value}"`);
  });

  it('reads LOG_LEVEL in any case and rejects an unknown one', () => {
    expect(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
    expect(loadConfig({ LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    const found = problems({ LOG_LEVEL: 'verbose' });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('LOG_LEVEL');
  });

  it('reports every problem in one message', () => {
    const error = configError({
      CLOUDFLARE_API_TOKEN: CF.CLOUDFLARE_API_TOKEN,
      REALTIMEKIT_APP_ID: 'x'.repeat(40),
      SLACK_BOT_TOKEN: 'xoxb-1',
      POLL_INTERVAL_SECONDS: 'soon',
      DISCORD_BOT_TOKEN: 't',
      LOG_LEVEL: 'loud',
    });
    const names = [
      'CLOUDFLARE_ACCOUNT_ID',
      'REALTIMEKIT_APP_ID',
      'SLACK_SIGNING_SECRET',
      'DISCORD_APPLICATION_ID',
      'POLL_INTERVAL_SECONDS',
      'LOG_LEVEL',
    ];
    expect(error.problems).toHaveLength(names.length);
    expect(error.message.startsWith('Configuration problems:\n')).toBe(true);
    for (const name of names) expect(error.message).toContain(name);
    expect(error.message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(names.length);
    expect(error.message).not.toContain(CF.CLOUDFLARE_API_TOKEN);
  });

  it('limits commands per person and the token as a whole, by default', () => {
    expect(loadConfig({}).limits).toEqual({
      tokenRequestLimit: 1100,
      userCommandsPerMinute: 20,
      userCreatesPer10Minutes: 3,
    });
    expect(DEFAULT_LIMITS).toEqual(loadConfig({}).limits);
    expect(
      loadConfig({
        API_TOKEN_REQUEST_LIMIT: '1200',
        API_REQUEST_BUDGET: '1000',
        USER_COMMANDS_PER_MINUTE: '60',
        USER_CREATES_PER_10_MINUTES: '1',
      }).limits,
    ).toEqual({ tokenRequestLimit: 1200, userCommandsPerMinute: 60, userCreatesPer10Minutes: 1 });
  });

  it.each<[string, string]>([
    ['API_TOKEN_REQUEST_LIMIT', '1201'],
    ['API_TOKEN_REQUEST_LIMIT', '0'],
    ['API_TOKEN_REQUEST_LIMIT', '1000.5'],
    ['USER_COMMANDS_PER_MINUTE', '0'],
    ['USER_COMMANDS_PER_MINUTE', '2.5'],
    ['USER_COMMANDS_PER_MINUTE', 'many'],
    ['USER_CREATES_PER_10_MINUTES', '0'],
    ['USER_CREATES_PER_10_MINUTES', '-3'],
  ])('rejects the limit %s = %j, quoting the value', (name, value) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(name);
    expect(found[0]).toContain(`"${value}"`);
  });

  it('allows a token limit past Cloudflare’s own only against another API (an emulator)', () => {
    const emulator = { CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:8787/client/v4' };
    expect(loadConfig({ ...emulator, API_TOKEN_REQUEST_LIMIT: '20000' }).limits?.tokenRequestLimit).toBe(
      20_000,
    );
    expect(problems({ API_TOKEN_REQUEST_LIMIT: '20000' })[0]).toContain('at most 1200');
  });

  it('reads how long a failing channel is retried and how long delivered rows are kept', () => {
    expect(loadConfig({}).notify).toMatchObject({ deliveryGiveUpHours: 24, retentionDays: 7 });
    expect(loadConfig({ DELIVERY_GIVE_UP_HOURS: '2', NOTIFY_RETENTION_DAYS: '0.5' }).notify).toMatchObject({
      deliveryGiveUpHours: 2,
      retentionDays: 0.5,
    });
    for (const name of ['DELIVERY_GIVE_UP_HOURS', 'NOTIFY_RETENTION_DAYS']) {
      const found = problems({ [name]: '0' });
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(name);
    }
  });

  it('keeps the poller’s budget below the token’s limit, naming both', () => {
    for (const env of [
      { API_REQUEST_BUDGET: '1100' },
      { API_REQUEST_BUDGET: '1200' },
      { API_REQUEST_BUDGET: '600', API_TOKEN_REQUEST_LIMIT: '500' },
    ]) {
      const found = problems(env);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain('API_REQUEST_BUDGET');
      expect(found[0]).toContain('API_TOKEN_REQUEST_LIMIT');
    }
    expect(loadConfig({ API_REQUEST_BUDGET: '1099' }).notify.requestBudget).toBe(1099);
  });

  it('says "problem" for one problem', () => {
    expect(configError({ LOG_LEVEL: 'x' }).message.startsWith('Configuration problem:\n')).toBe(true);
  });
});

describe('secretsOf', () => {
  it('lists the value of every setting the schema marks secret, and only those', () => {
    const env = { ...CF, ...SLACK_SOCKET, SLACK_SIGNING_SECRET: 'sig-secret', ...DISCORD };
    const secretNames = SETTING_NAMES.filter((name) => settingSpec(name).secret);
    expect(secretNames.sort()).toEqual(
      [
        'CLOUDFLARE_API_TOKEN',
        'SLACK_BOT_TOKEN',
        'SLACK_APP_TOKEN',
        'SLACK_SIGNING_SECRET',
        'DISCORD_BOT_TOKEN',
        'DATABASE_URL',
        // Read by `npm run emulator` only, not the bot: secret all the same (a bearer token).
        'EMULATOR_TOKEN',
      ].sort(),
    );
    const values = env as Record<string, string>;
    expect(secretsOf(loadConfig(env)).sort()).toEqual(
      secretNames
        .filter((name) => name in values)
        .map((name) => values[name])
        .sort(),
    );
  });

  it('lists every token and secret that is set, for the logger', () => {
    const config = loadConfig({ ...CF, ...SLACK_SOCKET, SLACK_SIGNING_SECRET: 'sig-secret', ...DISCORD });
    expect(secretsOf(config).sort()).toEqual(
      [
        CF.CLOUDFLARE_API_TOKEN,
        SLACK_SOCKET.SLACK_BOT_TOKEN,
        SLACK_SOCKET.SLACK_APP_TOKEN,
        'sig-secret',
        DISCORD.DISCORD_BOT_TOKEN,
      ].sort(),
    );
    expect(secretsOf(loadConfig({}))).toEqual([]);
  });

  it('reads REPLICA_ID only with DATABASE_URL: a bot on SQLite is not refused for it', () => {
    expect(problems({ REPLICA_ID: 'bad id!' })).toEqual([]);
    expect(loadConfig({ REPLICA_ID: 'bot-1' }).notify.replicaId).toBeUndefined();
    expect(problems({ DATABASE_URL: 'postgres://db/live', REPLICA_ID: 'bad id!' })).toEqual([
      'REPLICA_ID must be at most 100 letters, digits, or . _ : @ - (got "bad id!")',
    ]);
  });

  it("hides DATABASE_URL and its password alone, as written and decoded (a driver's error may quote it)", () => {
    const url = 'postgres://bot:p%40ss@db:5432/live';
    expect(secretsOf(loadConfig({ DATABASE_URL: url })).sort()).toEqual([url, 'p%40ss', 'p@ss'].sort());
    expect(problems({ DATABASE_URL: 'mysql://bot:hunter2@db/live' })).toEqual([
      'DATABASE_URL must be a PostgreSQL URL starting with postgres:// (without spaces)',
    ]);
  });
});

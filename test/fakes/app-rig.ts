/**
 * The whole app as `npm start` wires it (`startApp`), for the tests that run it end to end: the emulator
 * as the RealtimeKit API, a platform's fake (the fake Slack Web API with a response_url recorder, or the
 * fake Discord, or both at once), a temporary DATA_DIR, and a recording logger with `waitForLog`. Each
 * test file keeps its own scenario and assertions; the rig only builds and tears down the parts.
 *
 *   const rig = await createSlackAppRig({ seed: 17 });
 *   const started = await rig.start({ notify: { pollIntervalSeconds: 0.05 } });
 *   await started.waitForLog('baseline recorded');
 *   const answer = await started.slash('subscribe', { channel_id: 'C0SUB' });
 *   await rig.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import type { Config, DiscordConfig, LimitsConfig, NotifyConfig, SlackConfig } from '../../src/config.js';
import {
  clientSettingsOf,
  createEmulator,
  type Emulator,
  type RecordedRequest,
} from '../../src/emulator/emulator.js';
import { createLogger } from '../../src/log.js';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from './discord-server.js';
import { blocksText } from './slack-harness.js';
import { type RecordedResponse, type ResponseRecorder, startResponseRecorder } from './slack-responses.js';
import { sendSlashCommand, type SlashCommandFields } from './slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from './slack-web-api.js';

export const RIG_SLACK_BOT_TOKEN = 'xoxb-app-rig-bot-token';
export const RIG_SLACK_SIGNING_SECRET = 'app-rig-signing-secret-0123456789';
export const RIG_DISCORD_BOT_TOKEN = 'app-rig-discord-bot-token';

/** What a test sets for one start; everything else is the rig's (the platform's fake, DATA_DIR). */
export interface AppStartOptions {
  /** Over POLL_INTERVAL_SECONDS 15, API_REQUEST_BUDGET 900, a 120 s cooldown and a 300 s alert. */
  notify?: Partial<Omit<NotifyConfig, 'dataDir'>>;
  /** Over the rig's Slack settings (HTTP mode on a free port, against the fake Web API). */
  slack?: Partial<SlackConfig>;
  /** Over the rig's Discord settings (against the fake Discord). */
  discord?: Partial<DiscordConfig>;
  limits?: LimitsConfig;
  webhooks?: Config['webhooks'];
  /** The app's clock; default the system clock. */
  clock?: Clock;
  /** METRICS_PORT (0: a free one); default off. */
  metricsPort?: number;
}

/** One process of the app; another start on the same rig is a restart on the same DATA_DIR. */
export interface StartedApp {
  readonly app: RunningApp;
  /** Every log record it wrote, parsed. */
  readonly records: Record<string, unknown>[];
  /** Resolves with the first log record (past or future) whose message contains `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface StartedSlackApp extends StartedApp {
  /** Slack's HTTP mode: where signed slash commands go. */
  readonly eventsUrl: string;
  /** A signed `/livestream <text>` (acknowledged with a 200); resolves with the answer at its response_url. */
  slash(text: string, fields?: Partial<Omit<SlashCommandFields, 'text'>>): Promise<RecordedResponse>;
}

export interface AppRig<Started extends StartedApp> {
  readonly emulator: Emulator;
  /** Every request the emulator answered since the rig was made, oldest first. */
  readonly apiRequests: RecordedRequest[];
  readonly dataDir: string;
  start(options?: AppStartOptions): Promise<Started>;
  /** Stops every app still running, then the fakes, and removes DATA_DIR. */
  close(): Promise<void>;
}

export interface SlackAppRig extends AppRig<StartedSlackApp> {
  readonly slackApi: FakeSlackWebApi;
  readonly responses: ResponseRecorder;
}

export interface DiscordAppRig extends AppRig<StartedApp> {
  readonly discord: FakeDiscord;
}

/** Slack and Discord configured together in one app, as a bot serving both runs. */
export interface SlackAndDiscordAppRig extends AppRig<StartedSlackApp> {
  readonly slackApi: FakeSlackWebApi;
  readonly responses: ResponseRecorder;
  readonly discord: FakeDiscord;
}

/** An answer at a response_url as one text: its `text` and the text of its blocks. */
export function answerText(answer: RecordedResponse): string {
  return `${String(answer.body.text)}\n${blocksText(answer.body.blocks)}`;
}

export async function createSlackAppRig(options: { seed: number }): Promise<SlackAppRig> {
  const slackApi = await startFakeSlackWebApi();
  const responses = await startResponseRecorder();
  const base = await createBase({
    seed: options.seed,
    secrets: [RIG_SLACK_BOT_TOKEN, RIG_SLACK_SIGNING_SECRET],
    closeFakes: () => Promise.all([slackApi.close(), responses.close()]),
  });
  const withSlash = slashSender(responses);
  return {
    ...base.rig,
    slackApi,
    responses,
    async start(startOptions = {}) {
      const slack = slackSettings(slackApi, startOptions);
      return withSlash(await base.start({ slack, discord: null }, startOptions));
    },
  };
}

export async function createDiscordAppRig(options: {
  seed: number;
  discord: FakeDiscordOptions;
}): Promise<DiscordAppRig> {
  const discord = await startFakeDiscord(options.discord);
  const base = await createBase({
    seed: options.seed,
    secrets: [RIG_DISCORD_BOT_TOKEN],
    closeFakes: () => discord.close(),
  });
  return {
    ...base.rig,
    discord,
    start(startOptions = {}) {
      const settings = discordSettings(discord, options.discord, startOptions);
      return base.start({ slack: null, discord: settings }, startOptions);
    },
  };
}

/** Both platforms in one app: Slack in HTTP mode against its fake, Discord against its fake. */
export async function createSlackAndDiscordAppRig(options: {
  seed: number;
  discord: FakeDiscordOptions;
}): Promise<SlackAndDiscordAppRig> {
  const slackApi = await startFakeSlackWebApi();
  const responses = await startResponseRecorder();
  const discord = await startFakeDiscord(options.discord);
  const base = await createBase({
    seed: options.seed,
    secrets: [RIG_SLACK_BOT_TOKEN, RIG_SLACK_SIGNING_SECRET, RIG_DISCORD_BOT_TOKEN],
    closeFakes: () => Promise.all([slackApi.close(), responses.close(), discord.close()]),
  });
  const withSlash = slashSender(responses);
  return {
    ...base.rig,
    slackApi,
    responses,
    discord,
    async start(startOptions = {}) {
      const platforms = {
        slack: slackSettings(slackApi, startOptions),
        discord: discordSettings(discord, options.discord, startOptions),
      };
      return withSlash(await base.start(platforms, startOptions));
    },
  };
}

/** The rig's Slack: HTTP mode on a free port, against the fake Web API, under the test's settings. */
function slackSettings(slackApi: FakeSlackWebApi, options: AppStartOptions): SlackConfig {
  return {
    botToken: RIG_SLACK_BOT_TOKEN,
    signingSecret: RIG_SLACK_SIGNING_SECRET,
    appToken: null,
    apiUrl: slackApi.apiUrl,
    port: 0,
    notifyChannel: null,
    managers: [],
    ...options.slack,
  };
}

/** The rig's Discord: the fake's application and first guild, under the test's settings. */
function discordSettings(
  discord: FakeDiscord,
  fake: FakeDiscordOptions,
  options: AppStartOptions,
): DiscordConfig {
  return {
    botToken: RIG_DISCORD_BOT_TOKEN,
    applicationId: fake.applicationId,
    guildId: fake.guilds?.[0]?.id ?? null,
    apiUrl: discord.restUrl,
    notifyChannel: null,
    managerRoles: [],
    ...options.discord,
  };
}

/** A started app with Slack on, given `slash`: signed slash commands, answers read at their response_url. */
function slashSender(responses: ResponseRecorder): (started: StartedApp) => Promise<StartedSlackApp> {
  let commands = 0;
  return async (started) => {
    const eventsUrl = `http://127.0.0.1:${String((await started.waitForLog('Slack adapter started')).port)}/slack/events`;
    return {
      ...started,
      eventsUrl,
      async slash(text, fields = {}) {
        commands += 1;
        const id = `rig-${commands}`;
        const sent = await sendSlashCommand({
          url: eventsUrl,
          signingSecret: RIG_SLACK_SIGNING_SECRET,
          fields: { response_url: responses.urlFor(id), trigger_id: `trigger-${id}`, ...fields, text },
        });
        expect(sent.status).toBe(200);
        return responses.next(id);
      },
    };
  };
}

/** What both platforms share: the emulator, DATA_DIR, the config around the platform's, the logger. */
async function createBase(args: {
  seed: number;
  secrets: string[];
  closeFakes: () => Promise<unknown>;
}): Promise<{
  rig: Omit<AppRig<StartedApp>, 'start'>;
  start(platforms: Pick<Config, 'slack' | 'discord'>, options: AppStartOptions): Promise<StartedApp>;
}> {
  const emulator = createEmulator({ seed: args.seed });
  await emulator.start();
  const apiRequests: RecordedRequest[] = [];
  emulator.onRequest((request) => apiRequests.push(request));
  const dataDir = mkdtempSync(join(tmpdir(), 'app-rig-'));
  const running = new Set<RunningApp>();

  async function start(
    platforms: Pick<Config, 'slack' | 'discord'>,
    options: AppStartOptions,
  ): Promise<StartedApp> {
    const config: Config = {
      realtimekit: { mode: 'api', ...clientSettingsOf(emulator.settings()) },
      logLevel: 'debug',
      ...platforms,
      notify: {
        pollIntervalSeconds: 15,
        requestBudget: 900,
        cooldownSeconds: 120,
        alertAfterSeconds: 300,
        ...options.notify,
        dataDir,
      },
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    };
    const records: Record<string, unknown>[] = [];
    const waiters = new Set<() => void>();
    const log = createLogger({
      level: 'debug',
      secrets: [...args.secrets, emulator.settings().CLOUDFLARE_API_TOKEN],
      write: (line) => {
        records.push(JSON.parse(line) as Record<string, unknown>);
        for (const wake of [...waiters]) wake();
      },
    });
    const app = await startApp(config, log, {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      interactive: false,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
    });
    running.add(app);
    const waitForLog = (text: string, timeoutMs = 10_000) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const hit = records.find((record) => String(record.msg).includes(text));
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no log line with "${text}" within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    return {
      app,
      records,
      waitForLog,
      async stop() {
        running.delete(app);
        await app.stop();
      },
    };
  }

  return {
    rig: {
      emulator,
      apiRequests,
      dataDir,
      async close() {
        for (const app of running) await app.stop();
        running.clear();
        await Promise.all([emulator.stop(), args.closeFakes()]);
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
    start,
  };
}

/**
 * Everything a Slack end-to-end test needs, started together and stopped together: the RealtimeKit
 * emulator behind the real client and core, a fake Slack Web API, a response_url recorder, and the real
 * Slack adapter (Bolt) in HTTP mode on 127.0.0.1.
 */
import { type SlackAdapter, startSlackAdapter } from '../../adapters/slack/app.js';
import type { CommandLimits } from '../../src/command-limits.js';
import type { SlackConfig } from '../../src/config.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { createLogger, type Logger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { type ResponseRecorder, startResponseRecorder } from './slack-responses.js';
import type { Command } from '../../src/commands/command.js';
import {
  type BlockActionsFields,
  blockActionsPayload,
  type ClickedButton,
  type SentCommand,
  sendInteraction,
  sendSlashCommand,
} from './slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from './slack-web-api.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test-0000-bot-token';

export interface CoreCall {
  text: string;
  context: RequestContext;
}

export interface SlackHarness {
  emulator: Emulator;
  webApi: FakeSlackWebApi;
  responses: ResponseRecorder;
  adapter: SlackAdapter;
  /** Every call the adapter made into the core. */
  coreCalls: CoreCall[];
  /** Every Command the adapter handed the core itself (clicks). */
  commandCalls: { command: Command; context: RequestContext }[];
  /** Every log line (JSON) written while the harness ran. */
  logLines: string[];
  /** Resolves with the first log record (past or future) whose `msg` contains `text` and that `where` accepts. */
  waitForLog(
    text: string,
    where?: (record: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  /** `http://127.0.0.1:PORT/slack/events` (HTTP mode). */
  eventsUrl: string;
  /** Sends a signed /livestream with this text; `id` names its response_url and trigger_id. */
  command(
    text: string,
    options?: {
      id?: string;
      userId?: string;
      timestamp?: number;
      signature?: string;
      headers?: Record<string, string>;
    },
  ): Promise<SentCommand & { id: string }>;
  /**
   * Clicks a button the bot rendered: a signed `block_actions` POST. `id` names its response_url and
   * trigger_id; the rest of `fields` as Slack would send them (default: on an ephemeral message).
   */
  click(
    button: ClickedButton,
    options?: Partial<Omit<BlockActionsFields, 'button' | 'response_url'>> & { id?: string },
  ): Promise<SentCommand & { id: string; payload: Record<string, unknown> }>;
  stop(): Promise<void>;
}

let counter = 0;

export async function startSlackHarness(
  options: {
    managers?: string[];
    operators?: string[];
    core?: (core: Core) => Core;
    seed?: number;
    /** Per-person limits for the core (startApp always sets them); default none. */
    limits?: CommandLimits;
  } = {},
): Promise<SlackHarness> {
  const logLines: string[] = [];
  const logWaiters = new Set<() => void>();
  const log: Logger = createLogger({
    level: 'debug',
    secrets: [SIGNING_SECRET, BOT_TOKEN],
    write: (line) => {
      logLines.push(line);
      for (const waiter of logWaiters) waiter();
    },
  });
  const findLog = (text: string, where: (record: Record<string, unknown>) => boolean) =>
    logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((r) => String(r.msg).includes(text) && where(r));
  const emulator = createEmulator({ seed: options.seed ?? 7 });
  await emulator.start();
  const settings = emulator.settings();
  const client = createRealtimeKitClient({
    ...clientSettingsOf(settings),
    retries: 0,
  });
  const coreCalls: CoreCall[] = [];
  const commandCalls: SlackHarness['commandCalls'] = [];
  const real = createCore({ client, log, ...(options.limits ? { limits: options.limits } : {}) });
  const spied: Core = {
    replyToText: (text, context) => {
      coreCalls.push({ text, context });
      return real.replyToText(text, context);
    },
    replyToCommand: (command, context) => {
      commandCalls.push({ command, context });
      return real.replyToCommand(command, context);
    },
  };
  const core = options.core ? options.core(spied) : spied;
  const webApi = await startFakeSlackWebApi();
  const responses = await startResponseRecorder();
  const config: SlackConfig = {
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    appToken: null,
    apiUrl: webApi.apiUrl,
    port: 0,
    notifyChannel: null,
    managers: options.managers ?? [],
    operators: options.operators ?? [],
  };
  const adapter = await startSlackAdapter({ config, core, log, host: '127.0.0.1' });
  const eventsUrl = `http://127.0.0.1:${adapter.port ?? 0}/slack/events`;

  return {
    emulator,
    webApi,
    responses,
    adapter,
    coreCalls,
    commandCalls,
    logLines,
    eventsUrl,
    waitForLog(text, where = () => true) {
      const timeoutMs = 5_000;
      const found = findLog(text, where);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = () => {
          const hit = findLog(text, where);
          if (!hit) return;
          logWaiters.delete(waiter);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          logWaiters.delete(waiter);
          reject(new Error(`no log line with "${text}" within ${timeoutMs} ms`));
        }, timeoutMs);
        logWaiters.add(waiter);
      });
    },
    async command(text, opts = {}) {
      counter += 1;
      const id = opts.id ?? `cmd-${counter}`;
      const sent = await sendSlashCommand({
        url: eventsUrl,
        signingSecret: SIGNING_SECRET,
        fields: {
          text,
          response_url: responses.urlFor(id),
          trigger_id: `trigger-${id}`,
          ...(opts.userId ? { user_id: opts.userId } : {}),
        },
        ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
        ...(opts.signature !== undefined ? { signature: opts.signature } : {}),
        ...(opts.headers ? { headers: opts.headers } : {}),
      });
      return { ...sent, id };
    },
    async click(button, opts = {}) {
      counter += 1;
      const { id: given, ...fields } = opts;
      const id = given ?? `click-${counter}`;
      const payload = blockActionsPayload({
        trigger_id: `trigger-${id}`,
        ...fields,
        button,
        response_url: responses.urlFor(id),
      });
      const sent = await sendInteraction({ url: eventsUrl, signingSecret: SIGNING_SECRET, payload });
      return { ...sent, id, payload };
    },
    async stop() {
      await adapter.stop();
      await Promise.all([webApi.close(), responses.close(), emulator.stop()]);
    },
  };
}

/** The text of every mrkdwn/plain_text object in a Block Kit array, joined: what a person would read. */
export function blocksText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ((record.type === 'mrkdwn' || record.type === 'plain_text') && typeof record.text === 'string')
        out.push(record.text);
      else Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return out.join('\n');
}

/** Every button in a Block Kit array (actions blocks and section accessories), in order. */
export function buttonsIn(blocks: unknown): ClickedButton[] {
  const out: ClickedButton[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record.type === 'button') out.push(record as unknown as ClickedButton);
      else Object.values(record).forEach(walk);
    }
  };
  walk(blocks);
  return out;
}

/** The button with this text; fails the test when there is none. */
export function buttonNamed(blocks: unknown, text: string): ClickedButton {
  const found = buttonsIn(blocks).find((button) => button.text?.text === text);
  if (!found) {
    const seen = buttonsIn(blocks).map((button) => button.text?.text);
    throw new Error(`no button "${text}" (buttons: ${seen.join(', ') || 'none'})`);
  }
  return found;
}

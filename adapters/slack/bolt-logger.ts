/**
 * Bolt, web-api and socket-mode log through this, so their lines go through our logger (JSON, redacted)
 * instead of the console. They are passed response URLs at debug level (socket-mode prints whole
 * envelopes): a response URL lets anyone answer in the channel for 30 minutes, so it is scrubbed here.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../src/log.js';

const RANK: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

const RESPONSE_URL = /https?:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'\\]+/g;

/** Removes Slack response URLs (`https://hooks.slack.com/commands/…`) from text about to be logged. */
export function scrubResponseUrls(text: string): string {
  return text.replace(RESPONSE_URL, '[response_url]');
}

function describe(part: unknown): string {
  if (part instanceof Error) return `${part.name}: ${part.message}`;
  if (typeof part === 'string') return part;
  try {
    return JSON.stringify(part) ?? String(part);
  } catch {
    return String(part);
  }
}

export function createBoltLogger(args: { log: Logger; level?: LogLevel }): BoltLogger {
  const { log } = args;
  let level = args.level ?? LogLevel.INFO;
  const emit = (at: LogLevel, parts: unknown[]) => {
    if (RANK[at] < RANK[level]) return;
    log[at](scrubResponseUrls(parts.map(describe).join(' ')));
  };
  return {
    debug: (...parts: unknown[]) => emit(LogLevel.DEBUG, parts),
    info: (...parts: unknown[]) => emit(LogLevel.INFO, parts),
    warn: (...parts: unknown[]) => emit(LogLevel.WARN, parts),
    error: (...parts: unknown[]) => emit(LogLevel.ERROR, parts),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    // Our logger carries a `component` field instead of a name.
    setName: () => {},
  };
}

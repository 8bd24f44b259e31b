/**
 * A small structured logger: one JSON object per line on stderr (stdout belongs to the terminal chat).
 * Redaction happens here, once, for every line: known secret values, secret-looking keys and token shapes.
 */
import type { LogLevel } from './config.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|authorization|stream_?key|signature/i;
const SECRET_SHAPES = [/Bearer\s+[^\s"']+/gi, /\bxox[abpre]-[A-Za-z0-9-]+/g, /\bxapp-[A-Za-z0-9-]+/g];
export const REDACTED = '[redacted]';

export interface LoggerOptions {
  level?: LogLevel;
  /** Exact values never to print (tokens, signing secrets). */
  secrets?: string[];
  write?: (line: string) => void;
  now?: () => Date;
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret that contains a shorter one must not leave its tail behind.
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED);
  return out;
}

function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value instanceof Error) {
    // Only the name, message and our own error fields: never `cause`, which may hold a request.
    const kind = (value as { kind?: unknown }).kind;
    return {
      name: value.name,
      message: redactText(value.message, secrets),
      ...(typeof kind === 'string' ? { kind } : {}),
    };
  }
  if (value === null || typeof value !== 'object') return value;
  // Deeper objects are not walked, so they must not be printed either (they could hold a secret key).
  if (depth > 4) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactValue(v, secrets, depth + 1);
  }
  return out;
}

/** Wraps each line the default writer puts on stderr (see `aroundStderrLines`); null: written as is. */
let aroundStderrLine: ((writeLine: () => void) => void) | null = null;

/**
 * While a terminal chat shows its prompt, a log line written at the cursor would land on the prompt
 * line: the chat passes `around`, which clears that line, runs `writeLine`, then draws the prompt again.
 * Returns the function that stops it.
 */
export function aroundStderrLines(around: (writeLine: () => void) => void): () => void {
  aroundStderrLine = around;
  return () => {
    if (aroundStderrLine === around) aroundStderrLine = null;
  };
}

function writeStderrLine(line: string): void {
  const writeLine = () => {
    process.stderr.write(`${line}\n`);
  };
  if (aroundStderrLine) aroundStderrLine(writeLine);
  else writeLine();
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const secrets = options.secrets ?? [];
  const write = options.write ?? writeStderrLine;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const record = redactValue({ ...bound, ...fields }, secrets) as LogFields;
    const line: LogFields = { time: now().toISOString(), level, msg: redactText(message, secrets) };
    // A field named `time`, `level` or `msg` cannot overwrite the line's own.
    for (const [key, value] of Object.entries(record)) if (!(key in line)) line[key] = value;
    write(JSON.stringify(line));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** For tests and tools that want silence. */
export const silentLogger: Logger = createLogger({ write: () => {} });

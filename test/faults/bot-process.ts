/**
 * The real bot as a child process (the bundle `npm start` runs, built by the global setup), with the
 * terminal chat on a pipe: lines go in on stdin, replies and notifications come out on stdout, JSON logs
 * on stderr. Waits are event-driven and bounded; `stopAll()` kills (by pid) whatever a test left running.
 * The pid is the bot itself (no npm or loader process between), so a SIGKILL really kills the bot.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator } from '../../src/emulator/emulator.js';
import { BOT_ENTRY } from '../build-bundle.js';
import { type LogRecord, waitFor } from './support.js';

export interface BotProcess {
  readonly pid: number;
  stdout(): string;
  /** Everything written to stderr (JSON logs and any plain start-up message). */
  stderr(): string;
  /** Every stderr line that is a JSON log record. */
  logs(): LogRecord[];
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the first `count` log records whose message contains `text`. */
  waitForLog(text: string, count?: number, timeoutMs?: number): Promise<LogRecord[]>;
  send(line: string): void;
  /** Ends stdin: the terminal chat finishes and the bot exits 0. */
  end(): void;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

export interface StartBotOptions {
  /** Run as this user and group (the tests run as root: how a permission fault is made real). */
  user?: { uid: number; gid: number };
}

export function startBot(env: Record<string, string>, options: StartBotOptions = {}): BotProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'faults-cwd-'));
  if (options.user) chmodSync(cwd, 0o755); // mkdtemp's 0700 would keep another user out of its own cwd
  const child = spawn(process.execPath, [BOT_ENTRY], {
    cwd, // no .env here: the developer's own settings cannot leak in
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...wakers]) {
      wakers.delete(wake);
      wake();
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    wakeAll();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    wakeAll();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      rmSync(cwd, { recursive: true, force: true });
      wakeAll();
      resolve({ code, signal });
    });
  });
  const logs = (): LogRecord[] =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogRecord];
        } catch {
          return [];
        }
      });
  const subscribe = (wake: () => void) => wakers.add(wake);
  const context = () => `\n--- stdout ---\n${stdout.slice(-2000)}\n--- stderr ---\n${stderr.slice(-2000)}`;
  const bounded = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: Error) => {
      throw new Error(`${error.message}${context()}`);
    });

  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    waitForStdout: (text, timeoutMs = 10_000) =>
      bounded(
        waitFor(() => (stdout.includes(text) ? true : undefined), subscribe, timeoutMs, `stdout "${text}"`),
      ).then(() => undefined),
    waitForLog: (text, count = 1, timeoutMs = 10_000) =>
      bounded(
        waitFor(
          () => {
            const found = logs().filter((r) => r.msg.includes(text));
            return found.length >= count ? found.slice(0, count) : undefined;
          },
          subscribe,
          timeoutMs,
          `${count} log line(s) "${text}"`,
        ),
      ),
    send: (line) => {
      child.stdin.write(`${line}\n`);
    },
    end: () => {
      child.stdin.end();
    },
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
  };
}

/** Kills every bot a test started and has not seen exit (each by its own pid). */
export async function stopAll(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill('SIGKILL');
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null ? resolve() : child.once('close', () => resolve()),
        ),
    ),
  );
}

/** Resolves once `count` more requests matching `test` reached the emulator (bounded). */
export function nextRequests(
  emulator: Emulator,
  count: number,
  test: (request: Emulator['requests'][number]) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  let seen = 0;
  let wake: (() => void) | null = null;
  const off = emulator.onRequest((request) => {
    if (test(request)) seen++;
    wake?.();
  });
  return waitFor(
    () => (seen >= count ? true : undefined),
    (w) => {
      wake = w;
    },
    timeoutMs,
    `${count} requests`,
  ).then(
    () => {
      off();
    },
    (error: unknown) => {
      off();
      throw error;
    },
  );
}

/** The four settings that point the bot at an emulator, plus fast polling. */
export function botEnv(emulator: Emulator, dataDir: string): Record<string, string> {
  return {
    ...emulator.settings(),
    DATA_DIR: dataDir,
    POLL_INTERVAL_SECONDS: '0.1',
    API_REQUEST_BUDGET: '10000',
    API_TOKEN_REQUEST_LIMIT: '20000', // the emulator has no per-token limit
    LOG_LEVEL: 'info',
  };
}

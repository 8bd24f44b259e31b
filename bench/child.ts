/** A forked child speaking request/answer over IPC: the benches' way to run a server in another process. */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface Child {
  ask<T>(message: object): Promise<T>;
  stop(): Promise<void>;
  process: ChildProcess;
}

/** The Node flags of `npm start` (package.json), so every process measured runs as the bot runs. */
export const NPM_START_FLAGS: string[] = npmStartScript().match(/--[\w-]+(?:=\S+)?/g) ?? [];

function npmStartScript(): string {
  // Walk up: this module also runs bundled, from dist-bench/bench/.
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      return (JSON.parse(readFileSync(file, 'utf8')) as { scripts: { start: string } }).scripts.start;
    }
    if (dirname(dir) === dir) throw new Error('package.json not found above bench/child.ts');
  }
}

export async function startChild(script: string): Promise<Child> {
  const child = fork(script, {
    // The same flags as `npm start`, unless BENCH_NODE_FLAGS says otherwise. A bundled `.js` script
    // runs as `npm start` runs the bot: without the tsx loader.
    execArgv: [
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? NPM_START_FLAGS),
      '--expose-gc',
      ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
  });
  return {
    process: child,
    ask: <T>(message: object) =>
      new Promise<T>((resolve) => {
        child.once('message', (answer) => resolve(answer as T));
        child.send(message);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ stop: true });
      }),
  };
}

/** A forked child speaking request/answer over IPC: the benches' way to run a server in another process. */
import { type ChildProcess, fork } from 'node:child_process';

export interface Child {
  ask<T>(message: object): Promise<T>;
  stop(): Promise<void>;
  process: ChildProcess;
}

export async function startChild(script: string): Promise<Child> {
  const child = fork(script, {
    // The same flags as `npm start` (a small young generation keeps RSS down), unless BENCH_NODE_FLAGS
    // says otherwise. A bundled `.js` script runs as `npm start` runs the bot: without the tsx loader.
    execArgv: [
      ...(process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=2').split(' ').filter(Boolean),
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

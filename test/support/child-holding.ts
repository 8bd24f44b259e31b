/** A child process that runs a few lines of ESM (through tsx), says "held", and keeps running until killed. */
import { type ChildProcess, spawn } from 'node:child_process';

/** Starts it and resolves once it printed "held": whatever `setup` took (a lock, a store) is then held. */
export async function childHolding(setup: string): Promise<ChildProcess> {
  const script = `${setup}
process.stdout.write('held\\n');
setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) resolve();
    });
    child.once('close', (code) => reject(new Error(`holder exited (${code}) before holding: ${stderr}`)));
  });
  return child;
}

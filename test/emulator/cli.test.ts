/** `npm run emulator` as a user runs it: a child process printing four .env lines, stopped by a signal. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The tsx CLI `npm run emulator` uses, run by this node directly: no npm banner, no shell in between.
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

let child: ChildProcess | null = null;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
});

function startCli(port: string): ChildProcess {
  return spawn(process.execPath, [TSX_CLI, 'src/emulator/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first `count` stdout lines (or rejects if the process ends first). */
function readLines(proc: ChildProcess, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      if (lines.length > count) resolve(lines.slice(0, count));
    });
    proc.once('exit', (code) => reject(new Error(`emulator exited (${code}) early: ${stderr}`)));
  });
}

describe('npm run emulator', () => {
  it('prints the four settings, answers requests with them, and stops on SIGTERM', async () => {
    child = startCli('0');
    const lines = await readLines(child, 4);
    const settings = Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2)));
    expect(Object.keys(settings)).toEqual([
      'CLOUDFLARE_API_BASE_URL',
      'CLOUDFLARE_API_TOKEN',
      'CLOUDFLARE_ACCOUNT_ID',
      'REALTIMEKIT_APP_ID',
    ]);
    expect(settings.CLOUDFLARE_API_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);

    const url = `${settings.CLOUDFLARE_API_BASE_URL}/accounts/${settings.CLOUDFLARE_ACCOUNT_ID}/realtime/kit/${settings.REALTIMEKIT_APP_ID}/livestreams`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${settings.CLOUDFLARE_API_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { name: string }[]; paging: { total_count: number } };
    expect(body.paging.total_count).toBeGreaterThanOrEqual(5);
    expect(body.data.every((l) => typeof l.name === 'string')).toBe(true);

    const exited = once(child, 'close');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(code).toBe(0);
  });

  it('refuses a bad EMULATOR_PORT', async () => {
    child = startCli('http');
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // 'close' waits for stderr to be read to the end; 'exit' may come first.
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('EMULATOR_PORT');
  });
});

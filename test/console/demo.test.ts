/** `npm start` with no credentials: the demo (the bundled bot), driven through stdin in a child process. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_ENTRY } from '../build-bundle.js';

function runBot(
  input: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'demo-cwd-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BOT_ENTRY], {
      cwd, // no .env here, so the developer's own settings cannot leak in
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('terminal demo (no credentials)', () => {
  it('prints a rendered list and a clear error, and exits 0 when stdin ends', async () => {
    const { code, stdout } = await runBot('list\nstatus nope\n');
    expect(code).toBe(0);
    expect(stdout).toMatch(/DEMO/);
    expect(stdout).toMatch(/Livestreams\n1\. .+ \[(LIVE|IDLE|ERRORED|INVOKED)\]/);
    expect(stdout).toMatch(/Showing 1-\d+ of \d+/);
    expect(stdout).toContain('Livestream nope has no active session');
    expect(stdout).not.toMatch(/"success"|\{"data"/); // never raw JSON
  });

  it('accepts the slash form and answers bad input with usage', async () => {
    const { code, stdout } = await runBot('/livestream list live\nfrobnicate\nmeeting 42\n');
    expect(code).toBe(0);
    expect(stdout).toContain('Livestreams (LIVE)');
    expect(stdout).toContain('Unknown command "frobnicate"');
    expect(stdout).toContain('meeting ids are UUIDs');
    expect(stdout).toContain('Usage: /livestream meeting <meeting_id>');
  });

  it('stops with one message naming the wrong variable', async () => {
    const { code, stdout, stderr } = await runBot('', {
      CLOUDFLARE_API_TOKEN: 'abc',
      REALTIMEKIT_APP_ID: 'x'.repeat(40),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('CLOUDFLARE_ACCOUNT_ID is missing');
    expect(stderr).toContain('REALTIMEKIT_APP_ID must be at most 32');
    expect(stderr).not.toContain('abc');
  });

  it('says clearly when DATA_DIR cannot hold the state', async () => {
    const emulatorEnv = {
      CLOUDFLARE_API_TOKEN: 't0ken',
      CLOUDFLARE_ACCOUNT_ID: 'acct',
      REALTIMEKIT_APP_ID: 'app',
    };
    const { code, stderr } = await runBot('', { ...emulatorEnv, DATA_DIR: '/dev/null/state' });
    expect(code).toBe(1);
    expect(stderr).toContain('DATA_DIR');
    expect(stderr).toContain('/dev/null/state');
    expect(stderr).not.toContain('t0ken');
  });
});

/** `npm start` with no credentials: the demo (the bundled bot), driven through stdin in a child process. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_ENTRY, ROOT } from '../build-bundle.js';

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

  it('fits 80 columns, shows local times and never says who can see a reply', async () => {
    // TZ makes the zone deterministic; stdout is a pipe, so the width is the default 80.
    const { code, stdout } = await runBot('list\nhelp\n', { TZ: 'Europe/Paris' });
    expect(code).toBe(0);
    for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(stdout).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(stdout).toMatch(/Created: (\d+ h|\d+ days|1 day|\d+ months) ago/);
    expect(stdout).not.toContain('only you can see this');
  });

  it('the README says the same pace as the banner', async () => {
    const { stdout } = await runBot('');
    const banner = /changes status every (\d+) seconds/.exec(stdout.replace(/\s+/g, ' '));
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(banner?.[1]).toBeDefined();
    expect(readme).toContain(`changes status every ${banner?.[1]} seconds`);
    expect(readme).not.toMatch(/demo[^.]*every few seconds/i);
  });

  it('a page of list fits a 30-row window: a row or two per livestream, no playback URLs', async () => {
    const { code, stdout } = await runBot('list\n');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const page = lines.slice(
      lines.indexOf('Livestreams'),
      lines.findIndex((l) => l.startsWith('Showing')) + 1,
    );
    expect(page.filter((line) => /^\d+\. /.test(line))).toHaveLength(10);
    expect(page.length).toBeLessThanOrEqual(26);
    expect(page.join('\n')).not.toContain('https://');
    expect(lines).toContain('→ Details: show <id>');
  });

  it('help <command>: each argument and each example on its own line, under its label', async () => {
    const { code, stdout } = await runBot('help list\n');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const args = lines.indexOf('  Arguments:');
    expect(args).toBeGreaterThan(0);
    expect(lines[args + 1]).toBe('    live|idle|errored|invoked: Only livestreams with this status');
    expect(lines[args + 2]).toBe('    --page N: Page number, from 1');
    const examples = lines.indexOf('  Examples:');
    expect(lines.slice(examples + 1, examples + 3)).toEqual([
      '    /livestream list',
      '    /livestream list live',
    ]);
    expect(stdout).not.toMatch(/^\/livestream list live/m); // an example at the left edge
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

  it('the bundle loads the Slack and Discord adapters (separate chunks) when they are configured', async () => {
    // Nothing listens on 127.0.0.1:9, so each adapter stops at its first request, after its chunk loaded.
    const slack = await runBot('', {
      DEMO: '1', // a chat platform on demo data must be asked for
      SLACK_BOT_TOKEN: 'xoxb-bundle-test',
      SLACK_SIGNING_SECRET: 'bundle-signing-secret',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      PORT: '0',
    });
    expect(slack.code).toBe(1);
    expect(slack.stderr).toContain('Start-up failed: could not reach Slack (');
    const discord = await runBot('', {
      DEMO: '1',
      DISCORD_BOT_TOKEN: 'discord-bundle-test',
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:9/api',
    });
    expect(discord.code).toBe(1);
    expect(discord.stderr).toContain('could not register Discord commands');
    for (const { stderr } of [slack, discord]) {
      expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
      expect(stderr).not.toMatch(/xoxb-bundle-test|bundle-signing-secret|discord-bundle-test/);
    }
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

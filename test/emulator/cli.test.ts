/** `npm run emulator` as a user runs it: a child process printing .env lines, stopped by a signal. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { mustOf, SETTINGS } from '../../src/settings.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The tsx CLI `npm run emulator` uses, run by this node directly: no npm banner, no shell in between.
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');

let child: ChildProcess | null = null;

afterEach(async () => {
  const proc = child;
  child = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  // SIGTERM first: tsx passes it on to the emulator's own process, which a SIGKILL of tsx would orphan.
  const closed = once(proc, 'close');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await closed;
  clearTimeout(timer);
});

function startCli(port: string, token?: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, EMULATOR_PORT: port };
  delete env.EMULATOR_TOKEN;
  if (token !== undefined) env.EMULATOR_TOKEN = token;
  return spawn(process.execPath, [TSX_CLI, 'src/emulator/cli.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A port nothing listens on right now (the OS picks it; closed again before the emulator takes it). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The printed lines as settings: comments skipped, as dotenv skips them. */
function settingsOf(lines: string[]): Record<string, string> {
  return Object.fromEntries(
    lines.filter((line) => !line.startsWith('#')).map((line) => line.split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;
}

/** A start that is refused: its exit code and everything it wrote on stderr. */
async function refused(proc: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close' waits for stderr to be read to the end; 'exit' may come first.
  const [code] = (await once(proc, 'close')) as [number | null];
  return { code, stderr };
}

async function stop(proc: ChildProcess): Promise<number | null> {
  const exited = once(proc, 'close');
  proc.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

async function listLivestreams(settings: Record<string, string>): Promise<Response> {
  const url = `${settings.CLOUDFLARE_API_BASE_URL}/accounts/${settings.CLOUDFLARE_ACCOUNT_ID}/realtime/kit/${settings.REALTIMEKIT_APP_ID}/livestreams`;
  return fetch(url, { headers: { authorization: `Bearer ${settings.CLOUDFLARE_API_TOKEN}` } });
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
  it('prints the five settings, answers requests with them, and stops on SIGTERM', async () => {
    child = startCli('0');
    const lines = await readLines(child, 6);
    // The .env lines say they will not last: `> .env` keeps that note beside them.
    expect(lines[0]).toMatch(/^# .*change on every start.*EMULATOR_PORT.*EMULATOR_TOKEN/);
    const settings = settingsOf(lines);
    expect(Object.keys(settings)).toEqual([
      'CLOUDFLARE_API_BASE_URL',
      'CLOUDFLARE_API_TOKEN',
      'CLOUDFLARE_ACCOUNT_ID',
      'REALTIMEKIT_APP_ID',
      'REALTIMEKIT_WEBHOOK_KEY_URL',
    ]);
    expect(settings.CLOUDFLARE_API_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);

    const res = await listLivestreams(settings);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { name: string }[]; paging: { total_count: number } };
    expect(body.paging.total_count).toBeGreaterThanOrEqual(5);
    expect(body.data.every((l) => typeof l.name === 'string')).toBe(true);

    expect(await stop(child)).toBe(0);
  });

  it('prints the same lines on every start with EMULATOR_PORT and EMULATOR_TOKEN set', async () => {
    const port = String(await freePort());
    const token = 'emu_fixed-token_for.my.env';
    child = startCli(port, token);
    const first = await readLines(child, 6);
    expect(first[0]).toMatch(/^# .*stay the same/);
    const settings = settingsOf(first);
    expect(settings.CLOUDFLARE_API_TOKEN).toBe(token);
    expect(settings.CLOUDFLARE_API_BASE_URL).toBe(`http://127.0.0.1:${port}/client/v4`);
    expect(settings.CLOUDFLARE_ACCOUNT_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(settings.REALTIMEKIT_APP_ID).toMatch(/^[0-9a-f]{32}$/);
    expect((await listLivestreams(settings)).status).toBe(200);
    expect(await stop(child)).toBe(0);

    child = startCli(port, token);
    const second = await readLines(child, 6);
    expect(second).toEqual(first);
    // The .env written after the first start still works against the second.
    expect((await listLivestreams(settings)).status).toBe(200);
    expect(await stop(child)).toBe(0);
  });

  it('prints what docs/emulator.md shows, for the token there, and the doc shows every line', async () => {
    const doc = readFileSync(join(ROOT, 'docs/emulator.md'), 'utf8');
    const blocks = [...doc.matchAll(/```\n(# These lines[^`]*)```/g)].map((m) => m[1]!.trimEnd().split('\n'));
    expect(blocks).toHaveLength(2);
    for (const block of blocks) expect(Object.keys(settingsOf(block))).toHaveLength(5);
    const stable = blocks.find((block) => block[0]!.includes('stay the same'))!;
    const documented = settingsOf(stable);
    const docPort = new URL(documented.CLOUDFLARE_API_BASE_URL!).port;
    const port = String(await freePort());
    child = startCli(port, documented.CLOUDFLARE_API_TOKEN);
    const printed = await readLines(child, 6);
    expect(printed).toEqual(stable.map((line) => line.replaceAll(`:${docPort}/`, `:${port}/`)));
    expect(await stop(child)).toBe(0);
  });

  it('refuses an EMULATOR_TOKEN that could not be sent as a bearer token, in the schema’s words', async () => {
    const { code, stderr } = await refused(startCli('0', 'two words'));
    expect(code).toBe(2);
    // A token is a secret: the message says what is wrong, never the value.
    expect(stderr).toBe(`EMULATOR_TOKEN must ${mustOf(SETTINGS.EMULATOR_TOKEN)}\n`);
  });

  it('refuses a bad EMULATOR_PORT, in the schema’s words', async () => {
    const { code, stderr } = await refused(startCli('http'));
    expect(code).toBe(2);
    expect(stderr).toBe('EMULATOR_PORT must be a whole number from 0 to 65535 (got "http")\n');
  });

  it('says every problem at once', async () => {
    const { code, stderr } = await refused(startCli('70000', `${'t'.repeat(201)}`));
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'EMULATOR_PORT must be a whole number from 0 to 65535 (got "70000")',
      `EMULATOR_TOKEN must ${mustOf(SETTINGS.EMULATOR_TOKEN)}`,
    ]);
  });
});

/**
 * A stop signal ends the real bot process in a second or two whatever RealtimeKit is doing: a poll
 * read the API never answers is abandoned at once (not waited out, 10 s a try and three tries), and an
 * abandoned read changes nothing: the state file is whole, and the API is not recorded as failing (a
 * stop is not an outage, and the next start must not count one from it). A start waiting for the webhook
 * public key is given up at once too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { type BotProcess, botEnv, nextRequests, startBot, stopAll } from './bot-process.js';
import { integrityCheck, queryState } from './support.js';

let emulator: Emulator | null = null;
const scratch: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAll();
  await emulator?.stop();
  emulator = null;
  for (const close of closers.splice(0)) await close();
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** How long the bot took to exit after `signal`, with its exit; bounded so a slow stop fails clearly. */
async function timedStop(bot: BotProcess, signal: NodeJS.Signals, boundMs = 15_000) {
  const sentAt = Date.now();
  bot.kill(signal);
  const bound = new Promise<'still running'>((resolve) =>
    setTimeout(() => resolve('still running'), boundMs),
  );
  const exited = await Promise.race([bot.exited, bound]);
  return { exited, ms: Date.now() - sentAt };
}

it('SIGTERM while the API hangs a poll read: the bot exits at once (well within a request timeout), code 0, its state whole and no outage recorded', async () => {
  emulator = createEmulator({ seed: 171 });
  await emulator.start();
  emulator.addLivestream({ name: 'Show', status: 'IDLE' });
  const dataDir = mkdtempSync(join(tmpdir(), 'stop-process-'));
  scratch.push(dataDir);
  const bot = startBot(botEnv(emulator, dataDir));
  await bot.waitForLog('baseline recorded');
  // From now on every read of the lists hangs (far past the client's 10 s timeout and its retries).
  emulator.injectFault({ path: 'per_page=100', delayMs: 120_000, times: Number.POSITIVE_INFINITY });
  await nextRequests(emulator, 1, (r) => r.query.per_page === '100');

  const { exited, ms } = await timedStop(bot, 'SIGTERM');
  expect(exited).toEqual({ code: 0, signal: null });
  // Well under one request's 10 s timeout (the bot waited 30 s before), with room for a busy machine.
  expect(ms).toBeLessThan(8_000);
  expect(integrityCheck(dataDir)).toBe('ok');
  // The abandoned read is neither a failed cycle nor the start of an outage.
  expect(bot.logs().filter((r) => r.msg.includes('poll cycle failed'))).toEqual([]);
  expect(queryState(dataDir, "SELECT key FROM meta WHERE key LIKE 'api_%'")).toEqual([]);
});

/** A server that takes requests and never answers them; `requests` resolves at the first one. */
async function silentServer(): Promise<{ url: string; firstRequest: Promise<IncomingMessage> }> {
  const sockets = new Set<Socket>();
  let arrived!: (request: IncomingMessage) => void;
  const firstRequest = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
  const server = createServer((request) => arrived(request));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/key`, firstRequest };
}

it('SIGTERM while the start waits for the webhook public key: the bot exits at once (well within a request timeout), code 0', async () => {
  emulator = createEmulator({ seed: 172 });
  await emulator.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'stop-process-'));
  scratch.push(dataDir);
  const keyServer = await silentServer();
  const bot = startBot({
    ...botEnv(emulator, dataDir),
    PUBLIC_URL: 'http://127.0.0.1:1',
    PORT: '0',
    REALTIMEKIT_WEBHOOK_KEY_URL: keyServer.url,
  });
  await keyServer.firstRequest;

  const { exited, ms } = await timedStop(bot, 'SIGTERM');
  expect(exited).toEqual({ code: 0, signal: null });
  // Well under one request's 10 s timeout (the bot waited 30 s before), with room for a busy machine.
  expect(ms).toBeLessThan(8_000);
  await bot.waitForLog('stopped during start-up');
});

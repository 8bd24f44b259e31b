/** `npm run bench`: every figure in one run, all servers on 127.0.0.1; prints tables and writes JSON. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reply } from '../src/reply.js';
import type { Sink } from '../src/sink.js';
import { benchPoller } from './poller.js';

function consoleTable(title: string, rows: object[]): void {
  process.stdout.write(`\n${title}\n`);
  console.table(rows);
}

async function recordingSink() {
  let waiting: ((at: number) => void) | null = null;
  let n = 0;
  const sink: Sink = {
    platform: 'console',
    async post(_channel: string, _reply: Reply) {
      waiting?.(Date.now());
      waiting = null;
      return { messageId: String(n++) };
    },
    async edit() {},
  };
  return {
    sink,
    channelId: 'bench',
    nextPostAt: () => new Promise<number>((resolve) => (waiting = resolve)),
    close: async () => {},
  };
}

const sizes = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
const poller = await benchPoller(sizes, recordingSink);
results.poller = poller;
consoleTable('Poller: one steady-state cycle (emulator in another process)', poller);

const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nwrote ${file}\n`);

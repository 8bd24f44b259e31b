/**
 * Runs the poller bench for one size in this (fresh) process, answering over IPC:
 * {size, emulatorScript} -> PollerRow. run.ts runs it bundled, as `npm start` runs the bot.
 */
import type { Reply } from '../src/reply.js';
import type { Sink } from '../src/sink.js';
import { benchPoller } from './poller.js';

/** A platform that only records when each post arrived. */
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

process.on('message', (message: { size: number; emulatorScript: string } | { stop: true }) => {
  if ('stop' in message) process.exit(0);
  void benchPoller([message.size], recordingSink, message.emulatorScript).then(([row]) =>
    process.send?.(row),
  );
});
process.send?.({ ready: true });

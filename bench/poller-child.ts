/**
 * Runs one poller scenario in this (fresh) process, answering over IPC:
 * {scenario, emulatorScript} -> PollerRow. run.ts runs it bundled, as `npm start` runs the bot.
 */
import type { Reply } from '../src/reply.js';
import type { Sink } from '../src/sink.js';
import { benchPollerScenario, type PollerScenario } from './poller.js';

/** A platform that only records when each post arrived. */
async function recordingSink() {
  let waiting: ((at: number) => void) | null = null;
  let n = 0;
  const sink: Sink = {
    platform: 'console',
    pacingMs: 0,
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

process.on('message', (message: { scenario: PollerScenario; emulatorScript: string } | { stop: true }) => {
  if ('stop' in message) process.exit(0);
  void benchPollerScenario(message.scenario, recordingSink, message.emulatorScript).then((row) =>
    process.send?.(row),
  );
});
process.send?.({ ready: true });

/**
 * The emulator in its own process, so the bot's CPU and memory figures are the bot's alone.
 * Driven over IPC: {seed: n} -> settings; {live: k} sets k IDLE streams LIVE -> ids; {stop: true}.
 */
import { createEmulator } from '../src/emulator/emulator.js';

type Message = { seed: number } | { live: number } | { count: true } | { stop: true };

const emulator = createEmulator({ seed: 1 });
await emulator.start();

process.on('message', (message: Message) => {
  if ('seed' in message) {
    emulator.seed(message.seed, { status: 'IDLE' });
    process.send?.({ settings: emulator.settings() });
  } else if ('live' in message) {
    const idle = emulator
      .livestreams()
      .filter((l) => l.status === 'IDLE')
      .slice(0, message.live);
    for (const l of idle) emulator.setStatus(l.id, 'LIVE');
    process.send?.({ ids: idle.map((l) => l.id), at: Date.now() });
  } else if ('count' in message) {
    process.send?.({ requests: emulator.requests.length });
  } else {
    void emulator.stop().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });

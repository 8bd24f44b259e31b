/**
 * The emulator for the poller bench, in its own process (the bot's CPU and RSS figures are then the
 * bot's alone), standing in for an app of up to 1,000,000 livestreams. Driven over IPC:
 * {seed: n, live: k} seeds n streams of which k are LIVE -> settings, seeding time and RSS;
 * {probe: true} sets the oldest IDLE stream LIVE -> {id, at}; {stop: true}.
 */
import { createEmulator } from '../src/emulator/emulator.js';

type Message = { seed: number; live: number } | { probe: true } | { stop: true };

const emulator = createEmulator({ seed: 1 });
await emulator.start();

process.on('message', (message: Message) => {
  if ('seed' in message) {
    const started = performance.now();
    // Rows, not objects: the idle majority costs ~25 bytes a stream. The LIVE ones are created last
    // (one second apart up to now, like the others), so they are spread over the newest pages.
    emulator.seedLarge(message.seed - message.live, { status: 'IDLE' });
    emulator.seedLarge(message.live, { status: 'LIVE' });
    const seedMs = performance.now() - started;
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ settings: emulator.settings(), seedMs, rssMb: process.memoryUsage().rss / 1048576 });
  } else if ('probe' in message) {
    const [idle] = emulator.livestreams({ status: 'IDLE', limit: 1 });
    if (!idle) throw new Error('no IDLE livestream left to set LIVE');
    emulator.setStatus(idle.id, 'LIVE');
    process.send?.({ id: idle.id, at: Date.now() });
  } else {
    void emulator.stop().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });

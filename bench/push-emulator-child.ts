/**
 * The emulator for the push bench, in its own process so its signing and sending do not share the bot's
 * event loop. Over IPC: {streams: n} adds n IDLE livestreams -> {settings, ids}; {set: {id, status}}
 * changes one and answers with the time (Date.now()) of the change, which its webhook delivery follows;
 * {attempts: true} -> the answers the deliveries got; {stop: true}.
 */
import { createEmulator } from '../src/emulator/emulator.js';

type Message =
  { streams: number } | { set: { id: string; status: string } } | { attempts: true } | { stop: true };

const emulator = createEmulator({ seed: 15 });
await emulator.start();

process.on('message', (message: Message) => {
  if ('streams' in message) {
    const ids = Array.from(
      { length: message.streams },
      (_, i) => emulator.addLivestream({ name: `Push ${String(i + 1).padStart(3, '0')}`, status: 'IDLE' }).id,
    );
    process.send?.({ settings: emulator.settings(), ids });
  } else if ('set' in message) {
    const at = Date.now();
    emulator.setStatus(message.set.id, message.set.status);
    process.send?.({ at });
  } else if ('attempts' in message) {
    process.send?.({ answers: emulator.webhooks.attempts.map((a) => a.answer) });
  } else {
    void emulator.stop().then(() => process.exit(0));
  }
});
process.send?.({ ready: true });

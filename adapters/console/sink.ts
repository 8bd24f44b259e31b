/** The demo's notification view: posts and edits print into the terminal chat. */
import type { Reply } from '../../src/reply.js';
import { assertPublicSafe, type Sink } from '../../src/sink.js';
import { terminalSafe, terminalText } from './render.js';

export const CONSOLE_CHANNEL = 'terminal';

export function createConsoleSink(print: (text: string) => void): Sink {
  let next = 1;
  const show = (prefix: string, reply: Reply) => {
    assertPublicSafe(reply);
    const mention = reply.mention ? `${terminalSafe(reply.mention)} ` : '';
    print(`${prefix} ${mention}${terminalText(reply)}`);
  };
  return {
    platform: 'console',
    async post(_channelId, reply) {
      show('[notification]', reply);
      return { messageId: String(next++) };
    },
    async edit(_channelId, messageId, reply) {
      show(`[notification #${messageId} updated]`, reply);
    },
  };
}

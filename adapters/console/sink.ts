/** The demo's notification view: posts and edits print into the terminal chat. */
import { type Reply, replyToPlainText } from '../../src/reply.js';
import { assertPublicSafe, type Sink } from '../../src/sink.js';

export const CONSOLE_CHANNEL = 'terminal';

export function createConsoleSink(print: (text: string) => void): Sink {
  let next = 1;
  const show = (prefix: string, reply: Reply) => {
    assertPublicSafe(reply);
    const body = replyToPlainText(reply);
    print(`${prefix} ${reply.mention ? `${reply.mention} ` : ''}${body}`);
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

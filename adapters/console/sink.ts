/** The demo's notification view: posts and edits print into the terminal chat. */
import type { Reply } from '../../src/reply.js';
import { assertPublicSafe, type Sink } from '../../src/sink.js';
import { layOut, terminalSafe, terminalText } from './render.js';

export const CONSOLE_CHANNEL = 'terminal';

/** How the terminal shows text now: read at each print, so a resized window wraps to its new width. */
export interface TerminalView {
  width(): number;
  colour: boolean;
  /** Epoch ms, for "3 min ago". */
  now(): number;
  timeZone?: string;
}

export function createConsoleSink(print: (text: string) => void, view?: TerminalView): Sink {
  let next = 1;
  const show = (prefix: string, reply: Reply) => {
    assertPublicSafe(reply);
    const mention = reply.mention ? `${terminalSafe(reply.mention)} ` : '';
    const times = { now: view?.now() ?? Date.now(), ...(view?.timeZone ? { timeZone: view.timeZone } : {}) };
    const text = `${prefix} ${mention}${terminalText(reply, times)}`;
    print(
      layOut(text, reply.tone, { colour: view?.colour ?? false, ...(view ? { width: view.width() } : {}) }),
    );
  };
  return {
    platform: 'console',
    pacingMs: 0, // a terminal has no rate limit
    async post(_channelId, reply) {
      show('[notification]', reply);
      return { messageId: String(next++) };
    },
    async edit(_channelId, messageId, reply) {
      show(`[notification #${messageId} updated]`, reply);
    },
  };
}

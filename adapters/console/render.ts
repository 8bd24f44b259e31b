/** Reply -> terminal text. Plain text with optional ANSI colour for badges. */
import { withoutInvisible } from '../../src/plain-text.js';
import { type Reply, replyToPlainText, type Tone } from '../../src/reply.js';

const TONE_COLOURS: Record<Tone, number> = {
  live: 32,
  success: 32,
  idle: 37,
  offline: 37,
  invoked: 36,
  info: 36,
  errored: 31,
  error: 31,
  unknown: 33,
};

/** Control characters other than the line break: ESC (ANSI codes), carriage return, bell, C1 codes... */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/g;

/**
 * Text a terminal shows as is: no escape codes (a name could clear the screen or recolour what follows),
 * no carriage return (it would overwrite its line), no bidi or zero-width characters.
 */
export function terminalSafe(text: string): string {
  return withoutInvisible(text).replace(TERMINAL_CONTROLS, '');
}

/** The reply as plain terminal text, cleaned (see `terminalSafe`); the notification sink uses it too. */
export function terminalText(value: Reply): string {
  return terminalSafe(replyToPlainText(value));
}

export function renderForTerminal(value: Reply, options: { colour: boolean }): string {
  let text = terminalText(value);
  if (options.colour) {
    const paint = (s: string, tone: Tone) => `\u001b[${TONE_COLOURS[tone]}m${s}\u001b[0m`;
    const first = text.split('\n', 1)[0] ?? '';
    text = paint(first, value.tone) + text.slice(first.length);
  }
  const tag = value.visibility === 'requester' ? ' (only you can see this)' : '';
  return `${text}${tag ? `\n${tag.trim()}` : ''}`;
}

/** Reply -> terminal text. Plain text with optional ANSI colour for badges. */
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

export function renderForTerminal(value: Reply, options: { colour: boolean }): string {
  let text = replyToPlainText(value);
  if (options.colour) {
    const paint = (s: string, tone: Tone) => `\u001b[${TONE_COLOURS[tone]}m${s}\u001b[0m`;
    const first = text.split('\n', 1)[0] ?? '';
    text = paint(first, value.tone) + text.slice(first.length);
  }
  const tag = value.visibility === 'requester' ? ' (only you can see this)' : '';
  return `${text}${tag ? `\n${tag.trim()}` : ''}`;
}

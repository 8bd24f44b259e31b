/**
 * Reply -> terminal text: plain text with local times, wrapped to the terminal's width, with optional
 * ANSI colour for the first line.
 */
import { commandLine, commandText } from '../../src/commands/index.js';
import { withoutInvisible } from '../../src/plain-text.js';
import {
  type CommandAction,
  type Reply,
  type ReplyField,
  type ReplyList,
  replyToPlainText,
  type Tone,
} from '../../src/reply.js';
import { listRows } from './list-rows.js';
import { sparklineLines } from './sparkline.js';
import { localTime, localTimesIn, type TimeView } from './time.js';
import { wrapText } from './wrap.js';

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

/** Columns when the output is not a terminal that says its width (a pipe, a file, a test). */
export const DEFAULT_TERMINAL_WIDTH = 80;

export interface TerminalLayout extends Partial<TimeView> {
  colour: boolean;
  /** Columns to wrap to; default `DEFAULT_TERMINAL_WIDTH`. */
  width?: number;
}

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

/**
 * The reply as plain terminal text, cleaned (see `terminalSafe`), its times local (see time.ts);
 * not wrapped. Who may see it is not said: a terminal has one reader.
 */
export function terminalText(value: Reply, view: Partial<TimeView> = {}): string {
  const times: TimeView = {
    now: view.now ?? Date.now(),
    ...(view.timeZone ? { timeZone: view.timeZone } : {}),
  };
  const local = (fields: ReplyField[]) =>
    fields.map((field) =>
      field.format === 'time' ? { ...field, value: localTime(field.value, times) } : field,
    );
  // No image here: a chart's numbers are drawn as sparklines under the paragraph.
  const chart = value.image?.data ? sparklineLines(value.image.data) : [];
  const paragraph = [...(value.text ? [localTimesIn(value.text, times)] : []), ...chart].join('\n');
  const shown: Reply = { ...value, ...(paragraph ? { text: paragraph } : {}), fields: local(value.fields) };
  // A button reads as the command it stands for: `→ Next: list --page 2`.
  const actionText = (action: CommandAction) => commandText(action.command);
  // A list item is a row or two (list-rows.ts), so a page of `list` fits a window.
  const listLines = (list: ReplyList) => listRows(list, times, actionText);
  return terminalSafe(replyToPlainText(shown, { actionText, listLines, commandLine }));
}

/** `text` (already terminal-safe) wrapped, its first line in `tone`'s colour when asked. */
export function layOut(text: string, tone: Tone | null, layout: TerminalLayout): string {
  const wrapped = wrapText(text, layout.width ?? DEFAULT_TERMINAL_WIDTH);
  if (!layout.colour || tone === null) return wrapped;
  const first = wrapped.split('\n', 1)[0] ?? '';
  return `\u001b[${TONE_COLOURS[tone]}m${first}\u001b[0m${wrapped.slice(first.length)}`;
}

export function renderForTerminal(value: Reply, layout: TerminalLayout): string {
  return layOut(terminalText(value, layout), value.tone, layout);
}

/**
 * The terminal chat: a person (or a script) types `/livestream list live` or just `list live`, and reads
 * the rendered reply. Reads lines until the input ends, answers them in order, then resolves.
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { internalErrorReply } from '../../src/commands/index.js';
import { aroundStderrLines, type Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import { DEFAULT_TERMINAL_WIDTH, renderForTerminal } from './render.js';
import type { TerminalView } from './sink.js';
import { wrapText } from './wrap.js';

export interface ConsoleChatOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The core: text in, Reply out. */
  handleText: (text: string) => Promise<Reply>;
  /** A prompt and colours for a person at a terminal; plain lines for scripts. */
  interactive: boolean;
  banner?: string;
  /** Epoch ms, for "3 min ago" (default: the system clock). */
  now?: () => number;
  /** The zone times are shown in (default: the host's, TZ). */
  timeZone?: string;
  /** Where a failure to answer a line is told (the person sees only that it did not work). */
  log?: Logger;
}

const PROMPT = 'livestream> ';

export interface ConsoleChat {
  /** Resolves when the input has ended (or the person typed `quit`) and every reply is printed. */
  done: Promise<void>;
  /** Prints text (a notification) without breaking the person's half-typed line. */
  print(text: string): void;
  /** How this terminal shows text (its width now, colours, time zone): the notification sink uses it. */
  view: TerminalView;
}

export function startConsoleChat(options: ConsoleChatOptions): ConsoleChat {
  const { input, output, interactive } = options;
  const rl = createInterface({
    input,
    output: interactive ? output : undefined,
    terminal: interactive,
    prompt: PROMPT,
  });
  const view: TerminalView = {
    width: () => columnsOf(output) ?? DEFAULT_TERMINAL_WIDTH,
    colour: interactive,
    now: options.now ?? Date.now,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  };
  const write = (text: string) => output.write(`${text}\n`);

  // True while the prompt is on screen waiting for a line: anything printed then must move it out of
  // the way and draw it again. While a command runs there is no prompt to protect.
  let prompting = false;
  const prompt = () => {
    prompting = true;
    rl.prompt();
  };
  rl.on('line', () => {
    prompting = false;
  });
  const aside = (show: () => void) => {
    if (!interactive || !prompting) return show();
    cursorTo(output, 0);
    clearLine(output, 0);
    show();
    rl.prompt(true);
  };
  const print = (text: string) => aside(() => write(text));
  // Log lines go to stderr, usually the same terminal: they too must not land on the prompt line.
  const releaseLogs = interactive ? aroundStderrLines(aside) : () => {};

  if (options.banner) write(wrapText(options.banner, view.width()));

  const done = (async () => {
    try {
      if (interactive) prompt();
      for await (const line of rl) {
        const text = line.trim();
        if (text === 'quit' || text === 'exit') break;
        if (text !== '') {
          const render = (answer: Reply) =>
            renderForTerminal(answer, {
              colour: interactive,
              width: view.width(),
              now: view.now(),
              ...(view.timeZone ? { timeZone: view.timeZone } : {}),
            });
          // A bug answering one line must not end the chat (and skip the app's clean stop): like Slack
          // and Discord, the person is told it did not work and the next line is read.
          let shown: string;
          try {
            shown = render(await options.handleText(text));
          } catch (error) {
            options.log?.error('the terminal chat could not answer a line', { error });
            shown = render(internalErrorReply());
          }
          write(shown);
          if (interactive) write('');
        }
        if (interactive) prompt();
      }
    } finally {
      prompting = false;
      releaseLogs();
      rl.close();
    }
  })();
  return { done, print, view };
}

/** The terminal's width, when the output is one that says it (a TTY's `columns`). */
function columnsOf(output: NodeJS.WritableStream): number | null {
  const columns = (output as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0 ? columns : null;
}

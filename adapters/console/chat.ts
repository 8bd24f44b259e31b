/**
 * The terminal chat: a person (or a script) types `/livestream list live` or just `list live`, and reads
 * the rendered reply. Reads lines until the input ends, answers them in order, then resolves.
 */
import { createInterface } from 'node:readline';
import type { Reply } from '../../src/reply.js';
import { renderForTerminal } from './render.js';

export interface ConsoleChatOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** The core: text in, Reply out. */
  handleText: (text: string) => Promise<Reply>;
  /** A prompt and colours for a person at a terminal; plain lines for scripts. */
  interactive: boolean;
  banner?: string;
}

const PROMPT = 'livestream> ';

export interface ConsoleChat {
  /** Resolves when the input has ended (or the person typed `quit`) and every reply is printed. */
  done: Promise<void>;
  /** Prints text (a notification) without breaking the person's half-typed line. */
  print(text: string): void;
}

export function startConsoleChat(options: ConsoleChatOptions): ConsoleChat {
  const { input, output, interactive } = options;
  const rl = createInterface({
    input,
    output: interactive ? output : undefined,
    terminal: interactive,
    prompt: PROMPT,
  });
  const write = (text: string) => output.write(`${text}\n`);
  const print = (text: string) => {
    if (interactive) {
      output.write('\r\u001b[K');
      write(text);
      rl.prompt(true);
    } else write(text);
  };
  if (options.banner) write(options.banner);

  const done = (async () => {
    if (interactive) rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text === 'quit' || text === 'exit') break;
      if (text !== '') {
        const answer = await options.handleText(text);
        write(renderForTerminal(answer, { colour: interactive }));
        if (interactive) write('');
      }
      if (interactive) rl.prompt();
    }
    rl.close();
  })();
  return { done, print };
}

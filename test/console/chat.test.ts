/**
 * The terminal chat as a person at a terminal meets it: readline in terminal mode over streams that
 * stand in for the TTY (with a width), replies wrapped to it, and log lines that never land on the
 * prompt line.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startConsoleChat } from '../../adapters/console/chat.js';
import { createLogger } from '../../src/log.js';
import { reply } from '../../src/reply.js';

// eslint-disable-next-line no-control-regex -- finding escape codes is the point
const ESCAPES = /\u001b\[[0-9;]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex -- a carriage return or "cursor to column" is the point
const TO_LINE_START = /\r|\u001b\[\d*G/;
// eslint-disable-next-line no-control-regex -- "clear line" is the point
const CLEAR_LINE = /\u001b\[\d*K/;

/** A terminal: what the chat wrote to stdout and what went to stderr, in the order they were written. */
function terminal(columns: number) {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { columns, isTTY: true });
  const screen: { stream: 'out' | 'err'; text: string }[] = [];
  output.on('data', (chunk: Buffer) => screen.push({ stream: 'out', text: chunk.toString() }));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    screen.push({ stream: 'err', text: String(chunk) });
    return true;
  });
  /** Resolves once the screen's stdout, escape codes left out, has `text` after position `from`. */
  const waitFor = (text: string, from = 0) =>
    vi.waitFor(
      () => {
        const shown = outText().slice(from);
        if (!shown.includes(text)) throw new Error(`not yet: ${JSON.stringify(text)}`);
      },
      { timeout: 2_000, interval: 5 },
    );
  const outText = () =>
    screen
      .filter((s) => s.stream === 'out')
      .map((s) => s.text)
      .join('')
      .replace(ESCAPES, '');
  return { input, output, screen, stderr, waitFor, outText };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('terminal chat', () => {
  it('wraps replies to the terminal’s width', async () => {
    const t = terminal(44);
    const chat = startConsoleChat({
      input: t.input,
      output: t.output,
      interactive: true,
      handleText: async () =>
        reply({
          title: 'Livestream commands',
          text: 'Run Cloudflare RealtimeKit livestreams from chat, and hear when they go live or fail.',
          visibility: 'requester',
        }),
    });
    t.input.write('help\r');
    await t.waitFor('hear when');
    t.input.end();
    await chat.done;
    const lines = t.outText().split(/\r?\n/);
    expect(lines).toContain('Run Cloudflare RealtimeKit livestreams from');
    expect(lines).toContain('chat, and hear when they go live or fail.');
    expect(t.outText()).not.toContain('only you can see this');
  });

  it('a log line clears the prompt line, and the prompt comes back with what was typed', async () => {
    const t = terminal(80);
    const chat = startConsoleChat({
      input: t.input,
      output: t.output,
      interactive: true,
      handleText: async () => reply({ title: 'ok' }),
    });
    await t.waitFor('livestream> ');
    t.input.write('list li');
    await t.waitFor('list li');
    const before = t.screen.length;
    createLogger({ level: 'warn' }).warn('poller waits for its request budget');
    const after = t.screen.slice(before);
    const logAt = after.findIndex((s) => s.stream === 'err');
    expect(logAt).toBeGreaterThan(0);
    expect(JSON.parse(after[logAt]!.text)).toMatchObject({ msg: 'poller waits for its request budget' });
    // Before it: the cursor back to the line's start and the line cleared (the prompt is gone).
    const cleared = after
      .slice(0, logAt)
      .map((s) => s.text)
      .join('');
    expect(cleared).toMatch(TO_LINE_START);
    expect(cleared).toMatch(CLEAR_LINE);
    // After it: the prompt again, with the half-typed command.
    const redrawn = after
      .slice(logAt + 1)
      .map((s) => s.text)
      .join('')
      .replace(ESCAPES, '');
    expect(redrawn).toContain('livestream> list li');
    t.input.end();
    await chat.done;
  });

  it('while a command runs there is no prompt: a notification prints on its own lines, then the reply', async () => {
    const t = terminal(80);
    let answer!: () => void;
    const chat = startConsoleChat({
      input: t.input,
      output: t.output,
      interactive: true,
      handleText: () =>
        new Promise((resolve) => {
          answer = () => resolve(reply({ title: 'Livestreams' }));
        }),
    });
    t.input.write('list\r');
    await vi.waitFor(() => expect(answer).toBeTypeOf('function'));
    const from = t.outText().length;
    chat.print('[notification] Show is live');
    answer();
    await t.waitFor('Livestreams', from);
    const shown = t.outText().slice(from);
    expect(shown).not.toMatch(/livestream> \[notification\]|livestream> Livestreams/);
    expect(shown.indexOf('[notification] Show is live')).toBeLessThan(shown.indexOf('Livestreams'));
    t.input.end();
    await chat.done;
  });

  it('after the chat ends, log lines go straight to stderr again', async () => {
    const t = terminal(80);
    const chat = startConsoleChat({
      input: t.input,
      output: t.output,
      interactive: true,
      handleText: async () => reply({ title: 'ok' }),
    });
    t.input.end();
    await chat.done;
    const before = t.screen.length;
    createLogger({ level: 'warn' }).warn('after');
    expect(t.screen.slice(before).map((s) => s.stream)).toEqual(['err']);
  });
});

describe('terminal chat, when answering throws', () => {
  it('answers that it did not work, logs the error, and goes on with the next line', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const logged: string[] = [];
    let calls = 0;
    const chat = startConsoleChat({
      input,
      output,
      interactive: false,
      log: createLogger({ write: (line) => logged.push(line) }),
      handleText: async (text) => {
        calls++;
        if (calls === 1) throw new Error('a bug');
        return reply({ title: `Answered ${text}` });
      },
    });
    input.write('list\nstatus x\n');
    input.end();
    await chat.done;
    expect(shown).toContain('That did not work');
    expect(shown).toContain('Answered status x');
    expect(logged.join('\n')).toContain('a bug');
  });
});

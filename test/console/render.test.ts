/** Reply -> terminal text: a name cannot fake lines or drive the terminal with escape codes. */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { createConsoleSink } from '../../adapters/console/sink.js';
import { reply } from '../../src/reply.js';

// eslint-disable-next-line no-control-regex -- finding escape codes is the point
const ESCAPE_CODE = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

const hostile = reply({
  title: 'Show\n  Stream key: fake\u001b[2J\u001b[31m is live\r',
  tone: 'live',
  badge: { text: 'LIVE', tone: 'live' },
  // The paragraph and footer keep their lines, but never a control character or escape code.
  text: 'It said \u001b[2Jhi\r\u202Eok\nsecond line',
  footer: 'bell\u0007',
  fields: [{ label: 'Name', value: 'a\u001b]0;pwned\u0007\nb\u202Eevil\u200B' }],
  visibility: 'channel',
});

describe('names in the terminal', () => {
  it('plain: one line per title and field, no control characters, no bidi or zero-width', () => {
    const text = renderForTerminal(hostile, { colour: false });
    expect(text.split('\n')).toEqual([
      'Show   Stream key: fake [2J [31m is live  [LIVE]',
      'It said [2Jhiok',
      'second line',
      '  Name: a ]0;pwned bevil',
      'bell',
    ]);
  });

  it('coloured: the only escape codes are the renderer’s own', () => {
    const text = renderForTerminal(hostile, { colour: true });
    const escapes = text.match(ESCAPE_CODE) ?? [];
    expect(escapes).toEqual(['\u001b[32m', '\u001b[0m']);
    expect(text.replace(ESCAPE_CODE, '')).not.toMatch(CONTROL);
    expect(text.split('\n')).toHaveLength(5);
  });

  it('a notification printed into the terminal chat is cleaned the same way', async () => {
    const printed: string[] = [];
    await createConsoleSink((line) => printed.push(line)).post('terminal', hostile);
    expect(printed).toHaveLength(1);
    expect(printed[0]?.split('\n')).toEqual([
      '[notification] Show   Stream key: fake [2J [31m is live  [LIVE]',
      'It said [2Jhiok',
      'second line',
      '  Name: a ]0;pwned bevil',
      'bell',
    ]);
  });
});

/** Reply -> terminal text: a name cannot fake lines or drive the terminal with escape codes. */
import { describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { createConsoleSink } from '../../adapters/console/sink.js';
import { reply } from '../../src/reply.js';

// eslint-disable-next-line no-control-regex -- finding escape codes is the point
const ESCAPE_CODE = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex -- a line wholly in one colour is the point
const PAINTED_LINE = /^\u001b\[32m.+\u001b\[0m$/;
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

const NOW = Date.parse('2026-11-22T13:05:00Z');
const PARIS = { now: NOW, timeZone: 'Europe/Paris' } as const;
const URL =
  'https://customer-emulator.cloudflarestream.com/73d6ec6bd2c6f929bc1711bc23a5b988/manifest/video.m3u8';
const ID = 'eb0f84b5-743c-4e24-b02f-03ed326d9e88';

describe('replies fit the terminal', () => {
  const long = reply({
    title: 'Livestream created: Customer Webinar: Getting Started with the new dashboard',
    tone: 'success',
    badge: { text: 'INVOKED', tone: 'invoked' },
    text: 'Point your encoder (OBS, ffmpeg…) at the RTMPS server with this stream key. Keep the key secret: anyone who has it can broadcast on this stream.',
    fields: [
      { label: 'Livestream ID', value: ID, format: 'code' },
      { label: 'Name', value: 'Customer Webinar: Getting Started with the new dashboard and its reports' },
    ],
    links: [{ label: 'Playback URL', url: URL }],
  });

  it('wraps at word boundaries to the width, hanging indented lines under their start', () => {
    const lines = renderForTerminal(long, { colour: false, width: 40, ...PARIS }).split('\n');
    // Only a word longer than the width (the URL) may pass it, alone on its line.
    for (const line of lines) if (line.length > 40) expect(line.trim()).toBe(URL);
    expect(lines).toContain(`    ${ID}`);
    expect(lines.filter((l) => l.includes(URL))).toHaveLength(1);
    // The paragraph is cut between words, never inside one.
    const paragraph = lines.slice(lines.findIndex((l) => l.startsWith('Point')));
    expect(paragraph.slice(0, 4)).toEqual([
      'Point your encoder (OBS, ffmpeg…) at the',
      'RTMPS server with this stream key. Keep',
      'the key secret: anyone who has it can',
      'broadcast on this stream.',
    ]);
    // A field's continuation lines are indented deeper than the field itself.
    const name = lines.findIndex((l) => l.startsWith('  Name: '));
    expect(lines[name + 1]).toMatch(/^ {4}\S/);
    // Nothing lost: the words are the same as unwrapped.
    const words = (t: string) => t.split(/\s+/).filter(Boolean);
    expect(words(lines.join('\n'))).toEqual(
      words(renderForTerminal(long, { colour: false, width: 1000, ...PARIS })),
    );
  });

  it('a word too long for its indent starts at the left edge when it fits there, so the terminal does not fold it', () => {
    const width = URL.length + 2;
    const lines = renderForTerminal(long, { colour: false, width, ...PARIS }).split('\n');
    expect(lines).toContain(URL);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(width);
  });

  it('a sentence with a colon is a paragraph, not a field: its lines are not indented', () => {
    const banner = reply({
      title: 'livestream-chatops DEMO: no Cloudflare credentials are set, so this talks to a local emulator.',
    });
    expect(renderForTerminal(banner, { colour: false, width: 50, ...PARIS }).split('\n')).toEqual([
      'livestream-chatops DEMO: no Cloudflare credentials',
      'are set, so this talks to a local emulator.',
    ]);
  });

  it('colours the first line after wrapping, so a code never splits a word', () => {
    const text = renderForTerminal(long, { colour: true, width: 40, ...PARIS });
    const first = text.split('\n')[0]!;
    expect(first).toMatch(PAINTED_LINE);
    expect(first.replace(ESCAPE_CODE, '').length).toBeLessThanOrEqual(40);
  });

  it('says nothing about who can see a reply: a terminal has one reader', () => {
    const text = renderForTerminal(reply({ title: 'Livestreams', visibility: 'requester' }), {
      colour: false,
      ...PARIS,
    });
    expect(text).toBe('Livestreams');
  });
});

describe('times in the terminal', () => {
  const timed = reply({
    title: 'Show is live',
    text: 'It dropped briefly and was back live at 2026-11-22T13:01:30.000Z.',
    fields: [
      { label: 'Started', value: '2026-11-22T13:02:00.000Z', format: 'time' },
      { label: 'Ended', value: '2026-11-22T13:04:50.000Z', format: 'time' },
    ],
    list: {
      items: [
        { title: 'Older', fields: [{ label: 'Created', value: '2026-11-20T07:00:00.000Z', format: 'time' }] },
        {
          title: 'Last year',
          fields: [{ label: 'Created', value: '2025-06-01T10:00:00.000Z', format: 'time' }],
        },
      ],
      total: 2,
      offset: 1,
    },
  });

  it('shows the local time with its zone and how long ago, never the raw ISO string', () => {
    const text = renderForTerminal(timed, { colour: false, ...PARIS });
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text).toContain('  Started: 14:02 CET (3 min ago)');
    expect(text).toContain('  Ended: 14:04 CET (just now)');
    expect(text).toContain('back live at 14:01 CET (4 min ago).');
    // A list row has room for how long ago only (the item's details give the time).
    expect(text).toContain('   Created: 2 days ago');
    expect(text).toContain('   Created: a year ago');
  });

  it('in another zone, the same instant reads in that zone', () => {
    const text = renderForTerminal(timed, { colour: false, now: NOW, timeZone: 'UTC' });
    expect(text).toContain('  Started: 13:02 UTC (3 min ago)');
    const tokyo = renderForTerminal(timed, { colour: false, now: NOW, timeZone: 'Asia/Tokyo' });
    expect(tokyo).toContain('  Started: 22:02 GMT+9 (3 min ago)');
  });

  it('a notification shows local times too, and wraps with its prefix', async () => {
    const printed: string[] = [];
    const sink = createConsoleSink((text) => printed.push(text), {
      width: () => 40,
      colour: false,
      now: () => NOW,
      timeZone: 'Europe/Paris',
    });
    await sink.post('terminal', {
      ...timed,
      visibility: 'channel',
      title: `${'Very '.repeat(8)}long name is live`,
    });
    const lines = printed[0]!.split('\n');
    expect(lines[0]).toBe('[notification] Very Very Very Very Very');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(printed[0]).toContain('Started: 14:02 CET (3 min ago)');
  });
});

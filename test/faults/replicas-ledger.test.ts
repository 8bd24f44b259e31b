/**
 * The chaos test's checker, on plain values: it must see a lost notification, a repeat, a repeat that is
 * not the documented window, and an edit of the wrong post; and accept the digest's one folding rule.
 */
import { describe, expect, it } from 'vitest';
import {
  announced,
  compare,
  type Kind,
  type Notice,
  readNotice,
  type SlackCall,
  strayEdits,
  windowRepeats,
} from './replicas-ledger.js';

let index = 0;
function call(
  method: SlackCall['method'],
  text: string,
  options: { channel?: string; ts?: string; sender?: string } = {},
): SlackCall {
  index += 1;
  return {
    index,
    at: index * 1_000,
    method,
    channel: options.channel ?? 'C1',
    text,
    ts: options.ts ?? `${index}.0`,
    sender: options.sender ?? 'r1#1',
  };
}
const notices = (calls: SlackCall[]): Notice[] => calls.map((c) => readNotice(c)!);
const expected = (entries: [string, Kind[][]][]) => new Map(entries);

describe('announced', () => {
  it('follows the status rules: leaving LIVE ends, reaching LIVE or ERRORED is told, ERRORED to OFFLINE is silent', () => {
    expect(announced('IDLE', 'LIVE')).toEqual(['live']);
    expect(announced('LIVE', 'OFFLINE')).toEqual(['ended']);
    expect(announced('LIVE', 'ERRORED')).toEqual(['ended', 'errored']);
    expect(announced('ERRORED', 'LIVE')).toEqual(['live']);
    expect(announced('ERRORED', 'IDLE')).toEqual([]);
    expect(announced('OFFLINE', 'ERRORED')).toEqual(['errored']);
  });
});

describe('readNotice', () => {
  it('reads single posts, edits and digests; refuses anything else', () => {
    expect(readNotice(call('chat.postMessage', 'S01 is live [LIVE]\n  Livestream ID: x'))?.items).toEqual([
      { stream: 'S01', kind: 'live' },
    ]);
    expect(readNotice(call('chat.update', 'S01 ended [ENDED]\nIt is no longer live.'))?.items).toEqual([
      { stream: 'S01', kind: 'ended' },
    ]);
    const digest = readNotice(
      call(
        'chat.postMessage',
        '2 livestream updates\n1 went live, 1 errored, 0 ended.\n1. S02 [ERRORED]\n     Error: e\n2. S03 [LIVE]\nShowing 1-2 of 2',
      ),
    );
    expect(digest?.digest).toBe(true);
    expect(digest?.items).toEqual([
      { stream: 'S02', kind: 'errored' },
      { stream: 'S03', kind: 'live' },
    ]);
    expect(readNotice(call('chat.postMessage', 'Livestream notifications are delayed'))).toBeNull();
    expect(
      readNotice(call('chat.update', 'S01 is live [LIVE]\nIt dropped briefly and was back live')),
    ).toBeNull();
  });
});

describe('compare', () => {
  const want = expected([['S01', [['live'], ['ended', 'errored']]]]);

  it('accepts each transition once, the ended edit included', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.update', 'S01 ended [ENDED]'),
      call('chat.postMessage', 'S01 errored [ERRORED]'),
    ]);
    expect(compare(want, told, ['C1'])).toEqual([]);
  });

  it('accepts a digest whose ERRORED line stands for the LIVE -> ERRORED pair', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.postMessage', '2 livestream updates\n1. S01 [ERRORED]\n2. S02 [LIVE]'),
    ]);
    expect(compare(expected([...want, ['S02', [['live']]]]), told, ['C1'])).toEqual([]);
  });

  it('but not a single ERRORED post in place of both', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.postMessage', 'S01 errored [ERRORED]'),
    ]);
    expect(compare(want, told, ['C1'])).toHaveLength(1);
  });

  it('nor a digest folding two changes: LIVE -> OFFLINE, then OFFLINE -> ERRORED', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.postMessage', '3 livestream updates\n1. S01 [ERRORED]\n2. S02 [LIVE]\n3. S03 [LIVE]'),
    ]);
    const twoChanges = expected([
      ['S01', [['live'], ['ended'], ['errored']]],
      ['S02', [['live']]],
      ['S03', [['live']]],
    ]);
    expect(compare(twoChanges, told, ['C1'])).toEqual([
      expect.objectContaining({ stream: 'S01', expected: ['live', 'ended', 'errored'] }),
    ]);
  });

  it('sees a lost transition, in one channel of two', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]', { channel: 'C1' }),
      call('chat.postMessage', 'S01 is live [LIVE]', { channel: 'C2' }),
      call('chat.update', 'S01 ended [ENDED]', { channel: 'C1' }),
      call('chat.postMessage', 'S01 errored [ERRORED]', { channel: 'C1' }),
      call('chat.postMessage', 'S01 errored [ERRORED]', { channel: 'C2' }),
    ]);
    expect(compare(want, told, ['C1', 'C2'])).toEqual([
      {
        channel: 'C2',
        stream: 'S01',
        expected: ['live', 'ended+errored'],
        told: [expect.stringMatching(/^live #\d+$/), expect.stringMatching(/^errored #\d+$/)],
      },
    ]);
  });

  it('sees a repeat, and a stream told about that never changed', () => {
    const told = notices([
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.postMessage', 'S01 is live [LIVE]'),
      call('chat.update', 'S01 ended [ENDED]'),
      call('chat.postMessage', 'S01 errored [ERRORED]'),
      call('chat.postMessage', 'S09 errored [ERRORED]'),
    ]);
    expect(compare(want, told, ['C1']).map((m) => m.stream)).toEqual(['S01', 'S09']);
  });
});

describe('windowRepeats', () => {
  it('finds the post a killed sender made last, sent again as the very next message', () => {
    const first = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#1' });
    const again = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#2' });
    expect(windowRepeats([first, again], new Set(['r1#1']))).toEqual([first]);
  });

  it('not when the sender was not killed, nor when it sent more after, nor when something came between', () => {
    const a = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#1' });
    const b = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#2' });
    expect(windowRepeats([a, b], new Set())).toEqual([]);
    const c = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#1' });
    const d = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#1' });
    const e = call('chat.postMessage', 'S02 is live [LIVE]', { sender: 'r1#1' });
    expect(windowRepeats([c, d, e], new Set(['r1#1']))).toEqual([]);
    const f = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r1#1' });
    const g = call('chat.postMessage', 'S02 is live [LIVE]', { sender: 'r2#1' });
    const h = call('chat.postMessage', 'S01 is live [LIVE]', { sender: 'r2#1' });
    expect(windowRepeats([f, g, h], new Set(['r1#1']))).toEqual([]);
  });
});

describe('strayEdits', () => {
  it('an ended edit must edit its own stream’s LIVE post in its own channel', () => {
    const live = call('chat.postMessage', 'S01 is live [LIVE]', { ts: '100.1' });
    const good = call('chat.update', 'S01 ended [ENDED]', { ts: '100.1' });
    const wrongStream = call('chat.update', 'S02 ended [ENDED]', { ts: '100.1' });
    const wrongChannel = call('chat.update', 'S01 ended [ENDED]', { ts: '100.1', channel: 'C2' });
    expect(strayEdits(notices([live, good, wrongStream, wrongChannel]))).toEqual(
      notices([wrongStream, wrongChannel]),
    );
  });
});

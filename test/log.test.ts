import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions, REDACTED, redactText } from '../src/log.js';
import { RealtimeKitError } from '../src/realtimekit/errors.js';

const NOW = new Date('2026-11-22T10:00:00.000Z');

function capture(options: Omit<LoggerOptions, 'write' | 'now'> = {}) {
  const lines: string[] = [];
  const log = createLogger({ ...options, write: (line) => lines.push(line), now: () => NOW });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, lines, records };
}

describe('levels', () => {
  it('prints info and above by default', () => {
    const { log, records } = capture();
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(records().map((r) => r.level)).toEqual(['info', 'warn', 'error']);
  });

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('level %s prints %j', (level, expected) => {
    const { log, records } = capture({ level });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(records().map((r) => r.level)).toEqual(expected);
  });

  it('a child keeps the level of its parent', () => {
    const { log, records } = capture({ level: 'warn' });
    const child = log.child({ component: 'poller' });
    child.info('hidden');
    child.warn('shown');
    expect(records()).toHaveLength(1);
  });
});

describe('lines', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const { log, lines } = capture();
    log.info('polled', { livestreams: 3, ok: true, nested: { a: [1, 'two'] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-11-22T10:00:00.000Z',
      level: 'info',
      msg: 'polled',
      livestreams: 3,
      ok: true,
      nested: { a: [1, 'two'] },
    });
  });

  it('keeps a message with newlines and quotes on one line', () => {
    const { log, lines, records } = capture();
    log.warn('two\nlines "quoted"');
    expect(lines[0]?.split('\n')).toHaveLength(1);
    expect(records()[0]?.msg).toBe('two\nlines "quoted"');
  });

  it('a child adds its fields to every line, and a call’s fields win over them', () => {
    const { log, records } = capture();
    const child = log.child({ component: 'slack', team: 'T1' }).child({ channel: 'C1' });
    child.info('hello', { team: 'T2' });
    expect(records()[0]).toMatchObject({ component: 'slack', team: 'T2', channel: 'C1', msg: 'hello' });
  });
});

describe('redaction', () => {
  const SECRET = 'cfut_ThisIsTheApiToken_0123456789';

  it('removes given secrets from the message and from every string field, at any depth', () => {
    const { log, lines } = capture({ secrets: [SECRET] });
    log.error(`request with ${SECRET} failed`, {
      url: `https://x/?t=${SECRET}`,
      list: [`a ${SECRET}`, { deeper: { note: SECRET } }],
    });
    expect(lines[0]).not.toContain(SECRET);
    const record = JSON.parse(lines[0] ?? '');
    expect(record.msg).toBe(`request with ${REDACTED} failed`);
    expect(record.url).toBe(`https://x/?t=${REDACTED}`);
    expect(record.list).toEqual([`a ${REDACTED}`, { deeper: { note: REDACTED } }]);
  });

  it('redacts a secret containing a shorter one whole, and ignores secrets under 4 characters', () => {
    expect(redactText('x abcdefgh y', ['abcd', 'abcdefgh'])).toBe(`x ${REDACTED} y`);
    expect(redactText('x abcdefgh y', ['abcdefgh', 'abcd'])).toBe(`x ${REDACTED} y`);
    expect(redactText('a b c', ['a', 'b'])).toBe('a b c');
  });

  it.each([
    'token',
    'apiToken',
    'botToken',
    'signingSecret',
    'client_secret',
    'password',
    'Authorization',
    'stream_key',
    'streamKey',
    'rtk-signature',
  ])('replaces the value of a key like %j, whatever it holds', (key) => {
    const { log, lines, records } = capture();
    log.info('x', { [key]: 'plain value 1234', nested: { [key]: { any: 'thing' } } });
    expect(lines[0]).not.toContain('plain value 1234');
    expect(lines[0]).not.toContain('thing');
    expect(records()[0]).toMatchObject({ [key]: REDACTED, nested: { [key]: REDACTED } });
  });

  it('leaves ordinary keys alone', () => {
    const { log, records } = capture();
    log.info('x', { livestreamId: 'ls-1', playbackUrl: 'https://p', status: 'LIVE' });
    expect(records()[0]).toMatchObject({ livestreamId: 'ls-1', playbackUrl: 'https://p', status: 'LIVE' });
  });

  it.each([
    ['Authorization: Bearer abc.def-123', `Authorization: ${REDACTED}`],
    ['header bearer   xyz987 end', `header ${REDACTED} end`],
    ['slack said xoxb-1234-5678-abcdEFGH ok', `slack said ${REDACTED} ok`],
    ['user token xoxp-1-2-3', `user token ${REDACTED}`],
    ['app token xapp-1-A0B1-123-abc in use', `app token ${REDACTED} in use`],
  ])('replaces the token shape in %j, with no secrets given', (input, expected) => {
    const { log, records } = capture();
    log.warn(input, { detail: input });
    expect(records()[0]).toMatchObject({ msg: expected, detail: expected });
  });

  it('does not print objects nested too deep to be checked', () => {
    const { log, lines } = capture();
    log.info('deep', { a: { b: { c: { d: { e: { token: 'deep-secret-1234' } } } } } });
    expect(lines[0]).not.toContain('deep-secret-1234');
  });

  it('survives a cycle', () => {
    const { log, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    log.info('cycle', { cyclic });
    expect(lines).toHaveLength(1);
  });
});

describe('errors', () => {
  it('logs an Error as name and message only, never its cause or stack', () => {
    const { log, lines, records } = capture();
    const cause = { request: { headers: { authorization: 'Bearer live-token-abc' } }, raw: 'cause-marker' };
    const error = new TypeError('fetch failed', { cause });
    log.error('failed', { error });
    expect(records()[0]?.error).toEqual({ name: 'TypeError', message: 'fetch failed' });
    expect(lines[0]).not.toContain('cause');
    expect(lines[0]).not.toContain('live-token-abc');
    expect(lines[0]).not.toContain('at ');
  });

  it('keeps a RealtimeKitError’s kind and redacts its message', () => {
    const { log, records } = capture({ secrets: ['my-secret-token'] });
    const error = new RealtimeKitError({
      kind: 'Unauthorized',
      message: 'bad token my-secret-token',
      status: 403,
    });
    log.warn('api', { error, errors: [new Error('Bearer zzz')] });
    expect(records()[0]).toMatchObject({
      error: { name: 'RealtimeKitError', message: `bad token ${REDACTED}`, kind: 'Unauthorized' },
      errors: [{ name: 'Error', message: REDACTED }],
    });
  });
});

describe('reserved keys', () => {
  it('a field named level, msg or time cannot overwrite the line’s own', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => lines.push(line), now: () => new Date(0) });
    log.warn('real', { level: 'debug', msg: 'forged', time: 'never', other: 1 });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'warn',
      msg: 'real',
      other: 1,
    });
  });
});

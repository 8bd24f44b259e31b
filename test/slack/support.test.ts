/** The adapter's small parts: the Bolt logger bridge. */
import { LogLevel } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createBoltLogger, scrubResponseUrls } from '../../adapters/slack/bolt-logger.js';
import { createLogger } from '../../src/log.js';

describe('Bolt logger bridge', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'debug',
      write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    });
    return { lines, log };
  };

  it('scrubs response URLs, which let anyone answer in the channel', () => {
    expect(scrubResponseUrls('posting to https://hooks.slack.com/commands/T0/123/abcDEF now')).toBe(
      'posting to [response_url] now',
    );
    const { lines, log } = capture();
    const bolt = createBoltLogger({ log, level: LogLevel.DEBUG });
    bolt.debug('envelope', { response_url: 'https://hooks.slack.com/commands/T0/1/secret' });
    expect(JSON.stringify(lines)).not.toContain('hooks.slack.com');
  });

  it('joins Bolt arguments into one message at the same level, honouring setLevel', () => {
    const { lines, log } = capture();
    const bolt = createBoltLogger({ log });
    bolt.debug('dropped at info');
    bolt.warn('http request failed', new Error('socket hang up'));
    bolt.setLevel(LogLevel.ERROR);
    bolt.warn('dropped at error');
    expect(bolt.getLevel()).toBe(LogLevel.ERROR);
    expect(lines).toMatchObject([{ level: 'warn', msg: 'http request failed Error: socket hang up' }]);
  });

  it('never prints a bot token Bolt hands it', () => {
    const { lines, log } = capture();
    createBoltLogger({ log }).error('auth failed for xoxb-1234-5678-abcdef');
    expect(JSON.stringify(lines)).not.toContain('xoxb-1234');
  });
});

/**
 * The demo as a newcomer meets it (`startApp` with no credentials, the terminal chat on a pipe), on a
 * clock the test moves: one livestream changes at a time, soon after the start, so the terminal shows a
 * single LIVE post and then its "ended" edit, not digests of many changes at once.
 */
import { PassThrough } from 'node:stream';
import { afterEach, expect, it, vi } from 'vitest';
import { type RunningApp, startApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

let app: RunningApp | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

it('a single LIVE post within 10 s of the start, then its "ended" edit, and never a digest', async () => {
  const clock = new ManualClock();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let shown = '';
  stdout.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  const problems: string[] = [];
  const log = createLogger({ level: 'warn', write: (line) => problems.push(line) });
  app = await startApp(loadConfig({}), log, { stdin, stdout, interactive: false, clock });
  const notifications = () => shown.split('\n').filter((line) => line.startsWith('[notification'));
  const waitForLine = (pattern: RegExp) =>
    vi.waitFor(
      () => {
        const line = notifications().find((l) => pattern.test(l));
        if (!line)
          throw new Error(`no notification matches ${pattern} yet; shown: ${notifications().join(' | ')}`);
        return line;
      },
      // Real time for the app to do what the moved clock set off (generous: a busy CI shares two cores).
      { timeout: 15_000, interval: 10 },
    );

  clock.advance(10_000);
  const live = await waitForLine(/^\[notification\] .+ is live/);
  const name = /^\[notification\] (.+) is live/.exec(live)![1]!;
  expect(notifications()).toEqual([live]);

  clock.advance(30_000);
  await waitForLine(new RegExp(`^\\[notification #1 updated\\] ${escapeRegExp(name)} ended`));
  // Nothing else changed at the same time: no digest, no other post squeezed in.
  expect(shown).not.toMatch(/livestream updates/);
  expect(notifications()).toHaveLength(2);

  // Stopping mid-demo leaves nothing half-done (a check under way ends before the store closes).
  await app.stop();
  app = null;
  expect(problems).toEqual([]);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

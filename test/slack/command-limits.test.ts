/**
 * Command limits end to end, as `npm start` wires them (`startApp`): signed slash commands into the real
 * Bolt app in HTTP mode, answers out through the response_url, the emulator as the RealtimeKit API, the
 * real poller beside the commands. Time is a ManualClock the test moves (Bolt keeps its own timers).
 * Issue 12: one person typing 1,000 `list --page N` and 200 `create` made 1,200 requests in 3 s.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { RecordedRequest } from '../../src/emulator/emulator.js';
import { BUDGET_WINDOW_MS } from '../../src/notify/budget.js';
import { answerText, createSlackAppRig, type SlackAppRig, type StartedSlackApp } from '../fakes/app-rig.js';

let rig: SlackAppRig;
let clock: ManualClock;
let apiRequests: RecordedRequest[];

beforeEach(async () => {
  rig = await createSlackAppRig({ seed: 23 });
  rig.emulator.seed(30, { status: 'IDLE' });
  clock = new ManualClock();
  apiRequests = rig.apiRequests;
});
afterEach(() => rig.close());

async function start(options: {
  requestBudget?: number;
  tokenRequestLimit?: number;
  userCommandsPerMinute?: number;
}): Promise<StartedSlackApp> {
  const started = await rig.start({
    notify: { pollIntervalSeconds: 15, requestBudget: options.requestBudget ?? 900 },
    limits: {
      tokenRequestLimit: options.tokenRequestLimit ?? 1_100,
      userCommandsPerMinute: options.userCommandsPerMinute ?? 20,
      userCreatesPer10Minutes: 3,
    },
    clock,
  });
  // The first poll (the silent baseline) has run: from here on the API sees commands only, until the
  // test moves the clock.
  await started.waitForLog('baseline recorded');
  return started;
}

/** A signed `/livestream <text>` from `userId`; resolves with what the bot answered (text and blocks). */
async function slash(started: StartedSlackApp, userId: string, text: string): Promise<string> {
  return answerText(await started.slash(text, { user_id: userId }));
}

const isCommandList = (request: RecordedRequest) =>
  request.method === 'GET' && request.path === 'livestreams' && request.query.per_page === '10';

describe('per person', () => {
  it('a burst of commands from one person: the first 20 are answered, the rest told to slow down, and the API sees 20', async () => {
    const started = await start({});
    apiRequests.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => slash(started, 'U0BURST', `list --page ${i + 1}`)),
    );
    const slowed = answers.filter((answer) => answer.includes('Slow down: try again in 3 s'));
    expect(slowed).toHaveLength(10);
    expect(answers.filter((answer) => answer.includes('Livestreams'))).toHaveLength(20);
    expect(apiRequests.filter(isCommandList)).toHaveLength(20);
    expect(apiRequests).toHaveLength(20);

    // Someone else is not held back by it.
    expect(await slash(started, 'U0OTHER', 'list')).toContain('Livestreams');
    // 20 a minute: one more every 3 s.
    clock.advance(3_000);
    expect(await slash(started, 'U0BURST', 'list --page 40')).toContain('Livestreams');
    expect(await slash(started, 'U0BURST', 'list --page 41')).toContain('Slow down');
    expect(apiRequests.filter(isCommandList)).toHaveLength(22);
  });

  it('creates past their limit make no livestream', async () => {
    const started = await start({});
    const before = rig.emulator.livestreams().length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => slash(started, 'U0MAKER', `create Show ${i + 1}`)),
    );
    expect(answers.filter((answer) => answer.includes('Livestream created'))).toHaveLength(3);
    // 3 every 10 minutes: one more every 200 s.
    expect(answers.filter((answer) => answer.includes('Slow down: try again in 200 s'))).toHaveLength(5);
    expect(rig.emulator.livestreams()).toHaveLength(before + 3);
    expect(apiRequests.filter((request) => request.method === 'POST')).toHaveLength(3);
  });
});

describe('one budget for the token', () => {
  it('commands up to the poller’s ceiling make the poller wait; commands are refused before the token limit; both resume when the window moves on', async () => {
    // Poller ceiling 20, token limit 30 (production: 900 and 1,100 of Cloudflare's 1,200).
    const started = await start({ requestBudget: 20, tokenRequestLimit: 30, userCommandsPerMinute: 1_000 });
    // The start took three requests (the token check, then the baseline's LIVE and ERRORED lists);
    // 17 distinct commands take the token to the poller's ceiling.
    for (let page = 1; page <= 17; page++)
      expect(await slash(started, 'U0BUSY', `list --page ${page}`)).toContain('Livestreams');
    expect(apiRequests).toHaveLength(20);
    const atCeiling = clock.monotonic();

    const isPoll = (request: RecordedRequest) => request.query.per_page === '100';
    // Past the poll interval, the poller wakes and waits for room instead of polling.
    clock.advance(60_000);
    await started.waitForLog('poller waits for its request budget');
    expect(apiRequests.filter(isPoll)).toHaveLength(2);

    // Commands still work above the poller's ceiling, then are refused before the token limit.
    let answered = 0;
    let refusal = '';
    for (let page = 100; page < 130 && refusal === ''; page++) {
      const answer = await slash(started, 'U0BUSY', `list --page ${page}`);
      if (answer.includes('Livestreams')) answered++;
      else refusal = answer;
    }
    expect(answered).toBeGreaterThan(0);
    expect(refusal).toContain('Cloudflare’s request limit');
    const waitSeconds = Math.ceil((atCeiling + BUDGET_WINDOW_MS - clock.monotonic()) / 1_000);
    expect(refusal).toMatch(new RegExp(`try again in (${waitSeconds}|${waitSeconds + 1}) s`, 'i'));
    expect(apiRequests.length).toBeLessThanOrEqual(30);
    expect(apiRequests.length).toBe(20 + answered);

    // Once the window has moved on, the poller polls again and commands are answered.
    clock.advance(BUDGET_WINDOW_MS);
    await vi.waitFor(() => expect(apiRequests.filter(isPoll).length).toBeGreaterThan(2), { timeout: 5_000 });
    expect(await slash(started, 'U0BUSY', 'list --page 200')).toContain('Livestreams');
  });
});

/** The core end-to-end: text -> parser -> handler -> real ky client -> the emulator over HTTP -> Reply. */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { CommandLimits } from '../../src/command-limits.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { BUDGET_WINDOW_MS, RequestBudget } from '../../src/notify/budget.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { containsSecret, type Reply, replyToPlainText } from '../../src/reply.js';
import { renderForTerminal } from '../../adapters/console/render.js';
import { renderReply as renderDiscord } from '../../adapters/discord/render.js';
import { renderReply as renderSlack } from '../../adapters/slack/render.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

let emulator: Emulator;
let core: Core;
const context: RequestContext = { platform: 'console', channelId: null, userId: 'tester' };
const ask = (text: string) => core.replyToText(text, context);
const coreWith = (overrides: { apiToken?: string } = {}) => {
  const settings = emulator.settings();
  return createCore({
    client: createRealtimeKitClient({
      ...clientSettingsOf(settings),
      ...(overrides.apiToken ? { apiToken: overrides.apiToken } : {}),
      retries: 1,
      retryDelayMs: () => 1,
      timeoutMs: 500,
    }),
    log: silentLogger,
  });
};

beforeAll(async () => {
  emulator = createEmulator({ seed: 11 });
  await emulator.start();
  core = coreWith();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.clearFaults());

describe('commands through the emulator', () => {
  it('lists with filters, says "showing X of Y" and how to get the next page', async () => {
    const live = emulator.addLivestream({ name: 'Live one', status: 'LIVE' });
    emulator.seed(30, { status: 'IDLE' });
    const reply = await ask('list idle --per-page 5 --page 2');
    expect(reply.title).toBe('Livestreams (IDLE)');
    expect(reply.list?.items).toHaveLength(5);
    expect(reply.list?.offset).toBe(6);
    expect(reply.list?.total).toBeGreaterThanOrEqual(30);
    expect(reply.list?.next).toEqual({ name: 'list', query: { status: 'IDLE', perPage: 5, pageNo: 3 } });
    expect(replyToPlainText(reply)).toContain(`Showing 6-10 of ${reply.list?.total}`);
    expect(reply.list?.items.every((item) => item.badge?.text === 'IDLE')).toBe(true);

    const lives = await ask('list live');
    expect(lives.list?.items.map((i) => i.title)).toContain('Live one');
    expect(containsSecret(lives)).toBe(false);
    expect(JSON.stringify(lives)).not.toContain(live.stream_key);
  });

  it('creates a livestream and shows the stream key only to the requester', async () => {
    const reply = await ask('create Friday town hall');
    expect(reply.visibility).toBe('requester');
    expect(reply.title).toBe('Livestream created: Friday town hall');
    const key = reply.fields.find((f) => f.label === 'Stream key');
    expect(key?.format).toBe('secret');
    const stored = emulator.livestreams().find((l) => l.name === 'Friday town hall');
    expect(key?.value).toBe(stored?.stream_key);
  });

  it('shows the active session of a live stream, a session by id and a meeting’s livestream', async () => {
    const meetingId = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
    const stream = emulator.addLivestream({ name: 'Keynote', meeting_id: meetingId, status: 'IDLE' });
    emulator.setStatus(stream.id, 'LIVE');
    const status = await ask(`status ${stream.id}`);
    expect(status.badge?.text).toBe('LIVE');
    expect(status.fields.map((f) => f.label)).toEqual(
      expect.arrayContaining(['Livestream ID', 'Session ID', 'Started']),
    );
    const sessionId = status.fields.find((f) => f.label === 'Session ID')!.value;
    const session = await ask(`session ${sessionId}`);
    expect(session.fields.find((f) => f.label === 'Livestream ID')?.value).toBe(stream.id);
    const meeting = await ask(`meeting ${meetingId}`);
    expect(meeting.fields.find((f) => f.label === 'Livestream ID')?.value).toBe(stream.id);
    for (const r of [status, session, meeting]) expect(JSON.stringify(r)).not.toContain(stream.stream_key);
  });

  it('reads a --since time without a zone as UTC, whatever the host’s time zone', async () => {
    const hostZone = process.env.TZ;
    // Node re-reads TZ when it is set: Tokyo is UTC+9, so a local reading would ask for 00:00Z.
    process.env.TZ = 'Asia/Tokyo';
    try {
      emulator.resetRequests();
      const reply = await ask('list --since 2026-11-01T09:00 --until 2026-11-02');
      expect(reply.tone).not.toBe('error');
      expect(emulator.requests.map((r) => [r.query.start_time, r.query.end_time])).toEqual([
        ['2026-11-01T09:00:00.000Z', '2026-11-02T00:00:00.000Z'],
      ]);
      expect(reply.list?.next ?? '').not.toMatch(/T09:00(?!Z)/);
    } finally {
      if (hostZone === undefined) delete process.env.TZ;
      else process.env.TZ = hostZone;
    }
  });

  it('answers help and bad input with usage, without calling the API', async () => {
    emulator.resetRequests();
    const help = await ask('help');
    expect(help.fields.map((f) => f.label)).toContain('/livestream status <livestream_id>');
    const bad = await ask('status');
    expect(bad.tone).toBe('error');
    expect(bad.fields[0]?.value).toBe('/livestream status <livestream_id>');
    // The way on is that command's own help, not the list of every command.
    expect(bad.footer).toBe('Type /livestream help status for its arguments and examples.');
    expect((await ask('meeting 123')).text).toMatch(/UUID/);
    const unknown = await ask('delete everything');
    expect(unknown.text).toMatch(/Unknown command "delete"/);
    expect(unknown.footer).toBe('Type /livestream help for every command.');
    expect(emulator.requests).toHaveLength(0);
  });

  const errorCases: [string, () => void, string, RegExp][] = [
    ['404', () => {}, 'status 00000000-0000-4000-8000-000000000000', /has no active session/],
    ['404 session', () => {}, 'session nope', /No livestream session has the id nope/],
    ['404 meeting', () => {}, 'meeting 00000000-0000-4000-8000-000000000000', /has no active livestream/],
    [
      '429',
      () => emulator.injectFault({ status: 429, headers: { 'retry-after': '30' }, times: 5 }),
      'list',
      /rate limiting.*30 s/,
    ],
    ['500', () => emulator.injectFault({ status: 500, times: 5 }), 'list', /having trouble \(HTTP 500\)/],
    [
      'malformed',
      () => emulator.injectFault({ rawBody: '{"success":true,"data":[{"id"', times: 5 }),
      'list',
      /could not read/,
    ],
    ['slow', () => emulator.injectFault({ delayMs: 2_000, times: 5 }), 'list', /did not answer in time/],
    [
      '400',
      () =>
        emulator.injectFault({
          status: 400,
          body: { success: false, error: { code: 400, message: 'bad name' } },
        }),
      'create x',
      /refused the request.*bad name/,
    ],
  ];
  it.each(errorCases)('turns an API %s into a short sentence', async (_name, arrange, text, expected) => {
    arrange();
    const reply: Reply = await ask(text);
    expect(reply.tone).toBe('error');
    expect(reply.visibility).toBe('requester');
    expect(reply.text).toMatch(expected);
  });

  it('tells the user to check the token on 401/403', async () => {
    const wrong = coreWith({ apiToken: 'wrong-token' });
    const reply = await wrong.replyToText('list', context);
    expect(reply.text).toMatch(/rejected the API token.*Realtime/);
    expect(JSON.stringify(reply)).not.toContain('wrong-token');
  });

  it('answers identical reads in flight with one request and one Reply, but never shares a create', async () => {
    emulator.resetRequests();
    const [a, b, c] = await Promise.all([ask('list live'), ask('list live'), ask('list idle')]);
    expect(a).toBe(b); // the same answer object: built once
    expect(c).not.toBe(a);
    expect(emulator.requests.filter((r) => r.method === 'GET')).toHaveLength(2);

    emulator.resetRequests();
    const [one, two] = await Promise.all([ask('create Same name'), ask('create Same name')]);
    expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    const idOf = (reply: Reply) => reply.fields.find((f) => f.label === 'Livestream ID')?.value;
    expect(idOf(one)).toBeDefined();
    expect(idOf(one)).not.toBe(idOf(two));

    // Once answered, the next identical read asks again: nothing is cached.
    emulator.resetRequests();
    await ask('list live');
    expect(emulator.requests).toHaveLength(1);
  });

  it('a shared Reply survives every renderer unchanged (they never mutate it)', async () => {
    emulator.seed(12, { status: 'LIVE' });
    const reply = deepFreeze(await ask('list --per-page 5'));
    const copy = structuredClone(reply);
    // A frozen object throws on any write in strict-mode (ESM) code.
    expect(() => renderSlack({ reply, surface: 'ephemeral' })).not.toThrow();
    expect(() => renderDiscord(reply)).not.toThrow();
    expect(() => renderForTerminal(reply, { colour: true })).not.toThrow();
    expect(reply).toEqual(copy);
  });

  it('shows an unknown status instead of failing', async () => {
    const odd = emulator.addLivestream({ name: 'Odd', status: 'IDLE' });
    emulator.setStatus(odd.id, 'WEIRD');
    const reply = await ask('list --per-page 100');
    expect(reply.list?.items.find((i) => i.title === 'Odd')?.badge?.text).toBe('UNKNOWN (WEIRD)');
  });
});

describe('a create that may have worked', () => {
  const mayExist = /may have been created.*check `\/livestream list` before creating again/is;

  it.each<[string, () => void]>([
    ['timed out', () => emulator.injectFault({ method: 'POST', path: 'livestreams', delayMs: 1_500 })],
    ['got a 502', () => emulator.injectFault({ method: 'POST', path: 'livestreams', status: 502 })],
    [
      'lost its connection after sending',
      () => emulator.injectFault({ method: 'POST', path: 'livestreams', destroy: true }),
    ],
    [
      'got a 201 it could not read',
      () =>
        emulator.injectFault({
          method: 'POST',
          path: 'livestreams',
          status: 201,
          rawBody: '{"success":true,"da',
        }),
    ],
  ])('says so when it %s, and points at list instead of "try again"', async (_name, arrange) => {
    arrange();
    const name = `Maybe ${_name}`;
    const reply = await ask(`create ${name}`);
    expect(reply.tone).toBe('error');
    expect(reply.visibility).toBe('requester');
    expect(reply.text).toMatch(mayExist);
    expect(reply.text).not.toMatch(/try again/i);
  });

  it('is right to: the timed-out create made the livestream after the bot gave up', async () => {
    emulator.injectFault({ method: 'POST', path: 'livestreams', delayMs: 1_000 });
    const reply = await ask('create Late answer');
    expect(reply.text).toMatch(mayExist);
    await vi.waitFor(() => expect(emulator.livestreams().some((l) => l.name === 'Late answer')).toBe(true), {
      timeout: 5_000,
    });
  });

  it('still says "try again" for a create refused outright, and for a read that timed out', async () => {
    emulator.injectFault({
      method: 'POST',
      path: 'livestreams',
      status: 429,
      headers: { 'retry-after': '20' },
    });
    expect((await ask('create Refused')).text).toMatch(/rate limiting.*20 s/);
    expect(emulator.livestreams().some((l) => l.name === 'Refused')).toBe(false);
    emulator.injectFault({ path: 'livestreams', delayMs: 2_000, times: 5 });
    const list = await ask('list');
    expect(list.text).toMatch(/did not answer in time/);
    expect(list.text).not.toMatch(/may have been created/);
  });
});

describe('per-person limits and the token’s budget', () => {
  let clock: ManualClock;
  let budget: RequestBudget;
  let limited: Core;
  const alice: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U_ALICE' };
  const bob: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U_BOB' };

  beforeEach(() => {
    clock = new ManualClock();
    budget = new RequestBudget(20, 40);
    limited = createCore({
      client: createRealtimeKitClient({
        ...clientSettingsOf(emulator.settings()),
        retries: 0,
        onRequest: () => budget.record(clock.monotonic(), 'commands'),
      }),
      log: silentLogger,
      clock,
      limits: new CommandLimits({
        budget,
        commands: { count: 5, perMs: 60_000 },
        creates: { count: 2, perMs: 600_000 },
        attemptsPerRequest: 1,
      }),
    });
  });

  it('answers a person past their limit with "slow down" and the wait, and asks the API nothing', async () => {
    emulator.resetRequests();
    for (let page = 1; page <= 5; page++)
      expect((await limited.replyToText(`list --page ${page}`, alice)).title).toBe('Livestreams');
    const refused = await limited.replyToText('list --page 6', alice);
    expect(refused.title).toBe('Slow down');
    expect(refused.visibility).toBe('requester');
    // 5 a minute: one more every 12 s.
    expect(refused.text).toContain('Slow down: try again in 12 s');
    expect(refused.text).toContain('5 commands a minute');
    expect(emulator.requests).toHaveLength(5);
    // Someone else is not held back, and help and bad input never count.
    expect((await limited.replyToText('list', bob)).title).toBe('Livestreams');
    expect((await limited.replyToText('help', alice)).title).toBe('Livestream commands');
    expect((await limited.replyToText('lsit', alice)).title).toBe('That command is not quite right');
    clock.advance(12_000);
    expect((await limited.replyToText('list --page 7', alice)).title).toBe('Livestreams');
    expect((await limited.replyToText('list --page 8', alice)).title).toBe('Slow down');
  });

  it('holds creates to their stricter limit, and a refused create makes no livestream', async () => {
    const before = emulator.livestreams().length;
    expect((await limited.replyToText('create One', alice)).title).toBe('Livestream created: One');
    expect((await limited.replyToText('create Two', alice)).title).toBe('Livestream created: Two');
    const third = await limited.replyToText('create Three', alice);
    expect(third.title).toBe('Slow down');
    // 2 per 10 minutes: one more every 5 minutes.
    expect(third.text).toContain('Slow down: try again in 300 s');
    expect(third.text).toContain('2 livestreams every 10 minutes');
    expect(emulator.livestreams()).toHaveLength(before + 2);
    // Other commands still go through for the same person.
    expect((await limited.replyToText('list', alice)).title).toBe('Livestreams');
  });

  it('says "1 command", not "1 commands", when the limit is one', async () => {
    const strict = createCore({
      client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
      log: silentLogger,
      clock,
      limits: new CommandLimits({
        budget,
        commands: { count: 1, perMs: 60_000 },
        creates: { count: 1, perMs: 600_000 },
        attemptsPerRequest: 1,
      }),
    });
    await strict.replyToText('list', alice);
    expect((await strict.replyToText('list --page 2', alice)).text).toContain(
      'Each person may run 1 command a minute.',
    );
  });

  it('counts a start, which makes a livestream too, against the stricter create limit', async () => {
    const meetings = [emulator.addMeeting(), emulator.addMeeting()];
    emulator.resetRequests();
    expect((await limited.replyToText('create One', alice)).title).toBe('Livestream created: One');
    expect((await limited.replyToText(`start ${meetings[0]!.id} Town hall`, alice)).tone).toBe('success');
    const third = await limited.replyToText(`start ${meetings[1]!.id}`, alice);
    expect(third.title).toBe('Slow down');
    expect(third.text).toContain('2 livestreams every 10 minutes');
    expect(emulator.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('refuses commands politely near the token limit, saying when to try again', async () => {
    // The poller (or anyone) has used all but 3 of the token's 40 in this window.
    for (let i = 0; i < 37; i++) budget.record(clock.monotonic());
    clock.advance(10_000);
    emulator.resetRequests();
    for (const who of ['U1', 'U2', 'U3'])
      expect((await limited.replyToText('list', { ...alice, userId: who })).title).toBe('Livestreams');
    const refused = await limited.replyToText('list', bob);
    expect(refused.title).toBe('Near the API limit');
    expect(refused.text).toContain('Cloudflare’s request limit');
    // The 37 requests of 10 s ago leave the window first.
    expect(refused.text).toMatch(
      new RegExp(`try again in ${Math.ceil((BUDGET_WINDOW_MS - 10_000 + 1) / 1_000)} s`, 'i'),
    );
    expect(emulator.requests).toHaveLength(3);
    expect(budget.used(clock.monotonic())).toBe(40);
    clock.advance(BUDGET_WINDOW_MS - 10_000 + 1);
    expect((await limited.replyToText('list', bob)).title).toBe('Livestreams');
  });
});

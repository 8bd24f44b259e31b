/**
 * start, stop and show end to end in the core: text -> parser -> core (who may) -> handler -> real
 * client -> the emulator over HTTP -> Reply. Time is a ManualClock shared by the emulator and the core,
 * so "live for" is exact.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { renderReply as renderDiscord } from '../../adapters/discord/render.js';
import { renderReply as renderSlack } from '../../adapters/slack/render.js';
import { ManualClock } from '../../src/clock.js';
import type { Command } from '../../src/commands/command.js';
import { type Core, createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { containsSecret, type Reply, replyToPlainText } from '../../src/reply.js';
import { blocksText } from '../fakes/slack-harness.js';

let clock: ManualClock;
let emulator: Emulator;
let core: Core;
const ana: RequestContext = { platform: 'slack', channelId: 'C1', userId: 'U0ANA', canOperate: true };
const ask = (text: string, context: RequestContext = ana) => core.replyToText(text, context);
const field = (reply: Reply, label: string) => reply.fields.find((f) => f.label === label);

beforeAll(async () => {
  clock = new ManualClock(Date.parse('2026-11-22T12:00:00Z'));
  emulator = createEmulator({ seed: 19, now: () => new Date(clock.now()) });
  await emulator.start();
  core = createCore({
    client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
    log: silentLogger,
    clock,
  });
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetRequests();
});

describe('start <meeting_id> [name...]', () => {
  it('starts the meeting’s livestream: the playback link, and the stream key only to the requester', async () => {
    const meeting = emulator.addMeeting({ title: 'Town hall' });
    const reply = await ask(`start ${meeting.id} Friday town hall`);
    const stored = emulator.activeLivestreamOf(meeting.id);
    expect(stored).toMatchObject({ name: 'Friday town hall', status: 'INVOKED' });
    expect(reply.title).toBe('Livestream started: Friday town hall');
    expect(reply.badge?.text).toBe('INVOKED');
    expect(reply.visibility).toBe('requester');
    expect(containsSecret(reply)).toBe(true);
    expect(field(reply, 'Stream key')).toEqual({
      label: 'Stream key',
      value: stored!.stream_key,
      format: 'secret',
    });
    expect(field(reply, 'Livestream ID')?.value).toBe(stored!.id);
    expect(field(reply, 'Meeting')?.value).toBe(meeting.id);
    expect(reply.actor).toEqual({ userId: 'U0ANA', did: 'Started' });
    expect(reply.links).toContainEqual({ label: 'Watch', url: stored!.playback_url });
    expect(emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST meetings/${meeting.id}/livestreams`,
    ]);
  });

  it('says plainly when the meeting is already livestreaming, or does not exist', async () => {
    const meeting = emulator.addMeeting();
    await ask(`start ${meeting.id}`);
    const again = await ask(`start ${meeting.id}`);
    expect(again.tone).toBe('error');
    expect(again.text).toMatch(/already/i);
    const none = await ask('start 0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a');
    expect(none.title).toBe('Not found');
    expect(none.text).toContain('No meeting has the id 0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a');
  });

  it('refuses a meeting id that is not a UUID with the usage, asking the API nothing', async () => {
    const reply = await ask('start abc');
    expect(reply.title).toBe('That command is not quite right');
    expect(reply.text).toContain('meeting ids are UUIDs');
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('stop <meeting_id> [--yes]', () => {
  async function liveMeeting(name: string, liveForMs: number) {
    const meeting = emulator.addMeeting();
    const started = emulator.startMeetingLivestream(meeting.id, { name });
    emulator.step();
    clock.advance(liveForMs);
    return { meeting, started };
  }

  it('without --yes: names the livestream, says how long it has been live and how to confirm; stops nothing', async () => {
    const { meeting, started } = await liveMeeting('Quarterly call', 754_000);
    const reply = await ask(`stop ${meeting.id}`);
    expect(reply.title).toBe('Stop Quarterly call?');
    expect(reply.visibility).toBe('requester');
    expect(field(reply, 'Livestream ID')?.value).toBe(started.id);
    expect(field(reply, 'Live for')?.value).toBe('12m 34s');
    // The confirm button is the way to confirm on every platform (the terminal shows its command).
    expect(field(reply, 'To confirm')).toBeUndefined();
    expect(reply.actions?.map((a) => ('command' in a ? a.command : null))).toEqual([
      { name: 'stop', meetingId: meeting.id, confirmed: true },
    ]);
    expect(emulator.getLivestream(started.id)?.status).toBe('LIVE');
    expect(emulator.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('--yes: stops it, and tells the channel who stopped it and for how long it was live', async () => {
    const { meeting, started } = await liveMeeting('Launch', 3_725_000);
    const reply = await ask(`stop ${meeting.id} --yes`);
    expect(emulator.getLivestream(started.id)?.status).toBe('IDLE');
    expect(reply.title).toBe('Livestream stopped: Launch');
    expect(reply.visibility).toBe('channel');
    expect(containsSecret(reply)).toBe(false);
    expect(reply.actor).toEqual({ userId: 'U0ANA', did: 'Stopped' });
    expect(field(reply, 'Was live for')?.value).toBe('1h 2m 5s');
    expect(field(reply, 'Livestream ID')?.value).toBe(started.id);
    expect(replyToPlainText(reply)).toContain('Stopped by U0ANA');
    expect(emulator.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      `meetings/${meeting.id}/active-livestream/stop`,
    ]);
  });

  it('the confirmed Command, as a button would send it, does the same', async () => {
    const { meeting, started } = await liveMeeting('From a button', 5_000);
    const command: Command = { name: 'stop', meetingId: meeting.id, confirmed: true };
    const reply = await core.replyToCommand(command, ana);
    expect(reply.title).toBe('Livestream stopped: From a button');
    expect(emulator.getLivestream(started.id)?.status).toBe('IDLE');
  });

  it('with no active livestream: says so, with or without --yes, and stops nothing', async () => {
    const meeting = emulator.addMeeting();
    for (const text of [`stop ${meeting.id}`, `stop ${meeting.id} --yes`]) {
      const reply = await ask(text);
      expect(reply.title).toBe('Nothing to stop');
      expect(reply.tone).toBe('error');
      expect(reply.text).toContain(`Meeting ${meeting.id} has no active livestream`);
      expect(reply.visibility).toBe('requester');
    }
  });

  it.each([
    ['loses its connection', { destroy: true }],
    ['answers 503', { status: 503 }],
  ] as const)(
    'without --yes, a read that %s: never says it may have stopped (nothing was sent)',
    async (_, how) => {
      const { meeting, started } = await liveMeeting('Still on', 60_000);
      emulator.injectFault({
        method: 'GET',
        path: `meetings/${meeting.id}/active-livestream`,
        ...how,
      });
      const reply = await ask(`stop ${meeting.id}`);
      expect(reply.tone).toBe('error');
      expect(replyToPlainText(reply)).not.toMatch(/stopped|Not sure/i);
      expect(emulator.requests.filter((r) => r.method === 'POST')).toEqual([]);
      expect(emulator.getLivestream(started.id)?.status).toBe('LIVE');
    },
  );
});

describe('who may start, stop and create', () => {
  const bob: RequestContext = {
    platform: 'slack',
    channelId: 'C1',
    userId: 'U0BOB',
    canOperate: false,
    operators: { userIds: ['U0ANA', 'U0CAT'], roleIds: [], permission: null, setting: 'SLACK_OPERATORS' },
  };

  it.each(['start', 'stop', 'stop --yes', 'create'])(
    '%s by someone else: a refusal that names who may, and no API call',
    async (words) => {
      const meeting = emulator.addMeeting();
      const started = emulator.startMeetingLivestream(meeting.id);
      const [verb, ...rest] = words.split(' ');
      const text = verb === 'create' ? 'create Sneaky' : [verb, meeting.id, ...rest].join(' ');
      emulator.resetRequests();
      const reply = await ask(text, bob);
      expect(reply.title).toBe('Not allowed');
      expect(reply.visibility).toBe('requester');
      expect(reply.text).toContain('Only operators may start, stop or create livestreams');
      expect(reply.text).toContain('SLACK_OPERATORS');
      expect(reply.fields).toEqual([
        { label: 'Operator', value: 'U0ANA', format: 'user' },
        { label: 'Operator', value: 'U0CAT', format: 'user' },
      ]);
      expect(emulator.requests).toHaveLength(0);
      expect(emulator.getLivestream(started.id)?.status).toBe('INVOKED');
    },
  );

  it('Discord: names the permission and the roles', async () => {
    const reply = await ask('create x', {
      platform: 'discord',
      channelId: '1',
      userId: '2',
      canOperate: false,
      operators: {
        userIds: [],
        roleIds: ['1100000000000000009'],
        permission: 'Manage Channels',
        setting: 'DISCORD_OPERATOR_ROLES',
      },
    });
    expect(reply.text).toContain('members with Manage Channels or one of the roles below');
    expect(reply.fields).toEqual([{ label: 'Operator role', value: '1100000000000000009', format: 'role' }]);
  });

  it('everyone else may still look: show, status and list are not limited', async () => {
    const stream = emulator.addLivestream({ status: 'IDLE' });
    expect((await ask(`show ${stream.id}`, bob)).title).not.toBe('Not allowed');
    expect((await ask('list', bob)).title).toBe('Livestreams');
  });

  it('the terminal (no canOperate given) may do everything', async () => {
    const meeting = emulator.addMeeting();
    const reply = await core.replyToText(`start ${meeting.id}`, {
      platform: 'console',
      channelId: null,
      userId: 'me',
    });
    expect(reply.title).toMatch(/^Livestream started: /);
    expect(reply.actor).toEqual({ userId: 'me', did: 'Started' });
  });
});

describe('show <livestream_id>', () => {
  it('shows an IDLE livestream with its status and its sessions, newest first, and no stream key', async () => {
    const stream = emulator.addLivestream({ name: 'Weekly sync', status: 'IDLE' });
    const sessionIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      clock.advance(60_000);
      emulator.setStatus(stream.id, 'LIVE');
      sessionIds.unshift(emulator.sessionsOf(stream.id).at(-1)!.id);
      clock.advance(600_000);
      emulator.setStatus(stream.id, 'IDLE');
    }
    const reply = await ask(`show ${stream.id}`);
    expect(reply.title).toBe('Weekly sync');
    expect(reply.badge).toEqual({ text: 'IDLE', tone: 'idle' });
    expect(field(reply, 'Livestream ID')?.value).toBe(stream.id);
    expect(reply.list?.items.map((item) => item.fields.find((f) => f.label === 'Session ID')?.value)).toEqual(
      sessionIds,
    );
    expect(reply.list?.items[0]?.badge?.text).toBe('ENDED');
    expect(reply.list?.items[0]?.fields.find((f) => f.label === 'Duration')?.value).toBe('10m 0s');
    expect(reply.list?.total).toBe(2);
    expect(reply.links).toContainEqual({ label: 'Watch', url: stream.playback_url });
    expect(JSON.stringify(reply)).not.toContain(stream.stream_key);
    expect(containsSecret(reply)).toBe(false);
  });

  it('a livestream that never went live: its status and "no sessions yet"', async () => {
    const stream = emulator.addLivestream({ name: 'Fresh', status: 'INVOKED' });
    const reply = await ask(`show ${stream.id}`);
    expect(reply.badge?.text).toBe('INVOKED');
    expect(reply.list?.items).toEqual([]);
    expect(replyToPlainText(reply)).toContain('No sessions yet');
  });

  it('pages through sessions and says how to see the next page', async () => {
    const stream = emulator.addLivestream({ name: 'Busy', status: 'IDLE' });
    for (let i = 0; i < 7; i++) {
      emulator.setStatus(stream.id, 'LIVE');
      emulator.setStatus(stream.id, 'IDLE');
    }
    const first = await ask(`show ${stream.id}`);
    expect(first.list?.items).toHaveLength(5);
    // The next page as a command: each platform writes it in its own syntax.
    expect(first.list?.next).toEqual({ name: 'show', livestreamId: stream.id, pageNo: 2 });
    const slack = renderSlack({ reply: first, surface: 'ephemeral' });
    expect(blocksText(slack.blocks)).toContain(`Next page: \`/livestream show ${stream.id} --page 2\``);
    expect(slack.text).toContain(`Next page: /livestream show ${stream.id} --page 2`);
    const discord = renderDiscord(first).embeds.at(-1)?.footer?.text;
    expect(discord).toContain(`Next page: /livestream show livestream_id:${stream.id} page:2`);
    // The terminal shows the paging buttons as the commands they run, so the hint is not said twice.
    const terminal = renderForTerminal(first, { colour: false, width: 200 });
    expect(terminal).toContain(`→ Older sessions: show ${stream.id} --page 2`);
    expect(terminal).not.toContain('page:2');
    const second = await ask(`show ${stream.id} --page 2`);
    expect(second.list?.items).toHaveLength(2);
    expect(second.list?.offset).toBe(6);
    expect(second.list?.next).toBeUndefined();
  });

  type Shape = (livestream: object, session: object) => unknown;
  const shapes: [string, Shape, string][] = [
    [
      'the SDK’s typed shape (data.session, paging inside)',
      (ls, s) => ({ success: true, data: { livestream: ls, session: s, paging: { total_count: 1 } } }),
      'LIVE',
    ],
    [
      'Dyte’s example (data.sessions, paging beside)',
      (ls, s) => ({ success: true, data: { livestream: ls, sessions: [s] }, paging: { total_count: 1 } }),
      'LIVE',
    ],
    [
      'a flat data with status OFFLINE',
      (ls, s) => ({ success: true, data: { ...ls, status: 'OFFLINE', sessions: [s] } }),
      'OFFLINE',
    ],
  ];

  it.each(shapes)('reads %s', async (_, shape, badge) => {
    const stream = emulator.addLivestream({ name: 'Shapes', status: 'LIVE' });
    const [session] = emulator.sessionsOf(stream.id);
    emulator.injectFault({
      method: 'GET',
      path: `livestreams/${stream.id}`,
      status: 200,
      body: shape(stream, session!),
    });
    const reply = await ask(`show ${stream.id}`);
    expect(reply.title).toBe('Shapes');
    expect(reply.badge?.text).toBe(badge);
    expect(reply.list?.items).toHaveLength(1);
    expect(reply.list?.items[0]?.fields.find((f) => f.label === 'Session ID')?.value).toBe(session!.id);
    expect(reply.list?.items[0]?.badge?.text).toBe('LIVE');
  });

  it('no such livestream: not found, naming the id', async () => {
    const reply = await ask('show no-such-stream');
    expect(reply.title).toBe('Not found');
    expect(reply.text).toContain('No livestream has the id no-such-stream');
  });
});

describe('status <id> of a livestream that is not live', () => {
  it('says its status and points at show as a Details button, which each platform writes its way', async () => {
    const idle = emulator.addLivestream({ name: 'Quiet stream', status: 'IDLE' });
    const reply = await ask(`status ${idle.id}`);
    expect(reply.badge?.text).toBe('IDLE');
    // No command in the words: they would be in one platform's syntax.
    expect(reply.text).not.toContain(idle.id);
    expect(reply.actions).toContainEqual({
      label: 'Details',
      command: { name: 'show', livestreamId: idle.id },
    });
  });
});

/**
 * start, stop and show through the real Bolt app (signed slash commands over HTTP) against the emulator:
 * who may operate (SLACK_OPERATORS, else the subscription managers), the stream key only ever ephemeral,
 * the confirmation before a stop, and "Stopped by" in the channel afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksText, type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';

const ANA = 'U0ANA';
const BOB = 'U0BOB';
const BOSS = 'U0BOSS';

async function ask(h: SlackHarness, text: string, userId: string) {
  const sent = await h.command(text, { userId });
  expect(sent.status).toBe(200);
  const response = await h.responses.next(sent.id);
  const body = response.body;
  return { body, shown: `${String(body.text)}\n${blocksText(body.blocks)}` };
}

describe('Slack with SLACK_OPERATORS set', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness({ managers: [BOSS], operators: [ANA] });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('start: an operator gets the playback link and the stream key, ephemeral', async () => {
    const meeting = h.emulator.addMeeting();
    const { body, shown } = await ask(h, `start ${meeting.id} Town hall`, ANA);
    const started = h.emulator.activeLivestreamOf(meeting.id)!;
    expect(started.name).toBe('Town hall');
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Livestream started: Town hall');
    expect(shown).toContain(started.stream_key);
    expect(shown).toContain(started.playback_url);
    expect(shown).toContain(`<@${ANA}>`);
    // Logged, without the key (the harness redacts only its Slack secrets, not stream keys).
    const logs = h.logLines.join('\n');
    expect(logs).toContain(started.id);
    expect(logs).not.toContain(started.stream_key);
  });

  it('start and stop by someone else (even a subscription manager): refused, naming the operators', async () => {
    const meeting = h.emulator.addMeeting();
    h.emulator.resetRequests();
    for (const [text, user] of [
      [`start ${meeting.id}`, BOB],
      [`stop ${meeting.id} --yes`, BOB],
      ['create Sneaky', BOSS],
    ] as const) {
      const { body, shown } = await ask(h, text, user);
      expect(body.response_type).toBe('ephemeral');
      expect(shown).toContain('Only operators may start, stop or create livestreams');
      expect(shown).toContain(`<@${ANA}>`);
    }
    expect(h.emulator.requests).toEqual([]);
  });

  it('stop: first the confirmation (which stream, live how long), then --yes stops it and the channel sees who', async () => {
    const meeting = h.emulator.addMeeting();
    const started = h.emulator.startMeetingLivestream(meeting.id, { name: 'Quarterly call' });
    h.emulator.step();

    const ask1 = await ask(h, `stop ${meeting.id}`, ANA);
    expect(ask1.body.response_type).toBe('ephemeral');
    expect(ask1.shown).toContain('Stop Quarterly call?');
    expect(ask1.shown).toMatch(/Live for:\*? \d+s/);
    // The way to confirm is the button: its value carries the confirmed stop.
    expect(JSON.stringify(ask1.body.blocks)).toContain(`stop ${meeting.id} --yes`);
    expect(h.emulator.getLivestream(started.id)?.status).toBe('LIVE');

    const done = await ask(h, `stop ${meeting.id} --yes`, ANA);
    expect(h.emulator.getLivestream(started.id)?.status).toBe('IDLE');
    expect(done.body.response_type).toBe('in_channel');
    expect(done.shown).toContain('Livestream stopped: Quarterly call');
    expect(done.shown).toContain(`<@${ANA}>`);
    expect(done.shown).not.toContain(started.stream_key);
  });

  it('stop with no active livestream: says there is nothing to stop', async () => {
    const meeting = h.emulator.addMeeting();
    const { body, shown } = await ask(h, `stop ${meeting.id} --yes`, ANA);
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Nothing to stop');
    expect(shown).toContain(`Meeting ${meeting.id} has no active livestream`);
  });

  it('show: anyone may look; an IDLE stream shows IDLE and its sessions, never its key', async () => {
    const stream = h.emulator.addLivestream({ name: 'Weekly sync', status: 'IDLE' });
    h.emulator.setStatus(stream.id, 'LIVE');
    h.emulator.setStatus(stream.id, 'IDLE');
    const { body, shown } = await ask(h, `show ${stream.id}`, BOB);
    expect(body.response_type).toBe('ephemeral');
    expect(shown).toContain('Weekly sync');
    expect(shown).toContain('IDLE');
    expect(shown).toContain(h.emulator.sessionsOf(stream.id)[0]!.id);
    expect(shown).not.toContain(stream.stream_key);
  });
});

describe('Slack without SLACK_OPERATORS', () => {
  it('the subscription managers operate; with neither set, everyone does', async () => {
    const h = await startSlackHarness({ managers: [BOSS] });
    try {
      const meeting = h.emulator.addMeeting();
      expect((await ask(h, `start ${meeting.id}`, BOB)).shown).toContain(`<@${BOSS}>`);
      expect((await ask(h, `start ${meeting.id}`, BOSS)).shown).toContain('Livestream started');
      expect(h.logLines.join('\n')).not.toContain(h.emulator.activeLivestreamOf(meeting.id)!.stream_key);
    } finally {
      await h.stop();
    }
    const open = await startSlackHarness();
    try {
      const meeting = open.emulator.addMeeting();
      expect((await ask(open, `start ${meeting.id}`, BOB)).shown).toContain('Livestream started');
      const key = open.emulator.activeLivestreamOf(meeting.id)!.stream_key;
      expect(open.logLines.join('\n')).not.toContain(key);
    } finally {
      await open.stop();
    }
  });
});

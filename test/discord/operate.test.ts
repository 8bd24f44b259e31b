/**
 * start, stop and show through the real discord.js client (interactions from the fake gateway) against
 * the emulator: who may operate (Manage Channels or DISCORD_OPERATOR_ROLES, else the subscription roles),
 * the stream key only ever ephemeral, the confirmation before a stop, "Stopped by" for the channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicationCommands } from '../../adapters/discord/commands.js';
import { type DiscordHarness, startDiscordHarness } from '../fakes/discord-harness.js';

const EPHEMERAL = 64;
const MANAGER_ROLE = '1100000000000000009';
const OPERATOR_ROLE = '1100000000000000010';
const ANA = '1200000000000000021';
const BOB = '1200000000000000022';
const MANAGE_CHANNELS = String(0x10);

type Body = {
  data?: { flags?: number; embeds?: unknown[]; components?: unknown[]; allowed_mentions?: unknown };
};
const shown = (body: Body) => JSON.stringify(body.data?.embeds ?? []);

describe('Discord with DISCORD_OPERATOR_ROLES set', () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await startDiscordHarness({ managerRoles: [MANAGER_ROLE], operatorRoles: [OPERATOR_ROLE] });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const run = async (
    subcommand: string,
    options: Record<string, string | boolean>,
    who: { userId: string; roles?: string[]; permissions?: string },
  ) => (await h.callback(h.run(subcommand, options, who))).body as Body;

  it('registers start, stop (with a yes option) and show, from the spec', () => {
    const [command] = applicationCommands('guild') as { options: { name: string; options?: unknown[] }[] }[];
    const byName = new Map(command!.options.map((o) => [o.name, o.options]));
    expect(byName.get('start')).toEqual([
      expect.objectContaining({
        name: 'meeting_id',
        type: 3,
        required: true,
        min_length: 36,
        max_length: 36,
      }),
      expect.objectContaining({ name: 'name', type: 3, max_length: 200 }),
    ]);
    expect(byName.get('stop')).toEqual([
      expect.objectContaining({ name: 'meeting_id', type: 3, required: true }),
      expect.objectContaining({ name: 'yes', type: 5 }),
    ]);
    expect(byName.get('show')).toEqual([
      expect.objectContaining({ name: 'livestream_id', type: 3, required: true }),
      expect.objectContaining({ name: 'page', type: 4, min_value: 1 }),
    ]);
  });

  it('start by an operator: ephemeral, with the stream key and the playback link', async () => {
    const meeting = h.emulator.addMeeting();
    const body = await run(
      'start',
      { meeting_id: meeting.id, name: 'Town hall' },
      { userId: ANA, roles: [OPERATOR_ROLE] },
    );
    const started = h.emulator.activeLivestreamOf(meeting.id)!;
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(shown(body)).toContain('Livestream started: Town hall');
    expect(shown(body)).toContain(started.stream_key);
    expect(shown(body)).toContain(started.playback_url);
    expect(shown(body)).toContain(`<@${ANA}>`);
    // Logged (the harness logs unredacted), without the key.
    const logs = h.logs.join('\n');
    expect(logs).toContain(started.id);
    expect(logs).not.toContain(started.stream_key);
  });

  it('start by a subscription manager who is not an operator: refused, naming the permission and role', async () => {
    const meeting = h.emulator.addMeeting();
    h.emulator.resetRequests();
    const body = await run('start', { meeting_id: meeting.id }, { userId: BOB, roles: [MANAGER_ROLE] });
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(shown(body)).toContain('Only operators may start, stop or create livestreams');
    expect(shown(body)).toContain('Manage Channels');
    expect(shown(body)).toContain(`<@&${OPERATOR_ROLE}>`);
    expect(h.emulator.requests).toEqual([]);
    expect(h.emulator.activeLivestreamOf(meeting.id)).toBeNull();
  });

  it('a refused stop leaves the livestream running', async () => {
    const meeting = h.emulator.addMeeting();
    const started = h.emulator.startMeetingLivestream(meeting.id);
    h.emulator.step();
    const body = await run('stop', { meeting_id: meeting.id, yes: true }, { userId: BOB });
    expect(shown(body)).toContain('Only operators may');
    expect(h.emulator.getLivestream(started.id)?.status).toBe('LIVE');
  });

  it('stop: the confirmation first, then yes:True stops it and the channel sees who, without a ping', async () => {
    const meeting = h.emulator.addMeeting();
    const started = h.emulator.startMeetingLivestream(meeting.id, { name: 'Keynote' });
    h.emulator.step();
    // Manage Channels is always enough, with or without a role.
    const operator = { userId: ANA, permissions: MANAGE_CHANNELS };

    const asked = await run('stop', { meeting_id: meeting.id }, operator);
    expect(asked.data?.flags).toBe(EPHEMERAL);
    expect(shown(asked)).toContain('Stop Keynote?');
    expect(shown(asked)).toContain('Live for');
    // The way to confirm is the button: its custom id carries the confirmed stop.
    expect(JSON.stringify(asked.data?.components)).toContain(`stop ${meeting.id} --yes`);
    expect(h.emulator.getLivestream(started.id)?.status).toBe('LIVE');

    const done = await run('stop', { meeting_id: meeting.id, yes: true }, operator);
    expect(h.emulator.getLivestream(started.id)?.status).toBe('IDLE');
    expect(done.data?.flags).toBeUndefined();
    expect(shown(done)).toContain('Livestream stopped: Keynote');
    expect(shown(done)).toContain(`<@${ANA}>`);
    expect(shown(done)).not.toContain(started.stream_key);
    expect(done.data?.allowed_mentions).toEqual({ parse: [] });
  });

  it('stop with no active livestream: nothing to stop', async () => {
    const meeting = h.emulator.addMeeting();
    const body = await run(
      'stop',
      { meeting_id: meeting.id, yes: true },
      { userId: ANA, roles: [OPERATOR_ROLE] },
    );
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(shown(body)).toContain('Nothing to stop');
  });

  it('show: anyone may look; an IDLE stream with its sessions', async () => {
    const stream = h.emulator.addLivestream({ name: 'Weekly sync', status: 'IDLE' });
    h.emulator.setStatus(stream.id, 'LIVE');
    h.emulator.setStatus(stream.id, 'IDLE');
    const body = await run('show', { livestream_id: stream.id }, { userId: BOB });
    expect(body.data?.flags).toBe(EPHEMERAL);
    expect(shown(body)).toContain('Weekly sync');
    expect(shown(body)).toContain('IDLE');
    expect(shown(body)).toContain(h.emulator.sessionsOf(stream.id)[0]!.id);
    expect(shown(body)).not.toContain(stream.stream_key);
  });
});

describe('Discord without DISCORD_OPERATOR_ROLES', () => {
  it('the subscription roles operate (and Manage Channels)', async () => {
    const h = await startDiscordHarness({ managerRoles: [MANAGER_ROLE] });
    try {
      const meeting = h.emulator.addMeeting();
      const refused = (await h.callback(h.run('start', { meeting_id: meeting.id }, { userId: BOB })))
        .body as Body;
      expect(shown(refused)).toContain(`<@&${MANAGER_ROLE}>`);
      const allowed = (
        await h.callback(h.run('start', { meeting_id: meeting.id }, { userId: BOB, roles: [MANAGER_ROLE] }))
      ).body as Body;
      expect(shown(allowed)).toContain('Livestream started');
      expect(h.logs.join('\n')).not.toContain(h.emulator.activeLivestreamOf(meeting.id)!.stream_key);
    } finally {
      await h.stop();
    }
  });
});

describe('Discord with a slow API: a typed stop is deferred, and the channel is still told', () => {
  let slow: DiscordHarness;
  beforeAll(async () => {
    slow = await startDiscordHarness({ managerRoles: [MANAGER_ROLE], deferAfterMs: 50 });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('stop yes:True slower than the deferral: an ephemeral "thinking", the answer, then "Stopped by" for the channel', async () => {
    const meeting = slow.emulator.addMeeting();
    const started = slow.emulator.startMeetingLivestream(meeting.id, { name: 'Slow keynote' });
    slow.emulator.step();
    slow.emulator.injectFault({ method: 'POST', path: 'active-livestream/stop', delayMs: 400 });
    const interaction = slow.run(
      'stop',
      { meeting_id: meeting.id, yes: true },
      { userId: ANA, roles: [MANAGER_ROLE] },
    );
    const ack = (await slow.callback(interaction)).body as Body & { type: number };
    // Deferred ephemeral: the kind of answer was not known yet.
    expect(ack).toMatchObject({ type: 5, data: { flags: EPHEMERAL } });
    const edited = (await slow.edit(interaction)).body as Body['data'];
    expect(JSON.stringify(edited?.embeds)).toContain('Livestream stopped: Slow keynote');
    const told = (await slow.followUp(interaction)).body as NonNullable<Body['data']>;
    expect(told.flags ?? 0).toBe(0);
    expect(JSON.stringify(told.embeds)).toContain('Livestream stopped: Slow keynote');
    expect(JSON.stringify(told.embeds)).toContain(`<@${ANA}>`);
    expect(told.allowed_mentions).toEqual({ parse: [] });
    expect(slow.emulator.getLivestream(started.id)?.status).toBe('IDLE');
  });
});

/**
 * The emulator's meetings and their livestreams over HTTP: start (INVOKED, LIVE on the next step), stop
 * (IDLE, its session closed; 404 in RealtimeKit's shape when nothing is active), and one livestream with
 * its sessions, paged. The demo has meetings, one of them the id `help start` shows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { specFor } from '../../src/commands/spec.js';
import { createEmulator, type Emulator, type WireSession } from '../../src/emulator/emulator.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

let emulator: Emulator;
let current = T0;
const advance = (ms: number) => (current += ms);

beforeEach(async () => {
  current = T0;
  emulator = createEmulator({ seed: 5, now: () => new Date(current) });
  await emulator.start();
});
afterEach(() => emulator.stop());

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(emulator.appUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${emulator.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('meetings', () => {
  it('are created with UUID ids (or the id given) and listed', () => {
    const made = emulator.addMeeting({ title: 'Design review' });
    expect(made.id).toMatch(UUID);
    expect(made.title).toBe('Design review');
    const fixed = emulator.addMeeting({ id: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' });
    expect(emulator.meetings().map((m) => m.id)).toEqual([made.id, fixed.id]);
    expect(() => emulator.addMeeting({ id: fixed.id })).toThrow(/already exists/);
    expect(() => emulator.addMeeting({ id: 'not-a-uuid' })).toThrow(/UUID/);
  });

  it('the demo has meetings to start, among them the one the start and stop examples name', () => {
    const demo = createEmulator({ seed: 1, livestreams: 8 });
    const ids = demo.meetings().map((m) => m.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const name of ['start', 'stop'] as const) {
      for (const example of specFor(name).examples) expect(ids).toContain(example.meeting_id);
    }
    // None of them is livestreaming yet: each can be started.
    for (const id of ids) expect(demo.activeLivestreamOf(id)).toBeNull();
  });
});

describe('POST meetings/{meeting_id}/livestreams', () => {
  it('starts INVOKED (201, the five documented fields), goes LIVE on the next step with a session', async () => {
    const meeting = emulator.addMeeting({ title: 'All hands' });
    const answer = await api('POST', `meetings/${meeting.id}/livestreams`, { name: 'All hands live' });
    expect(answer.status).toBe(201);
    const data = answer.body.data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(['id', 'ingest_server', 'playback_url', 'status', 'stream_key']);
    expect(data.status).toBe('INVOKED');
    const stored = emulator.getLivestream(String(data.id));
    expect(stored).toMatchObject({ name: 'All hands live', meeting_id: meeting.id, status: 'INVOKED' });

    advance(2_000);
    const changes = emulator.step();
    expect(changes).toContainEqual(
      expect.objectContaining({ livestreamId: data.id, from: 'INVOKED', to: 'LIVE' }),
    );
    expect(emulator.getLivestream(String(data.id))?.status).toBe('LIVE');
    const [session] = emulator.sessionsOf(String(data.id));
    expect(session).toMatchObject({ started_time: new Date(T0 + 2_000).toISOString(), stopped_time: null });
    const active = await api('GET', `meetings/${meeting.id}/active-livestream`);
    expect(active.status).toBe(200);
    expect(active.body.data).toMatchObject({ id: data.id, status: 'LIVE' });
  });

  it('stays LIVE while its meeting runs: the simulation never ends it on its own', () => {
    const meeting = emulator.addMeeting();
    const started = emulator.startMeetingLivestream(meeting.id);
    for (let i = 0; i < 200; i++) {
      advance(1_000);
      emulator.step();
    }
    expect(emulator.getLivestream(started.id)?.status).toBe('LIVE');
    expect(emulator.sessionsOf(started.id)).toHaveLength(1);
    expect(emulator.sessionsOf(started.id)[0]!.ingest_seconds).toBeGreaterThan(0);
  });

  it('accepts name null and a video_config; refuses a bad body', async () => {
    const meeting = emulator.addMeeting();
    const first = await api('POST', `meetings/${meeting.id}/livestreams`, {
      name: null,
      video_config: { height: 720, width: 1280 },
    });
    expect(first.status).toBe(201);
    expect(emulator.getLivestream(String((first.body.data as { id: string }).id))?.name).toBeNull();

    const other = emulator.addMeeting();
    for (const body of ['{nope', { name: 7 }, { video_config: { height: -1 } }, [1]]) {
      const answer = await api('POST', `meetings/${other.id}/livestreams`, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ success: false, error: { code: 400 } });
    }
  });

  it('answers 404 for an unknown meeting, 400 for an id that is not a UUID, 409 when one is active', async () => {
    const unknown = await api('POST', 'meetings/0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/livestreams', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, error: { code: 404 } });
    expect((await api('POST', 'meetings/not-a-uuid/livestreams', {})).status).toBe(400);

    const meeting = emulator.addMeeting();
    expect((await api('POST', `meetings/${meeting.id}/livestreams`, {})).status).toBe(201);
    const again = await api('POST', `meetings/${meeting.id}/livestreams`, {});
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, error: { code: 409 } });
  });

  it('knows a meeting by its livestreams too (one added with a meeting_id)', async () => {
    const meetingId = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
    emulator.addLivestream({ meeting_id: meetingId, status: 'IDLE' });
    expect((await api('POST', `meetings/${meetingId}/livestreams`, {})).status).toBe(201);
  });
});

describe('POST meetings/{meeting_id}/active-livestream/stop', () => {
  it('stops the LIVE livestream: IDLE, its session closed, a message', async () => {
    const meeting = emulator.addMeeting();
    const started = emulator.startMeetingLivestream(meeting.id, { name: 'Keynote' });
    emulator.step();
    advance(60_000);
    const answer = await api('POST', `meetings/${meeting.id}/active-livestream/stop`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ success: true, data: { message: 'Stopped live stream successfully' } });
    expect(emulator.getLivestream(started.id)?.status).toBe('IDLE');
    const [session] = emulator.sessionsOf(started.id);
    expect(session?.stopped_time).toBe(new Date(T0 + 60_000).toISOString());
    expect(emulator.activeLivestreamOf(meeting.id)).toBeNull();
    // Stopped stays stopped: the simulation does not bring a meeting's stream back.
    for (let i = 0; i < 100; i++) emulator.step();
    expect(emulator.getLivestream(started.id)?.status).toBe('IDLE');
  });

  it('tells status listeners (webhooks first) of the change, as a step would', async () => {
    const meeting = emulator.addMeeting();
    const started = emulator.startMeetingLivestream(meeting.id);
    emulator.step();
    const heard: unknown[] = [];
    emulator.onStatusChange((change) => heard.push(change));
    await api('POST', `meetings/${meeting.id}/active-livestream/stop`);
    expect(heard).toEqual([expect.objectContaining({ livestreamId: started.id, from: 'LIVE', to: 'IDLE' })]);
  });

  it('stops one still INVOKED too (started a moment ago)', async () => {
    const meeting = emulator.addMeeting();
    const started = emulator.startMeetingLivestream(meeting.id);
    expect((await api('POST', `meetings/${meeting.id}/active-livestream/stop`)).status).toBe(200);
    expect(emulator.getLivestream(started.id)?.status).toBe('IDLE');
  });

  it('answers 404 in RealtimeKit’s error shape when nothing is active, 400 for a bad id', async () => {
    const meeting = emulator.addMeeting();
    const answer = await api('POST', `meetings/${meeting.id}/active-livestream/stop`);
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      success: false,
      error: { code: 404, message: 'No active livestream found for this meeting' },
    });
    expect((await api('POST', 'meetings/nope/active-livestream/stop')).status).toBe(400);
    // GET there is no route, as for any known path with the wrong method.
    expect((await api('GET', `meetings/${meeting.id}/active-livestream/stop`)).status).toBe(400);
  });
});

describe('GET livestreams/{livestream_id}', () => {
  interface Details {
    success: boolean;
    data: { livestream: Record<string, unknown>; sessions: WireSession[] };
    paging: { total_count: number; start_offset: number; end_offset: number };
  }

  it('answers the livestream with its sessions, newest first, paged beside data', async () => {
    const stream = emulator.addLivestream({ name: 'Weekly', status: 'IDLE' });
    for (let i = 0; i < 3; i++) {
      advance(60_000);
      emulator.setStatus(stream.id, 'LIVE');
      advance(60_000);
      emulator.setStatus(stream.id, 'IDLE');
    }
    const first = await api('GET', `livestreams/${stream.id}?per_page=2`);
    expect(first.status).toBe(200);
    const body = first.body as unknown as Details;
    expect(body.data.livestream).toMatchObject({ id: stream.id, name: 'Weekly', status: 'IDLE' });
    const all = emulator.sessionsOf(stream.id);
    expect(body.data.sessions.map((s) => s.id)).toEqual([all[2]!.id, all[1]!.id]);
    expect(body.paging).toEqual({ total_count: 3, start_offset: 1, end_offset: 2 });
    const second = (await api('GET', `livestreams/${stream.id}?per_page=2&page_no=2`))
      .body as unknown as Details;
    expect(second.data.sessions.map((s) => s.id)).toEqual([all[0]!.id]);
    expect(second.paging).toEqual({ total_count: 3, start_offset: 3, end_offset: 3 });
  });

  it('answers an IDLE livestream that never streamed with no sessions; 404 for none; 400 for a bad page', async () => {
    const stream = emulator.addLivestream({ status: 'IDLE' });
    const answer = (await api('GET', `livestreams/${stream.id}`)).body as unknown as Details;
    expect(answer.data.sessions).toEqual([]);
    expect(answer.paging.total_count).toBe(0);
    const missing = await api('GET', 'livestreams/no-such-stream');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: { code: 404 } });
    expect((await api('GET', `livestreams/${stream.id}?page_no=0`)).status).toBe(400);
  });

  it('reads a bulk-seeded livestream too, and leaves livestreams/sessions/{id} to the session route', async () => {
    const [seeded] = emulator.seed(1, { status: 'LIVE' });
    const answer = (await api('GET', `livestreams/${seeded!.id}`)).body as unknown as Details;
    expect(answer.data.livestream.id).toBe(seeded!.id);
    expect(answer.data.sessions).toHaveLength(1);
    const session = await api('GET', `livestreams/sessions/${answer.data.sessions[0]!.id}`);
    expect(session.status).toBe(200);
    expect(session.body.data).toMatchObject({ livestream_id: seeded!.id });
  });
});

/**
 * `status <id>` of a livestream that is not streaming: the active-session endpoint answers 404 for it
 * as for an unknown id, so the bot looks the livestream up (`GET /livestreams/{id}`, one request) and
 * says what it is and that it is not live, instead of "Not found".
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';
import { replyToPlainText } from '../../src/reply.js';

let emulator: Emulator;
const context: RequestContext = { platform: 'console', channelId: null, userId: 'tester' };
const ask = (text: string) =>
  createCore({
    client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
    log: silentLogger,
  }).replyToText(text, context);
const listRequests = () => emulator.requests.filter((r) => r.method === 'GET' && r.path === 'livestreams');
const detailsRequests = (id: string) =>
  emulator.requests.filter((r) => r.method === 'GET' && r.path === `livestreams/${id}`);

beforeAll(async () => {
  emulator = createEmulator({ seed: 23 });
  await emulator.start();
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetRequests();
});

it('an IDLE livestream: its name and status, not "Not found"', async () => {
  const idle = emulator.addLivestream({ name: 'Support Office Hours', status: 'IDLE' });
  const reply = await ask(`status ${idle.id}`);
  expect(reply.title).toBe('Support Office Hours is not live now');
  expect(reply.badge).toEqual({ text: 'IDLE', tone: 'idle' });
  expect(reply.tone).toBe('idle');
  expect(reply.fields).toContainEqual({ label: 'Livestream ID', value: idle.id, format: 'code' });
  expect(reply.fields.map((f) => f.label)).not.toContain('Name'); // the title says it
  const text = replyToPlainText(reply);
  expect(text).not.toMatch(/Not found|no livestream has that id/);
  expect(text).not.toContain(idle.stream_key);
});

it('an INVOKED one the same way, unnamed under the one name for that', async () => {
  const waiting = emulator.addLivestream({ status: 'INVOKED' });
  const reply = await ask(`status ${waiting.id}`);
  expect(reply.title).toBe('Unnamed livestream is not live now');
  expect(reply.badge?.text).toBe('INVOKED');
});

it('an id no livestream has: still "not found", after one lookup of that id (never a walk of the list)', async () => {
  emulator.seed(450, { status: 'IDLE' });
  const unknown = '00000000-0000-4000-8000-000000000000';
  const reply = await ask(`status ${unknown}`);
  expect(reply.title).toBe('Not found');
  expect(replyToPlainText(reply)).toMatch(/has no active session/);
  expect(detailsRequests(unknown)).toHaveLength(1);
  expect(listRequests()).toEqual([]);
});

it('one far down the list (past the newest few hundred) is found all the same', async () => {
  const old = emulator.addLivestream({ name: 'Archive', status: 'IDLE' });
  emulator.seed(450, { status: 'IDLE' });
  const reply = await ask(`status ${old.id}`);
  expect(reply.title).toBe('Archive is not live now');
  expect(listRequests()).toEqual([]);
});

it('a lookup that fails: the plain "not found" answer, not the lookup’s error', async () => {
  const idle = emulator.addLivestream({ name: 'Quiet', status: 'IDLE' });
  // Only the lookup (its query has per_page), not the active-session request before it.
  emulator.injectFault({ method: 'GET', path: 'per_page', status: 500, times: 5 });
  const reply = await ask(`status ${idle.id}`);
  expect(reply.title).toBe('Not found');
});

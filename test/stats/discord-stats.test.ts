/**
 * `/livestream stats` in Discord, through the real discord.js client against the fake Discord: the
 * chart is an attachment on the ephemeral reply, sent as multipart/form-data (`files[0]` and the
 * message in `payload_json`, naming the attachment), shown inside the embed, whether the reply goes out
 * at once or edits a deferred one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/stats/chart.js';
import { type DiscordHarness, startDiscordHarness } from '../fakes/discord-harness.js';
import type { DiscordRequest } from '../fakes/discord-server.js';
import { readPngHeader } from './png.js';

const HOUR = 3_600_000;
const EPHEMERAL = 64;
let h: DiscordHarness;

async function startWithHistory(deferAfterMs?: number): Promise<DiscordHarness> {
  const harness = await startDiscordHarness(deferAfterMs === undefined ? {} : { deferAfterMs });
  const stream = harness.emulator.addLivestream({
    name: 'Town hall',
    status: 'IDLE',
    created_at: new Date(Date.now() - 40 * 24 * HOUR).toISOString(),
  });
  const startedAt = Date.now() - 26 * HOUR;
  harness.emulator.addPastSession(stream.id, {
    startedAt: new Date(startedAt).toISOString(),
    stoppedAt: new Date(startedAt + HOUR).toISOString(),
    ingestSeconds: 3600,
    viewerSeconds: 3600 * 12,
  });
  return harness;
}

afterEach(() => h.stop());

/** The chart part and the message beside it, as Discord reads them. */
function attachmentOf(request: DiscordRequest, message: Record<string, unknown>) {
  expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
  expect(request.files).toHaveLength(1);
  const [file] = request.files!;
  expect(file!.field).toBe('files[0]');
  expect(file!.contentType).toBe('image/png');
  expect(readPngHeader(file!.bytes)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
  // The message names its attachment (id 0: files[0]) with the chart's description as alt text.
  const attachments = message.attachments as { id: number | string; description: string }[];
  expect(attachments).toHaveLength(1);
  expect(String(attachments[0]!.id)).toBe('0');
  expect(attachments[0]!.description).toContain('12 viewer hours and 1 ingest hours');
  const embeds = message.embeds as { title?: string; image?: { url: string } }[];
  expect(embeds[0]?.title).toBe('Livestreams, the last 7 days: 12 viewer hours, 1 ingest hours');
  // The embed shows the attached file itself.
  expect(embeds[0]?.image).toEqual({ url: `attachment://${file!.filename}` });
  return file!;
}

describe('stats in Discord', () => {
  beforeEach(async () => {
    h = await startWithHistory();
  });

  it('answers with the chart attached to the ephemeral reply (multipart, files[0] and payload_json)', async () => {
    const interaction = h.run('stats', { days: 7 });
    const callback = await h.callback(interaction);
    const body = callback.body as unknown as { type: number; data: Record<string, unknown> };
    expect(body.type).toBe(4);
    expect(body.data.flags).toBe(EPHEMERAL);
    const file = attachmentOf(callback, body.data);
    expect(file.filename).toMatch(/^livestream-stats-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.png$/);
    // Interaction callbacks are authorised by their token, never the bot's.
    expect(callback.headers.authorization).toBeUndefined();
  });

  it('an empty period: words only, as JSON', async () => {
    const interaction = h.run('stats', { days: 1 });
    const callback = await h.callback(interaction);
    expect(callback.files).toBeUndefined();
    expect(callback.body.data?.embeds?.[0]?.title).toBe('No livestream activity today');
  });
});

describe('stats in Discord, slow', () => {
  beforeEach(async () => {
    h = await startWithHistory(50);
  });

  it('defers, then edits the reply with the chart attached', async () => {
    h.emulator.injectFault({ path: 'analytics/livestreams/daywise', delayMs: 400 });
    const interaction = h.run('stats', { days: 7 });
    const deferred = await h.callback(interaction);
    expect(deferred.body).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    const edit = await h.edit(interaction);
    attachmentOf(edit, edit.body as Record<string, unknown>);
  });
});

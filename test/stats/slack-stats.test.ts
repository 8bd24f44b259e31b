/**
 * `/livestream stats` in Slack, through the real Bolt app and its WebClient against the fake Web API:
 * the chart goes up the way files.uploadV2 sends a file (files.getUploadURLExternal, the bytes to the
 * upload URL, files.completeUploadExternal) into the channel the command came from, naming who asked.
 * When Slack will not take it there, the person gets the figures in words, and what to do.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/stats/chart.js';
import { blocksText, type SlackHarness, startSlackHarness } from '../fakes/slack-harness.js';
import { readPngHeader } from './png.js';

const HOUR = 3_600_000;
let h: SlackHarness;

beforeEach(async () => {
  h = await startSlackHarness();
  const stream = h.emulator.addLivestream({
    name: 'Town hall',
    status: 'IDLE',
    created_at: new Date(Date.now() - 40 * 24 * HOUR).toISOString(),
  });
  const startedAt = Date.now() - 26 * HOUR;
  h.emulator.addPastSession(stream.id, {
    startedAt: new Date(startedAt).toISOString(),
    stoppedAt: new Date(startedAt + 2 * HOUR).toISOString(),
    ingestSeconds: 2 * 3600,
    viewerSeconds: 2 * 3600 * 15,
  });
});
afterEach(() => h.stop());

describe('stats in Slack', () => {
  it('uploads the chart with files.uploadV2’s three steps and shares it in the channel, naming who asked', async () => {
    await h.command('stats 7', { userId: 'U0ANA' });
    const completed = await h.webApi.waitForCall('files.completeUploadExternal');
    const announced = h.webApi.calls.find((call) => call.method === 'files.getUploadURLExternal')!;
    const [upload] = h.webApi.uploads;
    expect(upload).toBeDefined();
    // The PNG itself reached the upload URL, as long as announced.
    expect(readPngHeader(upload!.bytes)).toMatchObject({ width: CHART_WIDTH, height: CHART_HEIGHT });
    expect(announced.params).toMatchObject({
      filename: expect.stringMatching(/^livestream-stats-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.png$/),
      length: String(upload!.bytes.length),
      alt_text: expect.stringContaining('30 viewer hours and 2 ingest hours'),
    });
    expect(completed.params).toMatchObject({
      channel_id: 'C0FAKE',
      files: [{ id: upload!.fileId, title: 'Livestreams, the last 7 days: 30 viewer hours, 2 ingest hours' }],
    });
    const comment = String(completed.params.initial_comment);
    expect(comment).toContain('Viewer time: 30 hours');
    expect(comment).toContain('Asked by <@U0ANA>');
    // The bot token authorises every step; the upload URL carries its own authorisation.
    expect(announced.headers.authorization).toBe('Bearer xoxb-test-0000-bot-token');
  });

  it('not in the channel: the figures only to the person, and how to get the chart', async () => {
    h.webApi.script('files.completeUploadExternal', { body: { ok: false, error: 'not_in_channel' } });
    const sent = await h.command('stats 7');
    const answer = await h.responses.next(sent.id);
    expect(answer.body.response_type).toBe('ephemeral');
    const text = blocksText(answer.body.blocks);
    expect(text).toContain('Livestreams, the last 7 days: 30 viewer hours, 2 ingest hours');
    expect(text).toContain('Viewer time');
    expect(text).toContain('/invite');
  });

  it('without the files:write scope: says the app needs it', async () => {
    h.webApi.script('files.getUploadURLExternal', {
      body: { ok: false, error: 'missing_scope', needed: 'files:write' },
    });
    const sent = await h.command('stats 7');
    const answer = await h.responses.next(sent.id);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(blocksText(answer.body.blocks)).toContain('files:write');
    expect(h.webApi.uploads).toHaveLength(0);
  });

  it('an empty period is an ephemeral answer in words, nothing uploaded', async () => {
    const sent = await h.command('stats 1');
    const answer = await h.responses.next(sent.id);
    expect(blocksText(answer.body.blocks)).toContain('No livestream activity today');
    expect(h.webApi.calls.some((call) => call.method.startsWith('files.'))).toBe(false);
  });
});

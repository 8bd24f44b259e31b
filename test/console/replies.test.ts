/**
 * Answers as the terminal shows them, end to end: text -> core -> handler -> real client -> emulator
 * over HTTP -> Reply -> terminal text. Each thing is said once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderForTerminal } from '../../adapters/console/render.js';
import { createCore, type RequestContext } from '../../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { silentLogger } from '../../src/log.js';
import { createRealtimeKitClient } from '../../src/realtimekit/client.js';

let emulator: Emulator;
const context: RequestContext = {
  platform: 'console',
  channelId: null,
  userId: 'terminal',
  canOperate: true,
};
const layout = { colour: false, width: 100, now: Date.now(), timeZone: 'UTC' } as const;
const occurrences = (text: string, part: string) => text.split(part).length - 1;

async function terminalAnswer(text: string): Promise<string> {
  const core = createCore({
    client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
    log: silentLogger,
  });
  return renderForTerminal(await core.replyToText(text, context), layout);
}

beforeAll(async () => {
  emulator = createEmulator({ seed: 31 });
  await emulator.start();
});
afterAll(() => emulator.stop());

describe('create and start in the terminal', () => {
  it('create shows the playback URL once', async () => {
    const text = await terminalAnswer('create My show');
    const url = emulator.livestreams().find((l) => l.name === 'My show')?.playback_url;
    expect(url).toBeDefined();
    expect(occurrences(text, url!)).toBe(1);
    expect(text).toMatch(/Playback URL:\s+https:\/\//);
  });

  it('start shows the playback URL once', async () => {
    const meeting = emulator.addMeeting({ title: 'Town hall' });
    const text = await terminalAnswer(`start ${meeting.id} Friday town hall`);
    const url = emulator.activeLivestreamOf(meeting.id)?.playback_url;
    expect(url).toBeDefined();
    expect(occurrences(text, url!)).toBe(1);
  });
});

describe('status of a livestream that is not live, in the terminal', () => {
  it('says its status once, in the badge, and points at its details once, as the Details command', async () => {
    const idle = emulator.addLivestream({ name: 'Support Office Hours', status: 'IDLE' });
    const lines = (await terminalAnswer(`status ${idle.id}`)).split('\n');
    expect(lines[0]).toBe('Support Office Hours is not live now [IDLE]');
    const text = lines.join('\n');
    expect(occurrences(text, 'IDLE')).toBe(1);
    expect(text).not.toContain('`');
    expect(occurrences(text, `show ${idle.id}`)).toBe(1);
    expect(lines).toContain(`→ Details: show ${idle.id}`);
  });
});

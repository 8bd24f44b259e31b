/**
 * Per-person command limits on Discord, as `npm start` wires them (`startApp`): the real discord.js
 * client against the fake Discord, `/livestream` interactions dispatched on its gateway, the emulator as
 * the RealtimeKit API. Time is a ManualClock the test moves (discord.js keeps its own timers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Emulator, RecordedRequest } from '../../src/emulator/emulator.js';
import { createDiscordAppRig, type DiscordAppRig } from '../fakes/app-rig.js';
import {
  type ChatInputInteraction,
  chatInputInteraction,
  type OptionValue,
} from '../fakes/discord-interactions.js';
import type { FakeDiscord } from '../fakes/discord-server.js';

const APP_ID = '1100000000000000001';
const GUILD_ID = '1100000000000000002';
const CHANNEL_ID = '1100000000000000003';

let rig: DiscordAppRig;
let emulator: Emulator;
let discord: FakeDiscord;
let apiRequests: RecordedRequest[];
const clock = new ManualClock();

beforeAll(async () => {
  rig = await createDiscordAppRig({
    seed: 29,
    discord: { applicationId: APP_ID, guilds: [{ id: GUILD_ID, channels: [{ id: CHANNEL_ID }] }] },
  });
  ({ emulator, discord, apiRequests } = rig);
  emulator.seed(30, { status: 'IDLE' });
  const started = await rig.start({
    notify: { pollIntervalSeconds: 15, requestBudget: 900 },
    limits: { tokenRequestLimit: 1_100, userCommandsPerMinute: 20, userCreatesPer10Minutes: 3 },
    clock,
  });
  // Registered, connected and the baseline poll done: from here on the API sees commands only.
  await discord.waitForRequest((r) => r.method === 'PUT' && r.route.endsWith('/commands'));
  await emulator.waitForRequest((r) => r.query.per_page === '100');
  await started.waitForLog('discord connected');
});
afterAll(() => rig?.close());

/** Dispatches `/livestream <subcommand>` from `userId` and resolves with the text of the answer's embeds. */
async function run(userId: string, subcommand: string, options: Record<string, OptionValue> = {}) {
  const interaction: ChatInputInteraction = chatInputInteraction({
    applicationId: APP_ID,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    subcommand,
    options,
    userId,
  });
  const callback = discord.waitForRequest(
    (r) => r.method === 'POST' && r.route === `/interactions/${interaction.id}/${interaction.token}/callback`,
  );
  discord.dispatch('INTERACTION_CREATE', interaction.payload);
  const answered = (await callback).body as { type: number; data?: { embeds?: unknown } };
  if (answered.type !== 5) return JSON.stringify(answered.data?.embeds ?? []);
  // Deferred (slower than 1.5 s): the answer is the edit of the original message.
  const edit = await discord.waitForRequest(
    (r) => r.method === 'PATCH' && r.route === `/webhooks/${APP_ID}/${interaction.token}/messages/@original`,
  );
  return JSON.stringify((edit.body as { embeds?: unknown }).embeds ?? []);
}

describe('per-person limits on Discord', () => {
  it('a burst from one member: 20 answered, the rest told to slow down, and the API sees 20', async () => {
    apiRequests.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 26 }, (_, i) => run('1300000000000000001', 'list', { page: i + 1 })),
    );
    expect(answers.filter((text) => text.includes('Slow down: try again in 3 s'))).toHaveLength(6);
    expect(answers.filter((text) => text.includes('Livestreams'))).toHaveLength(20);
    // The API saw the 20 commands' requests (the poller's own lists, on their own clock, aside).
    expect(apiRequests.filter((request) => request.query.status === undefined)).toHaveLength(20);
    // Another member is not held back.
    expect(await run('1300000000000000002', 'list')).toContain('Livestreams');
  });

  it('creates past their limit make no livestream', async () => {
    const before = emulator.livestreams().length;
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        run('1300000000000000003', 'create', { name: `Discord show ${i}` }),
      ),
    );
    expect(answers.filter((text) => text.includes('Livestream created'))).toHaveLength(3);
    expect(answers.filter((text) => text.includes('Slow down: try again in 200 s'))).toHaveLength(2);
    expect(emulator.livestreams()).toHaveLength(before + 3);
  });
});

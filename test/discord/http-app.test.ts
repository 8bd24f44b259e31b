/**
 * Discord interactions over HTTP as `npm start` wires them (`startApp`): with DISCORD_PUBLIC_KEY the
 * endpoint is a route on the bot's one HTTP server (PORT), no gateway session is opened, and a signed
 * `/livestream` is answered through the callback, with per-person limits and the store as in production.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DISCORD_INTERACTIONS_PATH } from '../../adapters/discord/http-interactions.js';
import { createDiscordAppRig, type DiscordAppRig, type StartedApp } from '../fakes/app-rig.js';
import { chatInputInteraction } from '../fakes/discord-interactions.js';
import { createDiscordSigner, postInteraction } from '../fakes/discord-signer.js';

const APP_ID = '1100000000000000001';
const GUILD_ID = '1100000000000000002';
const CHANNEL_ID = '1100000000000000003';

const signer = createDiscordSigner();
let rig: DiscordAppRig;
let started: StartedApp;
let url: string;

beforeAll(async () => {
  rig = await createDiscordAppRig({
    seed: 31,
    discord: { applicationId: APP_ID, application: { verifyKey: signer.publicKeyHex } },
  });
  rig.emulator.seed(3, { status: 'IDLE' });
  started = await rig.start({ discord: { interactions: { publicKey: signer.publicKeyHex, port: 0 } } });
  const { port } = await started.waitForLog('HTTP server listening');
  url = `http://127.0.0.1:${String(port)}${DISCORD_INTERACTIONS_PATH}`;
  await started.waitForLog('discord interactions over HTTP');
});
afterAll(() => rig?.close());

it('mounts the endpoint on the bot’s HTTP server: PING is answered, and no gateway session is opened', async () => {
  const ping = await postInteraction({ url, signer, body: JSON.stringify({ type: 1 }) });
  expect(ping.status).toBe(200);
  expect(JSON.parse(ping.text)).toEqual({ type: 1 });
  expect(rig.discord.identifies).toEqual([]);
  expect(rig.discord.requests.some((r) => r.route === '/gateway/bot')).toBe(false);
});

it('a signed /livestream list is answered through the interaction callback, then 202', async () => {
  const interaction = chatInputInteraction({
    applicationId: APP_ID,
    guildId: GUILD_ID,
    channelId: CHANNEL_ID,
    subcommand: 'list',
  });
  const answer = await postInteraction({ url, signer, body: JSON.stringify(interaction.payload) });
  expect(answer.status).toBe(202);
  const callback = rig.discord.requests.find(
    (r) => r.method === 'POST' && r.route === `/interactions/${interaction.id}/${interaction.token}/callback`,
  );
  const body = callback?.body as { type: number; data?: { embeds?: { title?: string }[] } };
  expect(body.type).toBe(4);
  expect(body.data?.embeds?.[0]?.title).toBe('Livestreams');
});

/**
 * A Discord post that times out after Discord created the message, end to end: the real adapter
 * (`startDiscordAdapter`, its REST settings with a short timeout) against the fake Discord, with the real
 * poller, sender and SQLite store. @discordjs/rest must not send the POST again on its own (that made one
 * notification four messages), and the sender's retry carries the same nonce, so Discord returns the
 * message it made: exactly one message in the channel, and the "ended" edit targets it.
 */
import { DISCORD_PACING_MS } from '../../adapters/discord/sink.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DiscordAdapter, startDiscordAdapter } from '../../adapters/discord/app.js';
import type { Reply } from '../../src/reply.js';
import type { PostedMessage, PostOptions, Sink } from '../../src/sink.js';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.js';
import { createRig, type Rig, subscribe, TimedSink } from './support.js';

const APP_ID = '1100000000000000001';
const CHANNEL = '1100000000000000300';
const TOKEN = 'discord-timeout-token';

/** The adapter's sink, once the adapter has started (the rig is built first, for its core and log). */
class LateSink implements Sink {
  readonly platform = 'discord' as const;
  readonly pacingMs = DISCORD_PACING_MS;
  target: Sink | null = null;
  post(channelId: string, reply: Reply, options?: PostOptions): Promise<PostedMessage> {
    return this.target!.post(channelId, reply, options);
  }
  edit(channelId: string, messageId: string, reply: Reply): Promise<void> {
    return this.target!.edit(channelId, messageId, reply);
  }
}

let fake: FakeDiscord;
let rig: Rig;
/**
 * When `next` is set, the next markDelivered "crashes": the process died after Discord accepted a post,
 * so from then on that store records nothing more (no retry bookkeeping either), as a dead process.
 */
const crash = { next: false, dead: false };
let adapter: DiscordAdapter;
let sink: TimedSink;

beforeEach(async () => {
  crash.next = false;
  crash.dead = false;
  fake = await startFakeDiscord({ applicationId: APP_ID });
  const late = new LateSink();
  rig = await createRig({
    sinks: (clock) => [(sink = new TimedSink(late, clock))],
    wrapStore: (store) =>
      new Proxy(store, {
        get(target, key, receiver) {
          if (crash.dead) {
            return async () => {
              throw new Error('the process is dead');
            };
          }
          if (key === 'markDelivered' && crash.next) {
            return async () => {
              crash.next = false;
              crash.dead = true;
              throw new Error('killed after Discord accepted the post, before it was recorded');
            };
          }
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
  });
  adapter = await startDiscordAdapter({
    config: {
      botToken: TOKEN,
      applicationId: APP_ID,
      guildId: null,
      apiUrl: fake.restUrl,
      notifyChannel: null,
      managerRoles: [],
    },
    core: rig.core,
    log: rig.logs.log,
    registerCommands: false,
    // Far shorter than the default 15 s, so the test does not wait; everything else as in production.
    rest: { timeout: 300 },
  });
  late.target = adapter.sink;
  await subscribe(rig.store, 'discord', CHANNEL);
});
afterEach(async () => {
  await adapter.stop();
  await rig.close();
  await fake.close();
});

const posts = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.route === `/channels/${CHANNEL}/messages`);

describe('Discord answers a post after the client gave up', () => {
  it('exactly one message reaches the channel, and later edits target it', async () => {
    const show = rig.emulator.addLivestream({ name: 'Slow Discord', status: 'IDLE' });
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    fake.delay('POST', `/channels/${CHANNEL}/messages`, 3_000);

    expect(await rig.delivery.drainOnce()).toBe(0);
    expect(sink.refused).toEqual([expect.objectContaining({ kind: 'Transient' })]);
    expect(posts()).toHaveLength(1);
    await rig.drainAll();

    expect(posts()).toHaveLength(2);
    expect(fake.messages.map((m) => m.channelId)).toEqual([CHANNEL]);
    const nonces = posts().map((r) => (r.body as { nonce?: string }).nonce);
    expect(nonces[0]).toBeTruthy();
    expect(nonces[1]).toBe(nonces[0]);
    expect(sink.accepted.map((c) => c.messageId)).toEqual([fake.messages[0]!.id]);

    rig.emulator.setStatus(show.id, 'IDLE');
    await rig.poller.runCycle();
    await rig.drainAll();
    const edits = fake.requests.filter((r) => r.method === 'PATCH');
    expect(edits.map((r) => r.route)).toEqual([`/channels/${CHANNEL}/messages/${fake.messages[0]!.id}`]);
    expect(fake.messages).toHaveLength(1);
  });

  it('a restart between the timed-out post and its retry still makes one message', async () => {
    const show = rig.emulator.addLivestream({ name: 'Slow Discord', status: 'IDLE' });
    await rig.poller.runCycle();
    rig.emulator.setStatus(show.id, 'LIVE');
    await rig.poller.runCycle();
    fake.delay('POST', `/channels/${CHANNEL}/messages`, 3_000);
    await rig.delivery.drainOnce();
    await rig.restart();
    await rig.drainAll();
    expect(posts()).toHaveLength(2);
    expect(fake.messages).toHaveLength(1);
  });

  it('a crash after Discord accepted a post, with more waiting by the restart, posts the first once', async () => {
    const [first, second, third] = ['First', 'Second', 'Third'].map((name) =>
      rig.emulator.addLivestream({ name, status: 'IDLE' }),
    );
    await rig.poller.runCycle();
    rig.emulator.setStatus(first!.id, 'LIVE');
    await rig.poller.runCycle();
    crash.next = true;
    await rig.delivery.drainOnce();
    expect(fake.messages).toHaveLength(1);
    // While the bot is down two more go LIVE: the restarted sender must not fold the first into a digest
    // with them (a new nonce, so a second message saying First is live).
    rig.emulator.setStatus(second!.id, 'LIVE');
    rig.emulator.setStatus(third!.id, 'LIVE');
    crash.dead = false; // the new process's store
    await rig.restart({ crash: true });
    await rig.poller.runCycle();
    await rig.drainAll();
    const said = fake.messages.map((m) => JSON.stringify(m.body));
    expect(said.filter((body) => body.includes('First'))).toHaveLength(1);
    expect(said.join()).toContain('Second');
    expect(said.join()).toContain('Third');
  });
});

/**
 * Inputs that may arrive more than once, and at any replica (src/inputs.ts): the gates alone, in memory
 * and on both stores; two gates on one PostgreSQL database (two replicas); two real Slack adapters
 * (Bolt, HTTP mode), each a replica with its own store, answering the same slash command and the same
 * Stop button once between them, and saying "did not work" rather than risk a second run when their
 * store fails; and two real Discord adapters on one gateway, where every replica receives every click.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DiscordAdapter, startDiscordAdapter } from '../adapters/discord/app.js';
import { type SlackAdapter, startSlackAdapter } from '../adapters/slack/app.js';
import { ManualClock, systemClock } from '../src/clock.js';
import type { SlackConfig } from '../src/config.js';
import { type Core, createCore } from '../src/core.js';
import { clientSettingsOf, createEmulator, type Emulator } from '../src/emulator/emulator.js';
import {
  DOUBLE_CLICK_WINDOW_MS,
  type InputGate,
  memoryInputGate,
  REPEAT_WINDOW_MS,
  storeInputGate,
} from '../src/inputs.js';
import { silentLogger } from '../src/log.js';
import { openPgStore } from '../src/notify/pg-store.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import { INPUT_DEDUPE_MS, type NotifyStore } from '../src/notify/store.js';
import { createRealtimeKitClient } from '../src/realtimekit/client.js';
import { type ChatInputInteraction, componentInteraction } from './fakes/discord-interactions.js';
import { type FakeDiscord, startFakeDiscord } from './fakes/discord-server.js';
import { blocksText } from './fakes/slack-harness.js';
import {
  type RecordedResponse,
  type ResponseRecorder,
  startResponseRecorder,
} from './fakes/slack-responses.js';
import {
  blockActionsPayload,
  type ClickedButton,
  sendInteraction,
  sendSlashCommand,
} from './fakes/slack-signer.js';
import { type FakeSlackWebApi, startFakeSlackWebApi } from './fakes/slack-web-api.js';
import { emptyTables, useTestDatabase } from './support/pg.js';

const database = useTestDatabase();
/** How long a click's claim holds while it runs in the database (RUNNING_CLICK_MS in src/inputs.ts). */
const RUNNING_CLICK_MS = 2 * 60_000;

interface GateUnderTest {
  name: string;
  /** A gate on a fresh state, on `clock`; `restart` makes another on the same state, as a restarted process would. */
  open(clock: ManualClock): Promise<{ gate: InputGate; restart?: () => InputGate; close(): Promise<void> }>;
  /** How long a repeat is recognised. */
  repeatWindowMs: number;
  /** Whether a click that never finished (its replica died) frees the button by itself. */
  runningLapses: boolean;
}

const GATES: GateUnderTest[] = [
  {
    name: 'memory',
    async open(clock) {
      return { gate: memoryInputGate(() => clock.now()), close: async () => {} };
    },
    repeatWindowMs: REPEAT_WINDOW_MS,
    runningLapses: false,
  },
  {
    name: 'SQLite store',
    async open(clock) {
      const dir = mkdtempSync(join(tmpdir(), 'inputs-'));
      const store = openSqliteStore(dir);
      return {
        gate: storeInputGate({ store, clock, replica: 'replica-a' }),
        restart: () => storeInputGate({ store, clock, replica: 'replica-a' }),
        async close() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    repeatWindowMs: INPUT_DEDUPE_MS,
    runningLapses: true,
  },
  {
    name: 'PostgreSQL store',
    async open(clock) {
      await emptyTables(database.url);
      const store = await openPgStore(database.url);
      return {
        gate: storeInputGate({ store, clock, replica: 'replica-a' }),
        restart: () => storeInputGate({ store, clock, replica: 'replica-a' }),
        close: () => store.close(),
      };
    },
    repeatWindowMs: INPUT_DEDUPE_MS,
    runningLapses: true,
  },
];

describe.each(GATES)('the $name gate', ({ open, repeatWindowMs, runningLapses }) => {
  let clock: ManualClock;
  let opened: Awaited<ReturnType<GateUnderTest['open']>>;
  beforeEach(async () => {
    clock = new ManualClock();
    opened = await open(clock);
  });
  afterEach(async () => {
    await opened.close();
  });

  it('first: the first arrival of a key goes on, a repeat within the window does not, after it again', async () => {
    const { gate } = opened;
    expect(await gate.first('slack-trigger:T1')).toBe(true);
    expect(await gate.first('slack-trigger:T1')).toBe(false);
    expect(await gate.first('slack-trigger:T2')).toBe(true);
    clock.advance(repeatWindowMs - 1);
    expect(await gate.first('slack-trigger:T1')).toBe(false);
    clock.advance(2);
    expect(await gate.first('slack-trigger:T1')).toBe(true);
  });

  it('clicks: one at a time; after a success, none for the double-click window; after a failure, at once', async () => {
    const { clicks } = opened.gate;
    expect(await clicks.begin('stop:M1')).toBe(true);
    expect(await clicks.begin('stop:M1')).toBe(false); // running
    expect(await clicks.begin('stop:M2')).toBe(true); // another button
    await clicks.finish('stop:M1', true);
    expect(await clicks.begin('stop:M1')).toBe(false); // just ran
    clock.advance(DOUBLE_CLICK_WINDOW_MS - 1);
    expect(await clicks.begin('stop:M1')).toBe(false);
    clock.advance(2);
    expect(await clicks.begin('stop:M1')).toBe(true);
    await clicks.finish('stop:M1', false);
    expect(await clicks.begin('stop:M1')).toBe(true); // a failure frees it at once
    await clicks.finish('stop:M1', true);
  });

  it(
    runningLapses
      ? 'a click that never finished (its replica died) frees the button after its running time'
      : 'a click that never finished holds the button (in memory, it dies with the process)',
    async () => {
      const { clicks } = opened.gate;
      expect(await clicks.begin('stop:M1')).toBe(true);
      clock.advance(RUNNING_CLICK_MS - 1);
      expect(await clicks.begin('stop:M1')).toBe(false);
      clock.advance(2);
      expect(await clicks.begin('stop:M1')).toBe(runningLapses);
    },
  );
});

describe.each(GATES.filter((gate) => gate.name !== 'memory'))('the $name gate, restarted', ({ open }) => {
  let clock: ManualClock;
  let opened: Awaited<ReturnType<GateUnderTest['open']>>;
  beforeEach(async () => {
    clock = new ManualClock();
    opened = await open(clock);
  });
  afterEach(async () => {
    await opened.close();
  });

  it('under the same REPLICA_ID, it does not take over a click its former process runs or just ran', async () => {
    const before = opened.gate;
    expect(await before.clicks.begin('stop:M1')).toBe(true);
    const after = opened.restart!(); // a new process, counting its clicks from 1 again
    expect(await after.clicks.begin('stop:M1')).toBe(false);
    await before.clicks.finish('stop:M1', true);
    expect(await after.clicks.begin('stop:M1')).toBe(false);
    clock.advance(DOUBLE_CLICK_WINDOW_MS + 1);
    expect(await after.clicks.begin('stop:M1')).toBe(true);
  });
});

describe('two replicas on one PostgreSQL database', () => {
  const clock = new ManualClock();
  let stores: NotifyStore[] = [];
  let gates: InputGate[] = [];
  beforeAll(async () => {
    await emptyTables(database.url);
    stores = [await openPgStore(database.url), await openPgStore(database.url)];
    gates = stores.map((store, i) => storeInputGate({ store, clock, replica: `replica-${i}` }));
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  it('the same inputs reaching both at once go on at exactly one', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `discord:${1_000 + i}`);
    const won = await Promise.all(keys.flatMap((key) => gates.map((gate) => gate.first(key))));
    for (let i = 0; i < keys.length; i++)
      expect([won[2 * i], won[2 * i + 1]].filter(Boolean)).toHaveLength(1);
  });

  it('the same button clicked at both at once runs at exactly one; the double-click window holds at the other', async () => {
    for (let round = 0; round < 20; round++) {
      const key = `slack:C1:stop M${round} --yes`;
      const [a, b] = await Promise.all(gates.map((gate) => gate.clicks.begin(key)));
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const [winner, loser] = a ? [gates[0]!, gates[1]!] : [gates[1]!, gates[0]!];
      await loser.clicks.finish(key, false); // not its click: changes nothing
      expect(await loser.clicks.begin(key)).toBe(false);
      await winner.clicks.finish(key, true);
      expect(await loser.clicks.begin(key)).toBe(false);
    }
  });
});

const SIGNING_SECRET = 'replica-inputs-signing-secret-0123';
const BOT_TOKEN = 'xoxb-replica-inputs-bot-token';
const OPERATOR = 'U0BOSS';

interface SlackReplica {
  name: string;
  store: NotifyStore;
  adapter: SlackAdapter;
  eventsUrl: string;
  /** Commands and clicks that reached this replica's core. */
  calls: string[];
}

describe('two Slack replicas (real Bolt apps) behind a load balancer', () => {
  let emulator: Emulator;
  let webApi: FakeSlackWebApi;
  let responses: ResponseRecorder;
  let replicas: SlackReplica[] = [];
  let sent = 0;

  beforeAll(async () => {
    await emptyTables(database.url);
    emulator = createEmulator({ seed: 29 });
    await emulator.start();
    webApi = await startFakeSlackWebApi();
    responses = await startResponseRecorder();
    for (const name of ['replica-a', 'replica-b']) {
      const store = await openPgStore(database.url);
      const calls: string[] = [];
      const real = createCore({
        client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
        log: silentLogger,
      });
      const core: Core = {
        replyToText: (text, context) => {
          calls.push(text);
          return real.replyToText(text, context);
        },
        replyToCommand: (command, context) => {
          calls.push(command.name);
          return real.replyToCommand(command, context);
        },
      };
      const config: SlackConfig = {
        botToken: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        appToken: null,
        apiUrl: webApi.apiUrl,
        port: 0,
        notifyChannel: null,
        managers: [OPERATOR],
      };
      const adapter = await startSlackAdapter({
        config,
        core,
        log: silentLogger,
        host: '127.0.0.1',
        inputs: storeInputGate({ store, clock: systemClock, replica: name }),
      });
      replicas.push({
        name,
        store,
        adapter,
        eventsUrl: `http://127.0.0.1:${adapter.port ?? 0}/slack/events`,
        calls,
      });
    }
  });
  afterAll(async () => {
    for (const replica of replicas) {
      await replica.adapter.stop();
      await replica.store.close().catch(() => {});
    }
    await Promise.all([webApi?.close(), responses?.close(), emulator?.stop()]);
    replicas = [];
  });

  const calls = () => replicas.flatMap((replica) => replica.calls);

  /** The same slash command (one trigger_id), delivered to each of `to`, at once. */
  async function slashAt(to: SlackReplica[], text: string): Promise<string> {
    sent += 1;
    const id = `slash-${sent}`;
    const acks = await Promise.all(
      to.map((replica) =>
        sendSlashCommand({
          url: replica.eventsUrl,
          signingSecret: SIGNING_SECRET,
          fields: {
            text,
            response_url: responses.urlFor(id),
            trigger_id: `trigger-${id}`,
            user_id: OPERATOR,
          },
        }),
      ),
    );
    expect(acks.map((ack) => ack.status)).toEqual(to.map(() => 200));
    return id;
  }

  /** A click, delivered to `replica`; `id` names its response_url and trigger_id (the same id: a redelivery). */
  async function clickAt(replica: SlackReplica, button: ClickedButton, id: string): Promise<void> {
    const payload = blockActionsPayload({
      button,
      response_url: responses.urlFor(id),
      trigger_id: `trigger-${id}`,
      user_id: OPERATOR,
      action_ts: `1700000000.${id.replace(/\D/g, '').padStart(6, '0')}`,
    });
    const ack = await sendInteraction({ url: replica.eventsUrl, signingSecret: SIGNING_SECRET, payload });
    expect(ack.status).toBe(200);
  }

  /** Every answer posted for `id` once things settle: a later answer elsewhere marks the time. */
  async function answersFor(id: string): Promise<RecordedResponse[]> {
    const marker = await slashAt([replicas[0]!], 'help');
    await responses.next(marker);
    return responses.responses.filter((response) => response.id === id);
  }

  it('a slash command delivered to both replicas (Slack retrying at the other) runs once, answered once', async () => {
    const before = calls().length;
    const id = await slashAt(replicas, 'create Once only');
    await responses.next(id);
    expect(await answersFor(id)).toHaveLength(1);
    expect(emulator.livestreams().filter((l) => l.name === 'Once only')).toHaveLength(1);
    expect(calls().length - before - 1).toBe(1); // the marker's help is the other call
  });

  it('one click delivered to both replicas runs once; two clicks on Stop, one at each, stop once', async () => {
    const meeting = emulator.addMeeting({ title: 'Stopped once' });
    emulator.startMeetingLivestream(meeting.id, { name: 'Stopped once' });
    emulator.step();
    const stops = () =>
      emulator.requests.filter(
        (r) => r.method === 'POST' && r.path.endsWith(`${meeting.id}/active-livestream/stop`),
      );
    const confirm: ClickedButton = {
      action_id: 'livestream:1',
      value: `v1:n:stop ${meeting.id} --yes`,
      text: { type: 'plain_text', text: 'Stop livestream' },
    };
    // Two people (or one double click) on the same button, the load balancer sending one to each replica.
    await Promise.all([
      clickAt(replicas[0]!, confirm, 'click-101'),
      clickAt(replicas[1]!, confirm, 'click-102'),
    ]);
    await Promise.all([responses.next('click-101'), responses.next('click-102')]);
    await expect.poll(() => stops().length).toBe(1);
    expect(emulator.activeLivestreamOf(meeting.id)).toBeNull();
    const answered = async () => {
      const answers = [...(await answersFor('click-101')), ...(await answersFor('click-102'))];
      return answers.map((answer) => blocksText(answer.body.blocks));
    };
    const texts = await answered();
    expect(texts.filter((text) => text.includes('Stopped by <@U0BOSS>'))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('Already clicked'))).toHaveLength(1);
    // A redelivery of each click (the same trigger_id) at the other replica: nothing more runs or answers.
    await clickAt(replicas[1]!, confirm, 'click-101');
    await clickAt(replicas[0]!, confirm, 'click-102');
    expect(await answered()).toHaveLength(texts.length);
    expect(stops()).toHaveLength(1);
  });

  it('a replica whose store fails answers "did not work" and runs nothing; the other runs it once', async () => {
    const [a, b] = replicas as [SlackReplica, SlackReplica];
    await b.store.close(); // its database is gone: every claim throws
    const before = calls().length;
    const broken = await slashAt([b], 'create Not twice');
    const answer = await responses.next(broken);
    expect(String(answer.body.text) + blocksText(answer.body.blocks)).toContain('That did not work');
    expect(b.calls.at(-1)).not.toBe('create Not twice');
    expect(calls().length).toBe(before);
    // The same command, delivered to both: b refuses again, a runs it.
    const both = await slashAt([a, b], 'create Not twice');
    await expect.poll(() => responses.responses.filter((r) => r.id === both).length).toBe(2);
    expect(emulator.livestreams().filter((l) => l.name === 'Not twice')).toHaveLength(1);
    expect(a.calls.filter((text) => text === 'create Not twice')).toHaveLength(1);
    expect(b.calls.filter((text) => text === 'create Not twice')).toHaveLength(0);
    // A click at b: "did not work", nothing stopped.
    const meeting = emulator.addMeeting({ title: 'Kept' });
    emulator.startMeetingLivestream(meeting.id, { name: 'Kept' });
    emulator.step();
    await clickAt(b, { action_id: 'livestream:1', value: `v1:n:stop ${meeting.id} --yes` }, 'click-201');
    const clicked = await responses.next('click-201');
    expect(blocksText(clicked.body.blocks) + String(clicked.body.text)).toContain('That did not work');
    expect(emulator.activeLivestreamOf(meeting.id)).not.toBeNull();
  });
});

const DISCORD_APP = '1100000000000000001';
const DISCORD_GUILD = '1100000000000000002';
const DISCORD_CHANNEL = '1100000000000000003';
const DISCORD_OPERATOR_ROLE = '1300000000000000001';
const DISCORD_OPERATOR = '1200000000000000077';
const UPDATE_MESSAGE = 7;

describe('two Discord replicas on the gateway (every session receives every interaction)', () => {
  let emulator: Emulator;
  let discord: FakeDiscord;
  const stores: NotifyStore[] = [];
  const adapters: DiscordAdapter[] = [];
  /** Commands that reached each replica's core, by replica. */
  const calls: string[][] = [];
  /** Each replica's claim of each input key, once its store answered: true for the one that may answer. */
  const verdicts: Map<string, boolean>[] = [];

  beforeAll(async () => {
    await emptyTables(database.url);
    emulator = createEmulator({ seed: 31 });
    await emulator.start();
    discord = await startFakeDiscord({ applicationId: DISCORD_APP });
    for (const name of ['replica-a', 'replica-b']) {
      const store = await openPgStore(database.url);
      stores.push(store);
      const mine: string[] = [];
      calls.push(mine);
      const real = createCore({
        client: createRealtimeKitClient({ ...clientSettingsOf(emulator.settings()), retries: 0 }),
        log: silentLogger,
      });
      const gate = storeInputGate({ store, clock: systemClock, replica: name });
      const decided = new Map<string, boolean>();
      verdicts.push(decided);
      adapters.push(
        await startDiscordAdapter({
          config: {
            botToken: 'replica-inputs-discord-token',
            applicationId: DISCORD_APP,
            guildId: DISCORD_GUILD,
            apiUrl: discord.restUrl,
            notifyChannel: null,
            managerRoles: [DISCORD_OPERATOR_ROLE],
          },
          core: {
            replyToText: (text, context) => {
              mine.push(text);
              return real.replyToText(text, context);
            },
            replyToCommand: (command, context) => {
              mine.push(command.name);
              return real.replyToCommand(command, context);
            },
          },
          log: silentLogger,
          rest: { retries: 0 },
          inputs: {
            async first(key) {
              const mine = await gate.first(key);
              decided.set(key, mine);
              return mine;
            },
            clicks: gate.clicks,
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const adapter of adapters) await adapter.stop();
    await Promise.all(stores.map((store) => store.close()));
    await discord?.close();
    await emulator?.stop();
  });

  const callbacksOf = (interaction: ChatInputInteraction) =>
    discord.requests.filter(
      (r) =>
        r.method === 'POST' && r.route === `/interactions/${interaction.id}/${interaction.token}/callback`,
    );

  function click(customId: string): ChatInputInteraction {
    const interaction = componentInteraction({
      applicationId: DISCORD_APP,
      guildId: DISCORD_GUILD,
      channelId: DISCORD_CHANNEL,
      customId,
      userId: DISCORD_OPERATOR,
      roles: [DISCORD_OPERATOR_ROLE],
    });
    discord.dispatch('INTERACTION_CREATE', interaction.payload);
    return interaction;
  }

  /** What the clicker was told: the callback's embeds, or for an update in place its follow-up's. */
  async function told(interaction: ChatInputInteraction): Promise<string> {
    const callback = await discord.waitForRequest((r) => callbacksOf(interaction).includes(r));
    const body = callback.body as { type: number; data?: { embeds?: unknown[] } };
    if (body.type !== UPDATE_MESSAGE) return JSON.stringify(body.data?.embeds ?? []);
    const followUp = await discord.waitForRequest(
      (r) => r.method === 'POST' && r.route === `/webhooks/${DISCORD_APP}/${interaction.token}`,
    );
    return JSON.stringify((followUp.body as { embeds?: unknown[] }).embeds ?? []);
  }

  /**
   * Each replica's claim of the interaction, once both have answered: from then on nothing more is
   * decided about it (a replica that lost its claim sends nothing).
   */
  async function decidedByBoth(interaction: ChatInputInteraction): Promise<(boolean | undefined)[]> {
    const claims = () => verdicts.map((decided) => decided.get(`discord:${interaction.id}`));
    await expect.poll(() => claims().every((verdict) => verdict !== undefined)).toBe(true);
    return claims().sort();
  }

  function liveMeeting(name: string) {
    const meeting = emulator.addMeeting({ title: name });
    emulator.startMeetingLivestream(meeting.id, { name });
    emulator.step();
    return meeting;
  }

  const stopRequests = (meetingId: string) =>
    emulator.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(`${meetingId}/active-livestream/stop`),
    );

  it('one Stop click, received by both replicas, is answered and run by one', async () => {
    const meeting = liveMeeting('Gateway stop');
    const interaction = click(`v1:n:stop ${meeting.id} --yes`);
    expect(await told(interaction)).toContain(`Stopped by <@${DISCORD_OPERATOR}>`);
    expect(await decidedByBoth(interaction)).toEqual([false, true]);
    expect(callbacksOf(interaction)).toHaveLength(1);
    expect(stopRequests(meeting.id)).toHaveLength(1);
    expect(calls.map((mine) => mine.filter((name) => name === 'stop').length).sort()).toEqual([0, 1]);
  });

  it('two clicks on one Stop button, each received by both replicas, stop once; the other is told so', async () => {
    const meeting = liveMeeting('Gateway double click');
    const clicks = [1, 2].map(() => click(`v1:n:stop ${meeting.id} --yes`));
    const texts = await Promise.all(clicks.map((interaction) => told(interaction)));
    expect(texts.filter((text) => text.includes(`Stopped by <@${DISCORD_OPERATOR}>`))).toHaveLength(1);
    expect(texts.filter((text) => text.includes('Already clicked'))).toHaveLength(1);
    for (const interaction of clicks) expect(await decidedByBoth(interaction)).toEqual([false, true]);
    expect(clicks.map((interaction) => callbacksOf(interaction).length)).toEqual([1, 1]);
    expect(stopRequests(meeting.id)).toHaveLength(1);
  });
});

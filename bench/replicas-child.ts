/**
 * One bot replica for the replicas bench (bench/replicas.ts), in a process of its own so it can be
 * SIGKILLed like a host dying. It runs what startApp runs for notifications: its own store (a PostgreSQL
 * pool, or SQLite for the single-process comparison), startNotifications with `replica` (lease, channel
 * claims, shared budget), and the real Slack sink (WebClient) and Discord sink (@discordjs/rest) against
 * the bench's fake platforms. Each post's stream events are counted here, so the bench can tell each
 * replica's share.
 *
 * Over IPC, every request carries `n` and is answered with the same `n`:
 *   {open}   opens the store (schema migrated) and builds the sinks; nothing runs yet
 *   {go}     startNotifications: the sender (and, as a replica, the lease loop) starts
 *   {counts} -> {announced, messages}: stream events posted, messages posted
 *   {hint}   a webhook's hint that a livestream changed, through the checker startWebhooks would get
 *   {stop}   a clean stop (lease and claims released), then exit
 * and, unasked, {term: {leading, at}} whenever this replica starts or stops polling.
 */
import { webApi } from '@slack/bolt';
import { REST } from 'discord.js';
import { discordSinkRestOptions } from '../adapters/discord/rest.js';
import { createDiscordSink } from '../adapters/discord/sink.js';
import { createSlackSink, SLACK_CLIENT_OPTIONS } from '../adapters/slack/sink.js';
import { systemClock } from '../src/clock.js';
import { silentLogger } from '../src/log.js';
import { type Notifications, startNotifications } from '../src/notify/service.js';
import { openPgStore } from '../src/notify/pg-store.js';
import { openSqliteStore } from '../src/notify/sqlite-store.js';
import type { NotifyStore } from '../src/notify/store.js';
import type { RealtimeKitClientOptions } from '../src/realtimekit/client.js';
import type { Sink } from '../src/sink.js';

export interface ReplicaSetup {
  /** PostgreSQL (`url`): one of several replicas; SQLite (`dataDir`): the bot alone, as `npm start` runs it. */
  store: { url: string } | { dataDir: string };
  /** This replica's name (REPLICA_ID); with SQLite, only a label. */
  replicaId: string;
  api: Omit<RealtimeKitClientOptions, 'onRequest'>;
  slackApiUrl: string;
  discordRestUrl: string;
  pollIntervalSeconds: number;
  requestBudget: number;
}

export type ReplicaRequest =
  | { n: number; open: ReplicaSetup }
  | { n: number; go: true }
  | { n: number; counts: true }
  | { n: number; hint: string }
  | { n: number; stop: true };

export interface ReplicaCounts {
  /** Stream events the posted messages carried (a digest counts each of its items). */
  announced: number;
  messages: number;
}

let store: NotifyStore | null = null;
let setup: ReplicaSetup | null = null;
let sinks: Sink[] = [];
let rest: REST | null = null;
let notifications: Notifications | null = null;
const counts: ReplicaCounts = { announced: 0, messages: 0 };

/** The sink, counting what this replica posted. */
function counting(sink: Sink): Sink {
  return {
    platform: sink.platform,
    pacingMs: sink.pacingMs,
    post: async (channelId, reply, options) => {
      const posted = await sink.post(channelId, reply, options);
      counts.messages += 1;
      counts.announced += reply.list?.total ?? 1;
      return posted;
    },
    edit: (channelId, messageId, reply) => sink.edit(channelId, messageId, reply),
  };
}

async function open(given: ReplicaSetup): Promise<void> {
  setup = given;
  store =
    'url' in given.store
      ? await openPgStore(given.store.url, { applicationName: `bench-replica/${given.replicaId}` })
      : openSqliteStore(given.store.dataDir);
  const slack = new webApi.WebClient(`xoxb-${given.replicaId}`, {
    ...SLACK_CLIENT_OPTIONS,
    slackApiUrl: `${given.slackApiUrl}/`,
  });
  rest = new REST(discordSinkRestOptions({ apiUrl: given.discordRestUrl })).setToken(
    `${given.replicaId}-token`,
  );
  sinks = [createSlackSink({ client: slack, log: silentLogger }), createDiscordSink({ rest })].map(counting);
}

async function go(): Promise<void> {
  if (!store || !setup) throw new Error('go before open');
  const replicated = 'url' in setup.store;
  notifications = await startNotifications({
    config: {
      pollIntervalSeconds: setup.pollIntervalSeconds,
      requestBudget: setup.requestBudget,
      dataDir: 'dataDir' in setup.store ? setup.store.dataDir : '',
      cooldownSeconds: 120,
      alertAfterSeconds: 300,
    },
    store,
    sinks,
    api: setup.api,
    realApi: false,
    defaultChannels: [],
    log: silentLogger,
    clock: systemClock,
    ...(replicated
      ? {
          replica: {
            id: setup.replicaId,
            onTerm: (leading: boolean) => process.send?.({ term: { leading, at: Date.now() } }),
          },
        }
      : {}),
  });
}

async function stop(): Promise<void> {
  await notifications?.stop();
  await store?.close();
  rest?.clearHashSweeper();
  rest?.clearHandlerSweeper();
}

process.on('message', (message: ReplicaRequest) => {
  const answer = (body: object) => process.send?.({ n: message.n, ...body });
  const run = async (): Promise<object> => {
    if ('open' in message) await open(message.open);
    else if ('go' in message) await go();
    else if ('counts' in message) return { counts };
    else if ('hint' in message) await notifications?.checker.check(message.hint);
    else {
      await stop();
      answer({ ok: true });
      process.exit(0);
    }
    return { ok: true };
  };
  run().then(answer, (error: unknown) =>
    answer({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.send?.({ ready: true });

/**
 * The pieces the replicas bench (bench/replicas.ts) stands on: replica processes it can SIGKILL, fresh
 * databases on one throwaway PostgreSQL, and the fake Slack and Discord with every post's arrival time
 * and channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { messageObject, startFakeDiscord } from '../test/fakes/discord-server.js';
import { startFakeSlackWebApi } from '../test/fakes/slack-web-api.js';
import { NPM_START_FLAGS } from './child.js';
import type { ReplicaCounts, ReplicaRequest, ReplicaSetup } from './replicas-child.js';
import { deadline, sleep } from './stats.js';

/** A request without its number (each member of the union on its own). */
type WithoutNumber<T> = T extends unknown ? Omit<T, 'n'> : never;
type Question = WithoutNumber<ReplicaRequest>;

/** One bot replica in its own process (bench/replicas-child.ts). */
export class ReplicaProcess {
  /** When this replica started or stopped polling (its own Date.now()), in order. */
  readonly terms: { leading: boolean; at: number }[] = [];
  private next = 0;
  private readonly waiting = new Map<number, (answer: Record<string, unknown>) => void>();
  private exited = false;

  private constructor(
    readonly id: string,
    readonly process: ChildProcess,
  ) {
    process.on('message', (message: Record<string, unknown>) => {
      if ('term' in message) this.terms.push(message.term as { leading: boolean; at: number });
      else if (typeof message.n === 'number') this.waiting.get(message.n)?.(message);
    });
    process.once('exit', () => {
      this.exited = true;
      for (const resolve of this.waiting.values()) resolve({ error: `replica ${id} exited` });
    });
  }

  static async start(script: string, id: string): Promise<ReplicaProcess> {
    const child = fork(script, {
      execArgv: [
        ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? NPM_START_FLAGS),
        ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await deadline(
      new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('error', reject);
      }),
      30_000,
      `replica ${id}: the process started`,
    );
    return new ReplicaProcess(id, child);
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Whether this replica polls now, by what it last reported. */
  get leading(): boolean {
    return this.alive && this.terms.at(-1)?.leading === true;
  }

  async ask(question: Question, ms = 30_000): Promise<Record<string, unknown>> {
    const n = this.next++;
    const answer = await deadline(
      new Promise<Record<string, unknown>>((resolve) => {
        this.waiting.set(n, resolve);
        this.process.send({ n, ...question });
      }),
      ms,
      `replica ${this.id}: ${Object.keys(question).join()}`,
    ).finally(() => this.waiting.delete(n));
    if (typeof answer.error === 'string') throw new Error(`replica ${this.id}: ${answer.error}`);
    return answer;
  }

  open(setup: ReplicaSetup): Promise<unknown> {
    return this.ask({ open: setup });
  }

  go(): Promise<unknown> {
    return this.ask({ go: true });
  }

  async counts(): Promise<ReplicaCounts> {
    return (await this.ask({ counts: true })).counts as ReplicaCounts;
  }

  hint(livestreamId: string): Promise<unknown> {
    return this.ask({ hint: livestreamId });
  }

  /** As a host dying: no stop, no lease or claim released. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGKILL');
    await gone;
  }

  /** A clean stop (lease and claims released); killed if it does not end in time. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    await this.ask({ stop: true }, 15_000).catch(() => this.process.kill('SIGKILL'));
    await gone;
  }
}

/** Starts replicas, opens each one's store, then starts them all at once; resolves when all run. */
export async function startReplicas(
  script: string,
  ids: string[],
  setup: (id: string) => ReplicaSetup,
): Promise<{ replicas: ReplicaProcess[]; goAt: number }> {
  const replicas = await Promise.all(ids.map((id) => ReplicaProcess.start(script, id)));
  await Promise.all(replicas.map((replica) => replica.open(setup(replica.id))));
  const goAt = Date.now();
  await Promise.all(replicas.map((replica) => replica.go()));
  return { replicas, goAt };
}

/** The one alive replica that polls now (waits until one does). */
export async function currentLeader(replicas: ReplicaProcess[], ms = 15_000): Promise<ReplicaProcess> {
  return deadline(
    (async () => {
      for (;;) {
        const leaders = replicas.filter((replica) => replica.leading);
        if (leaders.length === 1) return leaders[0]!;
        await sleep(10);
      }
    })(),
    ms,
    'a replica polls',
  );
}

/** What the failover reads of a channel's claim: the holder and when its claim lapses (epoch ms). */
export interface ChannelClaimRow {
  holder: string;
  expires_at: number | string;
}

/** The claim on a channel, as channel_claim holds it; null when no replica ever claimed it. */
export async function channelClaim(
  db: Pick<pg.Pool, 'query'>,
  platform: 'slack' | 'discord',
  channelId: string,
): Promise<ChannelClaimRow | null> {
  const { rows } = await db.query<ChannelClaimRow>(
    'SELECT holder, expires_at FROM channel_claim WHERE platform = $1 AND channel_id = $2',
    [platform, channelId],
  );
  return rows[0] ?? null;
}

/**
 * How long replica `replicaId`'s claim in `row` still had to run at `at`, ms; null when that replica
 * held none then (another replica's claim, or a lapsed one). A process claims as `REPLICA_ID#<a part of
 * its own>` (src/notify/service.ts), so the replica is the holder's part before the `#`.
 */
export function claimLeftOf(row: ChannelClaimRow | null, replicaId: string, at: number): number | null {
  if (!row?.holder.startsWith(`${replicaId}#`)) return null;
  const leftMs = Number(row.expires_at) - at;
  return leftMs > 0 ? leftMs : null;
}

/** A PostgreSQL server's URL with another database in it. */
function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, empty database on the server at `serverUrl`; its URL. */
export async function createDatabase(serverUrl: string): Promise<string> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl, application_name: 'bench' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return withDatabase(serverUrl, name);
}

export interface Arrival {
  platform: 'slack' | 'discord';
  channelId: string;
  /** Date.now() when the fake received it. */
  at: number;
}

const APP_ID = '1100000000000000001';

/** The fake Slack Web API and the fake Discord; every channel message they receive, with its time. */
export async function startRecordingPlatforms() {
  const slackApi = await startFakeSlackWebApi();
  const discord = await startFakeDiscord({ applicationId: APP_ID });
  const discordArrivals: Arrival[] = [];
  discord.answer('POST', /^\/channels\/\d+\/messages$/, (request) => {
    const channelId = /^\/channels\/(\d+)\//.exec(request.route)?.[1] ?? '';
    discordArrivals.push({ platform: 'discord', channelId, at: Date.now() });
    return { body: messageObject(channelId, request.body, APP_ID) };
  });
  let discordChannel = 1_300_000_000_000_000_000n;
  let slackChannel = 0;
  return {
    slackApiUrl: slackApi.apiUrl,
    discordRestUrl: discord.restUrl,
    /** A channel id no earlier scenario used. */
    newChannel(platform: 'slack' | 'discord'): string {
      return platform === 'slack' ? `C0REP${slackChannel++}` : String(discordChannel++);
    },
    /** Every message received so far, both platforms. */
    arrivals(): Arrival[] {
      const slack: Arrival[] = slackApi.calls
        .filter((call) => call.method === 'chat.postMessage')
        .map((call) => ({ platform: 'slack', channelId: String(call.params.channel), at: call.at }));
      return [...slack, ...discordArrivals];
    },
    async close() {
      await discord.close();
      await slackApi.close();
    },
  };
}

export type RecordingPlatforms = Awaited<ReturnType<typeof startRecordingPlatforms>>;

/** The first message to `channelId` received at or after `since` (waits for it). */
export function arrivalIn(
  platforms: RecordingPlatforms,
  channelId: string,
  since: number,
  ms: number,
  what: string,
  lookEveryMs = 5,
): Promise<number> {
  return deadline(
    (async () => {
      for (;;) {
        const found = platforms.arrivals().find((a) => a.channelId === channelId && a.at >= since);
        if (found) return found.at; // the fake's own receive time: exact however often we look
        await sleep(lookEveryMs);
      }
    })(),
    ms,
    what,
  );
}

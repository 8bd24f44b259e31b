/**
 * Several replicas of the real bot (child processes, see bot-process.ts) on one PostgreSQL database, each
 * under its own REPLICA_ID, started, SIGKILLed and started again (under the same name, or a new one
 * takes its place). Every start is an incarnation with a Slack bot token of its own
 * (`xoxb-chaos-<replica>-<n>`): the fake Slack checks no token, so the token only tells the test which
 * process sent each call. Nothing else differs between them.
 */
import { type BotProcess, startBot } from './bot-process.js';

/** Logged once notifications run (the bot is ready to poll and send). */
const READY_LOG = 'notifications running, as one of several replicas';

export interface Incarnation {
  replica: string;
  /** 1 for the first start of this replica, 2 for the next… */
  number: number;
  token: string;
  bot: BotProcess;
  startedAt: number;
  /** Date.now() when it logged that notifications run; null until then. */
  readyAt: number | null;
  /** Date.now() when the test SIGKILLed it (or saw it exit); null while it runs. */
  diedAt: number | null;
}

export class ReplicaFleet {
  readonly incarnations: Incarnation[] = [];
  /** Set by close(): nothing more starts (a test that failed half-way must not leave a bot behind). */
  private closed = false;

  constructor(private readonly env: Record<string, string>) {}

  /** Every REPLICA_ID started so far, in order of first start. */
  get replicas(): string[] {
    return [...new Set(this.incarnations.map((i) => i.replica))];
  }

  /** The running incarnation of `replica`, or null when it is down. */
  current(replica: string): Incarnation | null {
    const last = this.incarnations.filter((i) => i.replica === replica).at(-1);
    return last && last.diedAt === null ? last : null;
  }

  /** Replicas whose process runs and is ready. */
  alive(): string[] {
    return this.replicas.filter((replica) => this.current(replica)?.readyAt != null);
  }

  /** The incarnation whose token a Slack call carried (its `Authorization: Bearer …` header). */
  byToken(authorization: string | undefined): Incarnation | null {
    const token = authorization?.replace(/^Bearer\s+/i, '');
    return this.incarnations.find((i) => i.token === token) ?? null;
  }

  /** Starts `replica` (it must be down) and resolves once its notifications run. */
  async start(replica: string, timeoutMs = 30_000): Promise<Incarnation> {
    if (this.closed) throw new Error('the fleet is closed');
    if (this.current(replica)) throw new Error(`replica ${replica} is already running`);
    const number = this.incarnations.filter((i) => i.replica === replica).length + 1;
    const token = `xoxb-chaos-${replica}-${number}`;
    const bot = startBot({ ...this.env, REPLICA_ID: replica, SLACK_BOT_TOKEN: token });
    const incarnation: Incarnation = {
      replica,
      number,
      token,
      bot,
      startedAt: Date.now(),
      readyAt: null,
      diedAt: null,
    };
    this.incarnations.push(incarnation);
    // A replica that dies by itself is a finding: it is marked dead, and its exit is in `unexpectedExits`.
    void bot.exited.then((exit) => {
      if (incarnation.diedAt === null) {
        incarnation.diedAt = Date.now();
        this.unexpectedExits.push({ replica, number, ...exit, stderr: bot.stderr().slice(-2_000) });
      }
    });
    // (Race's own handler takes this rejection even when it comes after the start.)
    const died = bot.exited.then((exit) => {
      throw new Error(
        `replica ${replica} exited during its start (${JSON.stringify(exit)}):\n${bot.stderr().slice(-2_000)}`,
      );
    });
    await Promise.race([bot.waitForLog(READY_LOG, 1, timeoutMs), died]);
    incarnation.readyAt = Date.now();
    return incarnation;
  }

  /** Processes that exited without the test killing or stopping them. */
  readonly unexpectedExits: {
    replica: string;
    number: number;
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }[] = [];

  /** SIGKILLs the running incarnation of `replica` and resolves once the process is gone. */
  async kill(replica: string): Promise<Incarnation> {
    const incarnation = this.current(replica);
    if (!incarnation) throw new Error(`replica ${replica} is not running`);
    incarnation.diedAt = Date.now();
    incarnation.bot.kill('SIGKILL');
    await incarnation.bot.exited;
    return incarnation;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** No more starts; every incarnation still running is SIGKILLed. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.incarnations
        .filter((incarnation) => incarnation.diedAt === null)
        .map(async (incarnation) => {
          incarnation.diedAt = Date.now();
          incarnation.bot.kill('SIGKILL');
          await incarnation.bot.exited;
        }),
    );
  }

  /** SIGTERM to every running replica; resolves with how each exited. */
  async stopAll(): Promise<{ replica: string; code: number | null; signal: NodeJS.Signals | null }[]> {
    const running = this.replicas.flatMap((replica) => {
      const incarnation = this.current(replica);
      return incarnation ? [incarnation] : [];
    });
    for (const incarnation of running) {
      incarnation.diedAt = Date.now();
      incarnation.bot.kill('SIGTERM');
    }
    return Promise.all(
      running.map(async (incarnation) => ({
        replica: incarnation.replica,
        ...(await incarnation.bot.exited),
      })),
    );
  }
}

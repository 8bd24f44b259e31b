/**
 * What the replicas' shared PostgreSQL says, read every `everyMs` on one connection of the test's own:
 * who holds the poller lease (and its epoch), who claims which channel, the committed status of each
 * stream, and how many deliveries wait. Waiters are woken after each read and give up at their deadline,
 * so the chaos test waits for the database to show something, never for a fixed time.
 */
import pg from 'pg';

/**
 * Lease and claim holders are a process's own name: REPLICA_ID, `#`, and a part of its own (so a process
 * restarted under the same REPLICA_ID is another holder). This is the REPLICA_ID part.
 */
export function replicaOf(holder: string): string {
  return holder.split('#')[0]!;
}

export interface LeaseRow {
  /** The holder's REPLICA_ID; `process` is the whole holder name. */
  holder: string;
  process: string;
  epoch: number;
  expiresAt: number;
}

export interface DbSnapshot {
  /** Date.now() when the read finished. */
  at: number;
  /** The poller lease; null before anyone took it. */
  lease: LeaseRow | null;
  /** `platform:channel` -> its claim (`holder`: the REPLICA_ID part, as for the lease). */
  claims: Map<string, { holder: string; process: string; expiresAt: number }>;
  /** livestream id -> the status the polling replica committed (only LIVE and ERRORED are kept). */
  statuses: Map<string, string>;
  baseline: boolean;
  pending: number;
}

export class DbWatch {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private waiters = new Set<() => void>();
  private last: DbSnapshot | null = null;
  /** Every read in order: the lease's history (takeover times are measured on it). */
  readonly history: DbSnapshot[] = [];

  constructor(
    private readonly url: string,
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.url, application_name: 'chaos-test-watch' });
    await this.client.connect();
    await this.read();
    const loop = async () => {
      try {
        await this.read();
      } catch {
        // A read that fails is only a missed look: the next one comes.
      }
      if (this.client) this.timer = setTimeout(() => void loop(), this.everyMs);
    };
    this.timer = setTimeout(() => void loop(), this.everyMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  get now(): DbSnapshot {
    if (!this.last) throw new Error('DbWatch has not read the database yet');
    return this.last;
  }

  /** Resolves with `check`'s first defined answer on a read from now on; rejects after `timeoutMs`. */
  until<T>(check: (snapshot: DbSnapshot) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        const value = this.last ? check(this.last) : undefined;
        if (value === undefined) return;
        this.waiters.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(attempt);
      attempt();
    });
  }

  private async read(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // One statement at a time (a pg.Client runs one anyway), in one snapshot of the database.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let lease, claims, statuses, meta, pending;
    try {
      lease = await client.query<{ holder: string; epoch: string; expires_at: string }>(
        "SELECT holder, epoch, expires_at FROM lease WHERE name = 'poller'",
      );
      claims = await client.query<{
        platform: string;
        channel_id: string;
        holder: string;
        expires_at: string;
      }>('SELECT platform, channel_id, holder, expires_at FROM channel_claim');
      statuses = await client.query<{ livestream_id: string; status: string }>(
        'SELECT livestream_id, status FROM stream_status',
      );
      meta = await client.query("SELECT 1 FROM meta WHERE key = 'baseline'");
      pending = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM delivery WHERE state = 'pending'",
      );
    } finally {
      await client.query('COMMIT');
    }
    const row = lease.rows[0];
    const snapshot: DbSnapshot = {
      at: Date.now(),
      lease: row
        ? {
            holder: replicaOf(row.holder),
            process: row.holder,
            epoch: Number(row.epoch),
            expiresAt: Number(row.expires_at),
          }
        : null,
      claims: new Map(
        claims.rows.map((c) => [
          `${c.platform}:${c.channel_id}`,
          { holder: replicaOf(c.holder), process: c.holder, expiresAt: Number(c.expires_at) },
        ]),
      ),
      statuses: new Map(statuses.rows.map((s) => [s.livestream_id, s.status])),
      baseline: meta.rows.length > 0,
      pending: Number(pending.rows[0]?.n ?? 0),
    };
    this.last = snapshot;
    this.history.push(snapshot);
    for (const wake of [...this.waiters]) wake();
  }
}

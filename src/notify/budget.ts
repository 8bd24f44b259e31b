/**
 * One request budget for the API token: every RealtimeKit request the bot sends (the poller's and every
 * command's, retries included, through the client's `onRequest` hook) is recorded here, in one sliding
 * 5-minute window, because that is how Cloudflare counts: past 1,200 requests in 5 minutes it blocks the
 * token for 5 minutes, and then polling and everyone's commands stop.
 *
 * Two ceilings on that one count, with the production defaults:
 *
 *     0 ──────────── 900 (limit: API_REQUEST_BUDGET) ──── 1,100 (tokenLimit: API_TOKEN_REQUEST_LIMIT) ── 1,200 Cloudflare
 *        poller and commands     commands only                         margin
 *
 * - The poller starts a cycle only while the whole token's count plus the cycle's cost stays within
 *   `limit`, and paces itself on what commands leave of it: when the budget runs low, it stretches first.
 * - A command is let through only while the count plus what it may cost stays within `tokenLimit`, so
 *   commands always have the last 200 of the window to themselves and are refused politely (see
 *   CommandLimits) well before Cloudflare's limit.
 * - The last 100 are margin for what no check can see coming: requests already in flight when a check
 *   passed (a poller cycle that costs more than its estimate, retries of a command).
 *
 * Commands come before the poller: a person waiting for an answer matters more than a notification a few
 * seconds sooner, and per-person limits keep any one person from taking the window.
 *
 * Times are milliseconds on a monotonic clock (`clock.monotonic()`), any origin: a step of the wall
 * clock must neither stall the poller nor free the budget early.
 */
export const BUDGET_WINDOW_MS = 5 * 60_000;

/** Requests per BUDGET_WINDOW_MS after which Cloudflare blocks an API token (for 5 minutes). */
export const CLOUDFLARE_REQUEST_LIMIT = 1_200;

/** API_TOKEN_REQUEST_LIMIT's default: Cloudflare's limit less a margin of 100. */
export const DEFAULT_TOKEN_REQUEST_LIMIT = 1_100;

/** How long to wait when other replicas' requests alone fill the budget: about one sync (shared-budget.ts). */
const OTHERS_RECHECK_MS = 5_000;

/** Who sent a request: the poller paces itself on what commands leave it. */
export type RequestSource = 'poller' | 'commands';

/** Timestamps in one sliding window, oldest first. */
class SlidingWindow {
  private stamps: number[] = [];
  private head = 0;

  add(now: number): void {
    // Kept in order even if a caller's clock stepped back, so expiry stays a walk from the front.
    const last = this.stamps[this.stamps.length - 1];
    this.stamps.push(last !== undefined && last > now ? last : now);
  }

  count(now: number): number {
    this.expire(now);
    return this.stamps.length - this.head;
  }

  /**
   * How long until `cost` more fit under `ceiling` (0: now), with `elsewhere` requests counted by other
   * replicas: when they alone are over, wait for the next sync to say how many of theirs expired.
   */
  waitMs(ceiling: number, cost: number, now: number, elsewhere = 0): number {
    const excess = this.count(now) + elsewhere + cost - ceiling;
    if (excess <= 0) return 0;
    if (cost > ceiling) return BUDGET_WINDOW_MS; // never fits: go as slowly as the window allows
    if (excess > this.count(now)) return OTHERS_RECHECK_MS;
    const oldestToExpire = this.stamps[this.head + excess - 1] ?? now;
    return Math.max(0, Math.ceil(oldestToExpire + BUDGET_WINDOW_MS - now + 1));
  }

  private expire(now: number): void {
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - BUDGET_WINDOW_MS) this.head++;
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }
}

export class RequestBudget {
  /** Every request of the token. */
  private readonly all = new SlidingWindow();
  /** Commands' requests alone: what the poller's pace makes room for. */
  private readonly commands = new SlidingWindow();
  /** The latest time any call gave: `sustainableIntervalMs` looks at the window as of then. */
  private latest = -Infinity;
  /**
   * Requests other replicas sent in the window, as last counted in the database (shared-budget.ts):
   * zero for a bot that runs alone.
   */
  private elsewhere = { all: 0, commands: 0 };
  /** Told of each request recorded here, so SharedBudget can count it in the database. */
  onRecord: ((source: RequestSource) => void) | null = null;

  /**
   * Every request the poller ever recorded: its cycles count their cost as a difference of this, which
   * never expires. Commands' requests are not in it, so a command during a cycle does not inflate it.
   */
  total = 0;

  /**
   * @param limit the poller's ceiling (API_REQUEST_BUDGET): it starts no cycle that would take the whole
   *   token's count in the window past this.
   * @param tokenLimit the token's ceiling (API_TOKEN_REQUEST_LIMIT): no command is let through past it.
   *   Default: DEFAULT_TOKEN_REQUEST_LIMIT, or `limit` if that is higher (a budget built for a test or a
   *   bench, where Cloudflare is not the concern).
   */
  constructor(
    readonly limit: number,
    readonly tokenLimit = Math.max(limit, DEFAULT_TOKEN_REQUEST_LIMIT),
  ) {
    if (tokenLimit < limit)
      throw new RangeError(`the token limit (${tokenLimit}) is below the poller's ceiling (${limit})`);
  }

  /** One request sent, now. The poller's clients call this with no source. */
  record(now: number, source: RequestSource = 'poller'): void {
    this.seen(now);
    this.all.add(now);
    if (source === 'commands') this.commands.add(now);
    else this.total++;
    this.onRecord?.(source);
  }

  /** Other replicas' requests in the window, whoever sent them (see SharedBudget). */
  setElsewhere(poller: number, commands: number): void {
    this.elsewhere = { all: poller + commands, commands };
  }

  /** Requests of the token in the window ending now, whoever sent them. */
  used(now: number): number {
    this.seen(now);
    return this.all.count(now) + this.elsewhere.all;
  }

  /** For the poller: how long until a cycle of `cost` requests fits under its ceiling (0: now). */
  waitMs(cost: number, now: number): number {
    this.seen(now);
    return this.all.waitMs(this.limit, cost, now, this.elsewhere.all);
  }

  /**
   * For the poller: the shortest interval at which cycles of `cost` requests stay within what commands
   * leave of its ceiling (as of `now`, default the latest time it was told). When commands have taken
   * it all, one cycle per window: slow, never stopped.
   */
  sustainableIntervalMs(cost: number, now = this.latest): number {
    this.seen(now);
    const commands = (Number.isFinite(now) ? this.commands.count(now) : 0) + this.elsewhere.commands;
    const share = this.limit - commands;
    return Math.ceil((BUDGET_WINDOW_MS * cost) / Math.max(share, cost));
  }

  /** For a command that may send `cost` requests: how long until it fits under the token limit (0: now). */
  commandWaitMs(cost: number, now: number): number {
    this.seen(now);
    return this.all.waitMs(this.tokenLimit, cost, now, this.elsewhere.all);
  }

  private seen(now: number): void {
    if (now > this.latest) this.latest = now;
  }
}

/**
 * The poller's share of the API rate limit: at most `limit` requests in any 5-minute window.
 * Cloudflare blocks a token for 5 minutes past 1,200 requests, which would break commands too.
 */
export const BUDGET_WINDOW_MS = 5 * 60_000;

export class RequestBudget {
  private stamps: number[] = [];
  private head = 0;

  constructor(readonly limit: number) {}

  /** Every request ever recorded: cycles count theirs as a difference of this, which never expires. */
  total = 0;

  record(now: number): void {
    this.stamps.push(now);
    this.total++;
  }

  used(now: number): number {
    this.expire(now);
    return this.stamps.length - this.head;
  }

  /** How long to wait until `cost` more requests fit in the window (0: now). */
  waitMs(cost: number, now: number): number {
    const used = this.used(now);
    const excess = used + cost - this.limit;
    if (excess <= 0) return 0;
    if (cost > this.limit) return BUDGET_WINDOW_MS; // never fits: go as slowly as the window allows
    const oldestToExpire = this.stamps[this.head + excess - 1] ?? now;
    return Math.max(0, oldestToExpire + BUDGET_WINDOW_MS - now + 1);
  }

  /** The shortest interval at which cycles of `cost` requests stay within the budget forever. */
  sustainableIntervalMs(cost: number): number {
    return Math.ceil((BUDGET_WINDOW_MS * cost) / this.limit);
  }

  private expire(now: number): void {
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - BUDGET_WINDOW_MS) this.head++;
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }
}

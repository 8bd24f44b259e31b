/**
 * A token bucket per key (per person, for commands), in memory. Each key may act `count` times at once
 * and then once every `perMs / count`: a short burst is fine, a sustained flood is held to the rate.
 * Time is whatever monotonic milliseconds the caller passes, so tests drive it with a ManualClock.
 */

/** `count` actions per `perMs` milliseconds. */
export interface Rate {
  count: number;
  perMs: number;
}

export interface RateLimiterOptions {
  /**
   * The most keys held at once. Keys idle for `perMs` are forgotten anyway (their bucket is full again,
   * so forgetting changes nothing); this bounds memory when many people are active at the same moment.
   * Past it the least recently seen key is dropped, which can only give that person a fresh allowance.
   */
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export class RateLimiter {
  /** In least-recently-seen order: each use moves a key to the end, so idle keys gather at the front. */
  private readonly buckets = new Map<string, Bucket>();
  private readonly perToken: number;
  private readonly maxKeys: number;

  constructor(
    readonly rate: Rate,
    options: RateLimiterOptions = {},
  ) {
    if (!(Number.isInteger(rate.count) && rate.count >= 1))
      throw new RangeError(`a rate needs a whole count of 1 or more (got ${rate.count})`);
    if (!(rate.perMs > 0)) throw new RangeError(`a rate needs a period above 0 ms (got ${rate.perMs})`);
    this.perToken = rate.perMs / rate.count;
    this.maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_KEYS);
  }

  /** How long until `key` may act again (0: now). Changes nothing. */
  waitMs(key: string, now: number): number {
    const tokens = this.tokensAt(this.buckets.get(key), now);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) * this.perToken);
  }

  /** Spends one of `key`'s actions (after `waitMs` said 0; taken anyway, it pushes the next one back). */
  take(key: string, now: number): void {
    const tokens = this.tokensAt(this.buckets.get(key), now) - 1;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens, at: now });
    this.forgetIdle(now);
  }

  /** Keys held now (tests check memory stays bounded). */
  get size(): number {
    return this.buckets.size;
  }

  private tokensAt(bucket: Bucket | undefined, now: number): number {
    if (!bucket) return this.rate.count;
    return Math.min(this.rate.count, bucket.tokens + Math.max(0, now - bucket.at) / this.perToken);
  }

  /**
   * Drops full buckets from the front (the least recently seen), and the oldest ones past `maxKeys`.
   * Stops at the first key still recovering: a few full ones behind it wait for a later call. Each key
   * is dropped once per use at most, so this costs O(1) amortised.
   */
  private forgetIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      const full = this.tokensAt(bucket, now) >= this.rate.count;
      if (!full && this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}

import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/rate-limit.js';

describe('RateLimiter (a token bucket per key)', () => {
  it('lets a burst of `count` through, then one more each `perMs / count`', () => {
    const limiter = new RateLimiter({ count: 3, perMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.waitMs('alice', 0)).toBe(0);
      limiter.take('alice', 0);
    }
    // Empty: one token comes back every 20 s.
    expect(limiter.waitMs('alice', 0)).toBe(20_000);
    expect(limiter.waitMs('alice', 15_000)).toBe(5_000);
    expect(limiter.waitMs('alice', 20_000)).toBe(0);
    limiter.take('alice', 20_000);
    expect(limiter.waitMs('alice', 20_000)).toBe(20_000);
    // Never more than `count` saved up, however long the pause.
    for (let i = 0; i < 3; i++) limiter.take('alice', 10 * 60_000);
    expect(limiter.waitMs('alice', 10 * 60_000)).toBe(20_000);
  });

  it('keeps each key apart', () => {
    const limiter = new RateLimiter({ count: 1, perMs: 10_000 });
    limiter.take('slack:U1', 0);
    expect(limiter.waitMs('slack:U1', 0)).toBe(10_000);
    expect(limiter.waitMs('discord:U1', 0)).toBe(0);
  });

  it('forgets keys idle long enough to be full again, so memory follows recent users only', () => {
    const limiter = new RateLimiter({ count: 2, perMs: 60_000 });
    for (let i = 0; i < 1_000; i++) limiter.take(`user-${i}`, i);
    expect(limiter.size).toBe(1_000);
    // A minute after the last of them, every bucket is full: keeping them would change nothing.
    limiter.take('late', 1_000 + 60_000);
    expect(limiter.size).toBe(1);
    // A forgotten key starts full, as it would have been.
    expect(limiter.waitMs('user-5', 1_000 + 60_000)).toBe(0);
  });

  it('holds at most maxKeys, dropping the least recently seen first', () => {
    const limiter = new RateLimiter({ count: 1, perMs: 60_000 }, { maxKeys: 100 });
    for (let i = 0; i < 500; i++) limiter.take(`user-${i}`, 0);
    expect(limiter.size).toBe(100);
    expect(limiter.waitMs('user-499', 0)).toBe(60_000);
    expect(limiter.waitMs('user-0', 0)).toBe(0);
  });

  it('rejects a rate that makes no sense', () => {
    expect(() => new RateLimiter({ count: 0, perMs: 1_000 })).toThrow(RangeError);
    expect(() => new RateLimiter({ count: 1, perMs: 0 })).toThrow(RangeError);
  });
});

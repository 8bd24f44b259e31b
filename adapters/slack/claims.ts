/**
 * Claim before acting: the first caller with a key goes on, later ones within `ttlMs` are told no.
 * Used so a slash command delivered twice (Slack's `x-slack-retry-num` retries over HTTP, a Socket Mode
 * envelope sent again after a lost ack) runs once, above all a `create`. In memory: a restart forgets,
 * which is fine because Slack stops redelivering long before a restart could matter.
 */
export interface Claims {
  /** True for the first claim of `key` within the TTL. */
  claim(key: string): boolean;
}

export function createClaims(args: { ttlMs: number; now?: () => number; maxKeys?: number }): Claims {
  const { ttlMs } = args;
  const now = args.now ?? Date.now;
  const maxKeys = args.maxKeys ?? 10_000;
  const seen = new Map<string, number>();
  const sweep = (at: number) => {
    // Map iteration is insertion order, so the oldest claims come first.
    for (const [key, expires] of seen) {
      if (expires > at && seen.size <= maxKeys) break;
      seen.delete(key);
    }
  };
  return {
    claim(key) {
      const at = now();
      sweep(at);
      const expires = seen.get(key);
      if (expires !== undefined && expires > at) return false;
      seen.set(key, at + ttlMs);
      return true;
    },
  };
}

/** How much one subscription command may do: its own module, so the command limits can read it too. */
export interface SubscriptionLimits {
  /** Livestream ids one subscribe or unsubscribe may name. */
  maxIdsPerCommand: number;
  /** Subscriptions one channel may hold (the every-livestream one included). */
  maxPerChannel: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS = {
  maxIdsPerCommand: 25,
  maxPerChannel: 100,
} as const satisfies SubscriptionLimits;

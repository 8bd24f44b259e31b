/** How much one subscription command may do: its own module, so the command limits can read it too. */
export interface SubscriptionLimits {
  /** Livestream ids one subscribe or unsubscribe may name. */
  maxIdsPerCommand: number;
  /** Subscriptions one channel may hold (the every-livestream one included). */
  maxPerChannel: number;
  /** List pages (100 livestreams each, newest first) searched for ids the poller has not seen. */
  lookupPages: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS = {
  maxIdsPerCommand: 25,
  maxPerChannel: 100,
  lookupPages: 5,
} as const satisfies SubscriptionLimits;

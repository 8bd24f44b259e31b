/** Who asked, and where: what every adapter tells the core along with a command. */
import type { Platform } from './sink.js';

/** Who asked, and where. */
export interface RequestContext {
  platform: Platform;
  /** Where the command was typed (the terminal's is `terminal`); null when there is no channel (a test's core). */
  channelId: string | null;
  userId: string;
  /** The platform says this person may manage the channel (Discord Manage Channels, a Slack manager). */
  canManage?: boolean;
  /**
   * This person may run livestreams: start, stop and create (SLACK_OPERATORS, Discord Manage Channels
   * or DISCORD_OPERATOR_ROLES; by default whoever may manage subscriptions). Absent: no limit (the
   * terminal). False: the core refuses those commands, naming `operators`.
   */
  canOperate?: boolean;
  /** Who may operate here, for a refusal to name them (the adapter's configuration). */
  operators?: Operators;
  /**
   * When the platform says the person issued the command (epoch ms; Discord: the interaction's id). An
   * identical read answered after that moment serves them too (see shareInFlight).
   */
  issuedAt?: number;
  /**
   * Whether this person could make this mention themselves (Discord: Mention Everyone or a mentionable
   * role; Slack: a subscription manager for @channel/@here/groups). The bot makes no mention on anyone's
   * behalf that they could not make; absent: the platform set no limit.
   */
  canMention?: (mention: string) => boolean;
  /**
   * What it takes to make a mention `canMention` refuses, in the platform's words (Discord: "…needs the
   * Mention Everyone permission…"), for the refusal to say; the core knows no platform's rule.
   */
  mentionRight?: string;
}

/** Who may run livestreams on a platform, as its adapter is configured. */
export interface Operators {
  /** People named by their platform user id (Slack). */
  userIds: readonly string[];
  /** Roles named by id (Discord). */
  roleIds: readonly string[];
  /** A platform permission that qualifies on its own (Discord: "Manage Channels"); null for none. */
  permission: string | null;
  /** The setting the bot's admin changes to name someone. */
  setting: string;
}

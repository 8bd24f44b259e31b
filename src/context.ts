/** Who asked, and where: what every adapter tells the core along with a command. */
import type { Platform } from './sink.js';

/** Who asked, and where. */
export interface RequestContext {
  platform: Platform;
  /** Where the command was typed; null in the terminal. */
  channelId: string | null;
  userId: string;
  /** The platform says this person may manage the channel (Discord Manage Channels, a Slack manager). */
  canManage?: boolean;
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
}

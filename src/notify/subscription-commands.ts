/** subscribe / unsubscribe / subscriptions: per channel and platform, against the notification store. */
import type { Command } from '../commands/command.js';
import type { RequestContext } from '../context.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { type Reply, type ReplyItem, reply } from '../reply.js';
import type { NotifyStore } from './store.js';
import type { ChannelRef, Subscription } from './types.js';

export type SubscriptionCommand = Extract<Command, { name: 'subscribe' | 'unsubscribe' | 'subscriptions' }>;

export function isSubscriptionCommand(command: Command): command is SubscriptionCommand {
  return command.name === 'subscribe' || command.name === 'unsubscribe' || command.name === 'subscriptions';
}

const problem = (title: string, text: string): Reply =>
  reply({ title, tone: 'error', text, visibility: 'requester' });

export interface SubscriptionCommandArgs {
  command: SubscriptionCommand;
  context: RequestContext;
  store: NotifyStore | null;
  /** To check the livestream ids a subscription names. */
  client: RealtimeKitClient;
}

export async function handleSubscriptionCommand({
  command,
  context,
  store,
}: SubscriptionCommandArgs): Promise<Reply> {
  if (!store)
    return problem(
      'Notifications are off',
      'This bot runs without notifications, so there is nothing to subscribe to.',
    );
  if (context.channelId === null)
    return problem('No channel here', 'Subscriptions belong to a channel: run this in one.');
  const channel: ChannelRef = { platform: context.platform, channelId: context.channelId };
  if (command.name === 'subscriptions') return listReply(store.subscriptions(channel));
  if (context.canManage === false) {
    return problem(
      'Not allowed',
      'Only the people this bot’s admin named may change this channel’s subscriptions. `subscriptions` shows what it gets.',
    );
  }
  if (command.name === 'subscribe') {
    const ids = command.livestreamIds.length > 0 ? command.livestreamIds : [null];
    for (const livestreamId of ids) {
      store.upsertSubscription({
        ...channel,
        livestreamId,
        onLive: command.onLive,
        onErrored: command.onErrored,
        mention: command.mention ?? null,
        source: 'chat',
      });
    }
    const what = [command.onLive && 'goes LIVE (and when it ends)', command.onErrored && 'ERRORS']
      .filter(Boolean)
      .join(' or ');
    const which =
      command.livestreamIds.length > 0
        ? `livestream ${command.livestreamIds.join(', ')}`
        : 'any livestream of this app';
    return reply({
      title: 'Subscribed',
      tone: 'success',
      text: `This channel will be told when ${which} ${what}.${command.mention ? ` Posts will mention ${command.mention}.` : ''}`,
      footer:
        context.platform === 'slack'
          ? 'The bot must be in this channel to post: /invite it if it is not.'
          : undefined,
      visibility: 'channel',
    });
  }
  const removed = store.removeSubscriptions(
    channel,
    command.livestreamIds.length > 0 ? command.livestreamIds : undefined,
  );
  if (removed === 0)
    return reply({
      title: 'Nothing to remove',
      text: 'This channel had no such subscription.',
      visibility: 'requester',
    });
  return reply({
    title: 'Unsubscribed',
    tone: 'success',
    text: `Removed ${removed} subscription${removed === 1 ? '' : 's'} from this channel.`,
    visibility: 'channel',
  });
}

function listReply(subscriptions: Subscription[]): Reply {
  const items: ReplyItem[] = subscriptions.map((s) => ({
    title: s.livestreamId === null ? 'Every livestream' : `Livestream ${s.livestreamId}`,
    badge: s.pausedReason ? { text: 'PAUSED', tone: 'error' } : { text: 'ACTIVE', tone: 'success' },
    fields: [
      {
        label: 'Events',
        value: [s.onLive && 'live, ended', s.onErrored && 'errored'].filter(Boolean).join(', '),
      },
      ...(s.mention ? [{ label: 'Mention', value: s.mention }] : []),
      ...(s.pausedReason
        ? [{ label: 'Paused because', value: `${s.pausedReason}. Fix it, then subscribe again to resume.` }]
        : []),
      ...(s.source === 'config' ? [{ label: 'Set by', value: 'the bot’s configuration' }] : []),
    ],
  }));
  return reply({
    title: 'Subscriptions in this channel',
    list: {
      items,
      total: items.length,
      offset: 1,
      empty: 'None. /livestream subscribe posts LIVE and ERRORED streams here.',
    },
  });
}

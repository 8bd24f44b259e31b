/**
 * subscribe / unsubscribe / subscriptions: per channel and platform, against the notification store.
 *
 * Work per command is bounded: at most `maxIdsPerCommand` ids, `maxPerChannel` subscriptions per
 * channel, ids checked before anything is written (those the poller does not watch with one
 * `GET /livestreams/{id}` each, see livestream-lookup.ts),
 * and every write of a command in one transaction. Subscriptions add up: `subscribe errored` then
 * `subscribe live` follows both, and the reply says what each subscription was and is now.
 */
import { errorReply } from '../commands/describe-error.js';
import type { Command } from '../commands/command.js';
import type { RequestContext } from '../context.js';
import { livestreamName } from '../livestream-name.js';
import type { RealtimeKitClient } from '../realtimekit/client.js';
import { isRealtimeKitError } from '../realtimekit/errors.js';
import { type Reply, type ReplyItem, reply } from '../reply.js';
import type { Platform } from '../sink.js';
import { type LivestreamLookup, lookupLivestreams } from './livestream-lookup.js';
import { DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits } from './subscription-limits.js';
import { type NotifyStore, platformRefusedKey, subscriptionScope } from './store.js';
import type { ChannelRef, Subscription } from './types.js';

export type SubscriptionCommand = Extract<Command, { name: 'subscribe' | 'unsubscribe' | 'subscriptions' }>;

export { DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits } from './subscription-limits.js';

export function isSubscriptionCommand(command: Command): command is SubscriptionCommand {
  return command.name === 'subscribe' || command.name === 'unsubscribe' || command.name === 'subscriptions';
}

export interface SubscriptionCommandArgs {
  command: SubscriptionCommand;
  context: RequestContext;
  store: NotifyStore | null;
  /** To check the livestream ids a subscription names. */
  client: RealtimeKitClient;
  limits?: Partial<SubscriptionLimits>;
}

const problem = (title: string, text: string): Reply =>
  reply({ title, tone: 'error', text, visibility: 'requester' });

const PLATFORM_NAMES: Record<Platform, string> = {
  slack: 'Slack',
  discord: 'Discord',
  console: 'the terminal',
};

/** The setting that makes a channel a configured default, as the operator knows it. */
const DEFAULT_CHANNEL_SETTINGS: Record<Platform, string> = {
  slack: 'SLACK_NOTIFY_CHANNEL',
  discord: 'DISCORD_NOTIFY_CHANNEL',
  console: 'the demo',
};

function fromConfiguration(platform: Platform): string {
  return `it comes from the bot’s configuration (${DEFAULT_CHANNEL_SETTINGS[platform]}), so it cannot be switched off or narrowed from chat: ask the bot’s admin`;
}

export async function handleSubscriptionCommand({
  command,
  context,
  store,
  client,
  limits,
}: SubscriptionCommandArgs): Promise<Reply> {
  if (!store)
    return problem(
      'Notifications are off',
      'This bot runs without notifications, so there is nothing to subscribe to.',
    );
  if (context.channelId === null)
    return problem('No channel here', 'Subscriptions belong to a channel: run this in one.');
  const channel: ChannelRef = { platform: context.platform, channelId: context.channelId };
  if (command.name === 'subscriptions')
    return listReply(
      await store.subscriptions(channel),
      await refusedReason(store, context.platform),
      context.platform,
    );
  if (context.canManage === false) {
    return problem(
      'Not allowed',
      'Only the people this bot’s admin named may change this channel’s subscriptions. `subscriptions` shows what it gets.',
    );
  }
  const settings: SubscriptionLimits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...limits };
  const ids = [...new Set(command.livestreamIds)];
  if (ids.length > settings.maxIdsPerCommand) {
    return problem(
      'Too many livestreams',
      `That names ${ids.length} livestreams; one command takes at most ${settings.maxIdsPerCommand}. Nothing was changed: send them in smaller batches${command.name === 'subscribe' ? ', or name none to follow every livestream of this app' : ''}.`,
    );
  }
  if (command.name === 'unsubscribe') return unsubscribe({ ids, channel, store });
  return subscribe({ command, ids, context, channel, store, client, settings });
}

/** What a subscription asks for; compared before and after a subscribe. */
interface Wants {
  onLive: boolean;
  onErrored: boolean;
  mention: string | null;
}

interface Change {
  livestreamId: string | null;
  was: Subscription | null;
  now: Wants;
}

type Plan = { ok: true; changes: Change[]; paused: string | null } | { ok: false; refusal: Reply };

/** The same decision before the API lookup (to spare its requests) and inside the transaction. */
function plan(args: {
  current: Subscription[];
  targets: (string | null)[];
  command: Extract<Command, { name: 'subscribe' }>;
  mention: string | null;
  platform: Platform;
  maxPerChannel: number;
}): Plan {
  const { current, targets, command, mention, platform, maxPerChannel } = args;
  const byId = new Map(current.map((s) => [s.livestreamId, s]));
  const configured = byId.get(null);
  // The configured channel's subscription is restored as configured at every start: a mention added
  // from chat would silently vanish, so it is refused rather than accepted and lost.
  if (
    configured?.source === 'config' &&
    targets.includes(null) &&
    mention !== null &&
    mention !== configured.mention
  ) {
    return {
      ok: false,
      refusal: problem(
        'Set by the configuration',
        `This channel’s subscription to every livestream cannot take a mention from chat: ${fromConfiguration(platform)}. Nothing was changed.`,
      ),
    };
  }
  const added = targets.filter((id) => !byId.has(id)).length;
  if (current.length + added > maxPerChannel) {
    return {
      ok: false,
      refusal: problem(
        'Too many subscriptions',
        `This channel has ${current.length} subscriptions and this would add ${added}; a channel holds at most ${maxPerChannel}. Nothing was changed: unsubscribe some first, or subscribe to every livestream (no ids).`,
      ),
    };
  }
  const changes = targets.map((livestreamId): Change => {
    const was = byId.get(livestreamId) ?? null;
    return {
      livestreamId,
      was,
      // Subscriptions add up: an event already followed stays followed.
      now: {
        onLive: command.onLive || (was?.onLive ?? false),
        onErrored: command.onErrored || (was?.onErrored ?? false),
        mention: mention ?? was?.mention ?? null,
      },
    };
  });
  const paused = current.find((s) => s.pausedReason !== null)?.pausedReason ?? null;
  return { ok: true, changes, paused };
}

const isChanged = ({ was, now }: Change): boolean =>
  was === null || was.onLive !== now.onLive || was.onErrored !== now.onErrored || was.mention !== now.mention;

async function subscribe(args: {
  command: Extract<Command, { name: 'subscribe' }>;
  ids: string[];
  context: RequestContext;
  channel: ChannelRef;
  store: NotifyStore;
  client: RealtimeKitClient;
  settings: SubscriptionLimits;
}): Promise<Reply> {
  const { command, ids, context, channel, store, client, settings } = args;
  const mention = command.mention?.trim() || null;
  if (mention !== null && context.canMention && !context.canMention(mention)) {
    return problem('Not allowed to ping that', mentionRefusal(mention, context.mentionRight));
  }
  const targets: (string | null)[] = ids.length > 0 ? ids : [null];
  const planArgs = {
    targets,
    command,
    mention,
    platform: context.platform,
    maxPerChannel: settings.maxPerChannel,
  };
  const early = plan({ current: await store.subscriptions(channel), ...planArgs });
  if (!early.ok) return early.refusal;

  let names: Map<string, string | null>;
  try {
    const lookup = await lookupLivestreams({ ids, client, store });
    if (lookup.missing.length > 0) return unknownIdsReply(lookup);
    names = lookup.found;
  } catch (error) {
    if (isRealtimeKitError(error)) return errorReply(error, { kind: 'list' });
    throw error;
  }

  // The lookup awaited: read again and decide inside the one transaction that writes (in the channel's
  // scope, so another replica's command on this channel decides after it, on what it wrote).
  const outcome = await store.transaction(async (tx): Promise<Plan> => {
    const decided = plan({ current: await tx.subscriptions(channel), ...planArgs });
    if (!decided.ok) return decided;
    const writes = decided.changes.filter(isChanged);
    // Subscribing again resumes a paused channel (the store resumes the whole channel on a write).
    if (writes.length === 0 && decided.paused !== null) writes.push(decided.changes[0]!);
    for (const change of writes) {
      await tx.upsertSubscription({
        ...channel,
        livestreamId: change.livestreamId,
        ...change.now,
        // The configured default stays the configuration's: a restart keeps restoring it.
        source: change.was?.source ?? 'chat',
      });
    }
    return decided;
  }, subscriptionScope(channel));
  if (!outcome.ok) return outcome.refusal;
  return await subscribedReply({
    command,
    mention,
    changes: outcome.changes,
    paused: outcome.paused,
    names,
    context,
    store,
  });
}

async function unsubscribe(args: { ids: string[]; channel: ChannelRef; store: NotifyStore }): Promise<Reply> {
  const { ids, channel, store } = args;
  const { removed, configured } = await store.transaction(async (tx) => {
    const current = await tx.subscriptions(channel);
    const configured = current.some((s) => s.source === 'config');
    // The configured default is never removed from chat; named ids never name it (it follows every livestream).
    const removable =
      ids.length > 0 ? ids : current.filter((s) => s.source !== 'config').map((s) => s.livestreamId);
    const removed = removable.length > 0 ? await tx.removeSubscriptions(channel, removable) : 0;
    return { removed, configured };
  }, subscriptionScope(channel));
  const kept =
    configured && ids.length === 0
      ? ` This channel still gets every livestream: ${fromConfiguration(channel.platform)}.`
      : '';
  if (removed === 0) {
    if (kept) return problem('Nothing to remove', `Nothing here was subscribed from chat.${kept}`);
    return reply({
      title: 'Nothing to remove',
      text: 'This channel had no such subscription.',
      visibility: 'requester',
    });
  }
  return reply({
    title: 'Unsubscribed',
    tone: 'success',
    text: `Removed ${removed} subscription${removed === 1 ? '' : 's'} from this channel.${kept}`,
    visibility: 'channel',
  });
}

/** The refusal of a mention the person could not make; what it takes is in the adapter's words. */
function mentionRefusal(mention: string, right = 'This platform does not let you make that ping.'): string {
  return `Posts here would ping ${mention}, which you cannot ping yourself. ${right} Nothing was changed: subscribe without the mention, or ask someone who may.`;
}

function unknownIdsReply(lookup: LivestreamLookup): Reply {
  const where = 'No livestream of this app has';
  const known = [...lookup.found].map(([id, name]) => livestreamLabel(id, name));
  return problem(
    'Unknown livestream',
    `${where} the id ${lookup.missing.join(', ')}. Nothing was changed.${known.length > 0 ? ` Found: ${known.join('; ')}.` : ''} \`list\` shows the ids.`,
  );
}

function livestreamLabel(id: string, name: string | null | undefined): string {
  return `${livestreamName(name)} (${id})`;
}

function eventsOf(wants: Wants): string {
  const events = [wants.onLive && 'live, ended', wants.onErrored && 'errored'].filter(Boolean).join(', ');
  return wants.mention ? `${events}, mention ${wants.mention}` : events;
}

async function subscribedReply(args: {
  command: Extract<Command, { name: 'subscribe' }>;
  mention: string | null;
  changes: Change[];
  paused: string | null;
  names: Map<string, string | null>;
  context: RequestContext;
  store: NotifyStore;
}): Promise<Reply> {
  const { command, mention, changes, paused, names, context, store } = args;
  const what = [command.onLive && 'goes LIVE (and when it ends)', command.onErrored && 'ERRORS']
    .filter(Boolean)
    .join(' or ');
  const which =
    command.livestreamIds.length > 0
      ? `livestream ${changes.map((c) => livestreamLabel(c.livestreamId ?? '', names.get(c.livestreamId ?? ''))).join(', ')}`
      : 'any livestream of this app';
  const items: ReplyItem[] = changes.map((change) => {
    const title =
      change.livestreamId === null
        ? 'Every livestream'
        : livestreamLabel(change.livestreamId, names.get(change.livestreamId));
    const summary = !isChanged(change)
      ? `already ${eventsOf(change.now)}; nothing changed`
      : `now: ${eventsOf(change.now)}; was: ${change.was ? eventsOf(change.was) : 'not subscribed'}`;
    return {
      title,
      badge: !change.was
        ? { text: 'NEW', tone: 'success' }
        : isChanged(change)
          ? { text: 'CHANGED', tone: 'success' }
          : { text: 'UNCHANGED', tone: 'info' },
      fields: [
        { label: 'Change', value: summary },
        ...(change.was?.source === 'config' ? [{ label: 'Set by', value: 'the bot’s configuration' }] : []),
      ],
    };
  });
  const resumed = paused ? ` Deliveries here had been paused (${paused}); they resume now.` : '';
  const refused = await refusedReason(store, context.platform);
  return reply({
    title: 'Subscribed',
    tone: 'success',
    text: `This channel will be told when ${which} ${what}.${mention ? ` Posts will mention ${mention}.` : ''}${resumed}`,
    list: { items, total: items.length, offset: 1 },
    footer: refused ? stoppedText(context.platform, refused) : undefined,
    // Whether the bot must be invited to post here is the platform's to say (its renderer).
    postsHere: true,
    visibility: 'channel',
  });
}

function refusedReason(store: NotifyStore, platform: Platform): Promise<string | null> {
  return store.getMeta(platformRefusedKey(platform));
}

function stoppedText(platform: Platform, reason: string): string {
  const name = PLATFORM_NAMES[platform];
  return `Deliveries to ${name} are stopped: ${reason}. Nothing is posted in any ${name} channel until the bot’s admin fixes its token and restarts it.`;
}

function listReply(subscriptions: Subscription[], refused: string | null, platform: Platform): Reply {
  const items: ReplyItem[] = subscriptions.map((s) => ({
    title: s.livestreamId === null ? 'Every livestream' : `Livestream ${s.livestreamId}`,
    badge: refused
      ? { text: 'STOPPED', tone: 'error' }
      : s.pausedReason
        ? { text: 'PAUSED', tone: 'error' }
        : { text: 'ACTIVE', tone: 'success' },
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
    // Shown first and in red: every subscription below is silent until the token works again.
    ...(refused ? { tone: 'error' as const, text: stoppedText(platform, refused) } : {}),
    list: {
      items,
      total: items.length,
      offset: 1,
      empty: 'None. /livestream subscribe posts LIVE and ERRORED streams here.',
    },
  });
}

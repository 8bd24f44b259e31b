/**
 * The /livestream listener: ack at once, then ask the core, then answer through respond().
 * Slack shows "operation_timeout" unless the ack arrives within 3 s, and a RealtimeKit call can take
 * longer than that (client timeout 10 s, plus retries), so nothing before the ack may touch the network.
 * Whatever fails after the ack is logged and, where possible, still answered: never thrown to Bolt.
 */
import type { AllMiddlewareArgs, RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Core, RequestContext } from '../../src/core.js';
import type { Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import { internalErrorReply } from '../../src/commands/index.js';
import { scrubResponseUrls } from './bolt-logger.js';
import type { InputGate } from '../../src/inputs.js';
import { renderReply, type SlackSurface, slackMention } from './render.js';
import { createTurns } from './turns.js';
import { sharesImage, uploadReplyImage, withoutImage } from './upload.js';

export interface CommandListenerDeps {
  core: Core;
  log: Logger;
  /** User ids allowed to manage; empty: everyone. */
  managers: readonly string[];
  /** User ids allowed to start, stop and create livestreams (SLACK_OPERATORS); empty: the managers. */
  operators?: readonly string[];
  /** Deduplicates deliveries by trigger_id: in memory, or across replicas. */
  inputs: InputGate;
}

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * What this person may make the bot ping. Slack has no per-person right the bot can read, so the
 * configuration decides: with SLACK_SUBSCRIPTION_MANAGERS set, only those people may make posts ping
 * the whole channel or a user group (@channel, @here, @everyone, <!subteam^…>); a user mention, or text
 * that pings nobody, anyone may. Without the setting, everyone manages subscriptions, pings included.
 */
/** Slack's rule for a refused mention, as the refusal says it (see `canMention`). */
export const SLACK_MENTION_RIGHT =
  'Only subscription managers (the people the bot’s admin named) may make posts ping @channel, @here, @everyone or a user group.';

export function canMention(args: {
  managers: readonly string[];
  userId: string;
}): (mention: string) => boolean {
  const { managers, userId } = args;
  if (managers.length === 0 || managers.includes(userId)) return () => true;
  // `<!…>` is how Slack markup pings a channel or a group: exactly what render.ts would send.
  return (mention) => !slackMention(mention).startsWith('<!');
}

/**
 * Who may run livestreams (start, stop, create): the people in SLACK_OPERATORS, else the subscription
 * managers; with neither set, everyone. The refusal names them (`operators`).
 */
export function operatorContext(args: {
  managers: readonly string[];
  operators: readonly string[];
  userId: string;
}): Pick<RequestContext, 'canOperate' | 'operators'> {
  const own = args.operators.length > 0;
  const named = own ? args.operators : args.managers;
  return {
    canOperate: named.length === 0 || named.includes(args.userId),
    operators: {
      userIds: named,
      roleIds: [],
      permission: null,
      setting: own ? 'SLACK_OPERATORS' : 'SLACK_SUBSCRIPTION_MANAGERS',
    },
  };
}

const INTERNAL_ERROR_REPLY: Reply = internalErrorReply();

export function createCommandListener(deps: CommandListenerDeps): (args: CommandArgs) => Promise<void> {
  const { core, log, managers, inputs, operators = [] } = deps;
  // Replies go out one per event-loop turn, so a burst of them never holds up the acks of later requests.
  const takeTurn = createTurns();
  return async ({ command, ack, respond, context, client }) => {
    await ack();
    // Yield to the event loop before any other work: under a burst, Bolt then acks every request that has
    // already arrived before this one's core call and reply start (bench/slack.ts: ack p99 ~1.9x the bare
    // framework without this, ~1.1x with it).
    await new Promise<void>((resolve) => setImmediate(resolve));
    // One trigger_id per invocation: a second delivery of it is a redelivery, not a second command.
    let first: boolean;
    try {
      first = await inputs.first(`slack-trigger:${command.trigger_id}`);
    } catch (error) {
      // Without the claim another replica may be running it too: say it did not work rather than run a
      // command (a create, a start) twice.
      log.error('could not claim a slash command; answered that it did not work', { error });
      await deliver({ reply: INTERNAL_ERROR_REPLY, respond, log, responseUrl: command.response_url });
      return;
    }
    if (!first) {
      log.info('ignoring a repeated delivery of a slash command', { retryNum: context.retryNum ?? null });
      return;
    }
    const requestContext: RequestContext = {
      platform: 'slack',
      channelId: command.channel_id,
      userId: command.user_id,
      canManage: managers.length === 0 || managers.includes(command.user_id),
      canMention: canMention({ managers, userId: command.user_id }),
      mentionRight: SLACK_MENTION_RIGHT,
      ...operatorContext({ managers, operators, userId: command.user_id }),
    };
    let answer: Reply;
    try {
      answer = await core.replyToText(command.text, requestContext);
    } catch (error) {
      log.error('the core failed on a slash command', { error, userId: command.user_id });
      answer = INTERNAL_ERROR_REPLY;
    }
    await takeTurn();
    // A chart is shared in the channel as a file (see upload.ts); failing that, the words come here.
    if (sharesImage(answer)) {
      const shared = await uploadReplyImage({
        client,
        channelId: command.channel_id,
        userId: command.user_id,
        reply: answer,
        log,
      });
      if (shared.ok) return;
      answer = withoutImage(answer, shared.error);
    }
    await deliver({ reply: answer, respond, log, responseUrl: command.response_url });
  };
}

/** Builds the respond() body. The stream key of `create` is `requester`: it only ever goes out ephemeral. */
export function responseFor(value: Reply): RespondArguments {
  const surface: SlackSurface = value.visibility === 'requester' ? 'ephemeral' : 'channel';
  const { text, blocks } = renderReply({ reply: value, surface });
  return { response_type: surface === 'ephemeral' ? 'ephemeral' : 'in_channel', text, blocks };
}

async function deliver(args: {
  reply: Reply;
  respond: CommandArgs['respond'];
  log: Logger;
  responseUrl: string;
}): Promise<void> {
  const { respond, log, responseUrl } = args;
  let body: RespondArguments;
  try {
    body = responseFor(args.reply);
  } catch (error) {
    log.error('could not render a reply for Slack', { error });
    body = responseFor(INTERNAL_ERROR_REPLY);
  }
  try {
    await respond(body);
    return;
  } catch (error) {
    // The response_url is a credential for this conversation: log what failed, never where.
    log.warn('respond() failed', describeRespondError(error, responseUrl));
    // A 400 means Slack refused the blocks: the same words as plain text may still get through.
    if (statusOf(error) !== 400) return;
  }
  try {
    await respond({ response_type: body.response_type, text: body.text ?? '' });
  } catch (error) {
    log.warn(
      'respond() failed again with plain text; the person got no answer',
      describeRespondError(error, responseUrl),
    );
  }
}

function statusOf(error: unknown): number | null {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : null;
}

function describeRespondError(error: unknown, responseUrl: string): Record<string, unknown> {
  const name = error instanceof Error ? error.name : 'unknown';
  const message =
    error instanceof Error ? scrubResponseUrls(error.message.split(responseUrl).join('[response_url]')) : '';
  return { error: { name, message }, status: statusOf(error) };
}

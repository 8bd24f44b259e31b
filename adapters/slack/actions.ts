/**
 * Button clicks (`block_actions`), over Socket Mode or HTTP alike: Bolt checks the signature as for a
 * slash command, the listener acks at once (before any API call), then the button's id is read back
 * into a Command (src/commands/buttons.ts: never trusted) and run through the core as the person who
 * clicked, with the same rights, limits and once-only rule as the command typed. The answer goes to
 * the click's response_url: in place of the message for paging, as a new ephemeral message for the
 * rest, and to the channel when it changed what everyone sees ("Stopped by @ana").
 */
import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  RespondArguments,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import {
  alreadyClickedReply,
  changesSharedState,
  decodeButton,
  expiredButtonReply,
  internalErrorReply,
} from '../../src/commands/index.js';
import type { Core, RequestContext } from '../../src/core.js';
import type { Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import type { InputGate } from '../../src/inputs.js';
import { canMention, operatorContext, responseFor, SLACK_MENTION_RIGHT } from './command.js';

export interface ActionListenerDeps {
  core: Core;
  log: Logger;
  /** User ids allowed to manage; empty: everyone (as for the slash command). */
  managers: readonly string[];
  /** User ids allowed to operate (SLACK_OPERATORS); empty: the managers. */
  operators: readonly string[];
  /**
   * Deduplicates deliveries of one click (Slack's retries) by trigger_id, and runs a click that changes
   * shared state once, however often it is clicked: in memory, or across replicas.
   */
  inputs: InputGate;
}

export type ActionArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function createActionListener(deps: ActionListenerDeps): (args: ActionArgs) => Promise<void> {
  const { core, log, managers, operators, inputs } = deps;
  return async ({ ack, body, action, respond }) => {
    await ack();
    // As for slash commands: let Bolt ack what has already arrived before this click's work starts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // A link button (Watch) opens its URL in Slack; the click is reported all the same, and needs nothing.
    if (action.value === undefined) return;
    const channelId = body.channel?.id ?? stringOf(body.container.channel_id);
    const userId = body.user.id;
    const onEphemeral = body.container.is_ephemeral === true;
    const send = (reply: Reply, how: Placement) => deliver({ reply, how, respond, log, onEphemeral });
    /**
     * Asks the gate: true to go on, false when another click has it. A gate that fails (the database)
     * is answered "did not work" here (null) rather than risk running the click twice.
     */
    const claim = async (ask: () => Promise<boolean>): Promise<boolean | null> => {
      try {
        return await ask();
      } catch (error) {
        log.error('could not claim a button click; answered that it did not work', { error, userId });
        await send(internalErrorReply(), 'new');
        return null;
      }
    };
    // One trigger_id per click: a second delivery of it is Slack retrying, not a second click.
    const first = await claim(() => inputs.first(`slack-click:${body.trigger_id}`));
    if (first !== true) {
      if (first === false) log.info('ignoring a repeated delivery of a button click', { userId });
      return;
    }

    const decoded = decodeButton(action.value);
    if (!decoded.ok) {
      log.info('a button could not be read', { reason: decoded.reason, userId, platform: 'slack' });
      await send(expiredButtonReply(), 'new');
      return;
    }
    const { command, inPlace } = decoded;
    log.info('button clicked', { command: command.name, inPlace, userId, channelId, platform: 'slack' });
    const context: RequestContext = {
      platform: 'slack',
      channelId,
      userId,
      canManage: managers.length === 0 || managers.includes(userId),
      canMention: canMention({ managers, userId }),
      mentionRight: SLACK_MENTION_RIGHT,
      ...operatorContext({ managers, operators, userId }),
    };
    // A double click on Stop: the first one runs, the second is told so.
    const once = changesSharedState(command) ? `slack:${channelId ?? ''}:${decoded.text}` : null;
    const alone = once === null ? true : await claim(() => inputs.clicks.begin(once));
    if (alone !== true) {
      if (alone === false) {
        log.info('a second click on a button that is running or just ran', { command: command.name, userId });
        await send(alreadyClickedReply(), 'new');
      }
      return;
    }
    let answer: Reply;
    try {
      answer = await core.replyToCommand(command, context);
    } catch (error) {
      log.error('the core failed on a button click', { error, userId });
      answer = internalErrorReply();
    }
    // A refusal or a failure frees the button at once: the next click may try again.
    if (once !== null) {
      await inputs.clicks.finish(once, answer.tone === 'success').catch((error: unknown) => {
        log.warn('could not record the end of a button click; it frees itself in two minutes', { error });
      });
    }
    await send(answer, inPlace ? 'in-place' : 'new');
  };
}

function stringOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** `in-place`: replace the message the button is on (paging); `new`: answer with a message of its own. */
type Placement = 'in-place' | 'new';

/**
 * Where the answer goes. Never over what the channel sees: a requester's answer replaces only an
 * ephemeral message, and only when it is the page asked for, not an error. A channel answer is a new
 * message in the channel, and the ephemeral prompt it came from is deleted, so its button cannot be
 * clicked again.
 */
async function deliver(args: {
  reply: Reply;
  how: Placement;
  respond: ActionArgs['respond'];
  log: Logger;
  onEphemeral: boolean;
}): Promise<void> {
  const { reply, how, respond, log, onEphemeral } = args;
  const bodies: RespondArguments[] = [];
  try {
    const rendered = responseFor(reply);
    if (reply.visibility === 'channel') {
      bodies.push({ ...rendered, replace_original: false });
      if (onEphemeral) bodies.push({ delete_original: true });
    } else if (how === 'in-place' && onEphemeral && reply.tone !== 'error') {
      // A refusal or a failure (Slow down, an API error) comes on its own: the page and its buttons stay.
      const { response_type: _ephemeral, ...page } = rendered;
      bodies.push({ ...page, replace_original: true });
    } else bodies.push({ ...rendered, replace_original: false });
  } catch (error) {
    log.error('could not render a reply for Slack', { error });
    bodies.push({ ...responseFor(internalErrorReply()), replace_original: false });
  }
  for (const body of bodies) {
    try {
      await respond(body);
    } catch (error) {
      // The response_url is a credential for this conversation: log what failed, never where.
      log.warn('respond() to a button click failed', {
        error: { name: error instanceof Error ? error.name : 'unknown' },
        status: (error as { statusCode?: unknown } | null)?.statusCode ?? null,
      });
      return;
    }
  }
}

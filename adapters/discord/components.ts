/**
 * Button clicks (MESSAGE_COMPONENT interactions): the custom_id is read back into a Command
 * (src/commands/buttons.ts: never trusted), run through the core as the member who clicked, with the
 * same rights, limits and once-only rule as the command typed, and answered within Discord's 3 s.
 *
 * Where the answer goes: paging replaces the ephemeral message it is on (UPDATE_MESSAGE, type 7);
 * anything else comes as a new ephemeral message (type 4), never over what the channel sees. A refusal
 * or a failure (Slow down, an API error) never replaces anything: the page and its buttons stay. A click
 * that changed shared state (a confirmed Stop) replaces its ephemeral prompt with the answer, so the
 * button cannot be clicked again, and the channel is told in a follow-up ("Stopped by @ana").
 * As for commands, the core call starts at once and the answer goes out directly when it is ready
 * before the interaction's deadline (deadline.ts); otherwise the click is deferred first (type 6 to
 * update, type 5 ephemeral) and the answer edits the message after. A Stop's once-only guard (a
 * database round trip with replicas) spends the same deadline: unanswered by then, the click is told
 * it did not work, and is not run.
 */
import { InteractionResponseType, MessageFlags } from 'discord.js';
import {
  alreadyClickedReply,
  changesSharedState,
  decodeButton,
  expiredButtonReply,
  internalErrorReply,
} from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import type { AsyncClickGuard } from '../../src/inputs.js';
import type { Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import { type AnswerDeadline, beforeDeadline } from './deadline.js';
import type { IncomingClick } from './incoming.js';
import { originContext, type Outcome, render } from './interactions.js';
import { type DiscordMessage, renderReply } from './render.js';
import type { InteractionResponder } from './respond.js';

export interface ButtonHandlerArgs {
  core: Core;
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>;
  log: Logger;
  /** Runs a click that changes shared state once (the adapter's InputGate: memory, or the shared store). */
  clicks: AsyncClickGuard;
}

export type ButtonHandler = (
  interaction: IncomingClick,
  respond: InteractionResponder,
  deadline: AnswerDeadline,
) => Promise<Outcome>;

export function createButtonHandler(args: ButtonHandlerArgs): ButtonHandler {
  return (interaction, respond, deadline) => handleButton({ ...args, interaction, respond, deadline });
}

/** `update`: the answer replaces the message the button is on; `reply`: a message of its own. */
type Placement = 'update' | 'reply';

const CALLBACK_TYPE: Readonly<Record<Placement, InteractionResponseType>> = {
  update: InteractionResponseType.UpdateMessage,
  reply: InteractionResponseType.ChannelMessageWithSource,
};

async function handleButton(
  args: ButtonHandlerArgs & {
    interaction: IncomingClick;
    respond: InteractionResponder;
    /** When the first answer must go out (the guard's wait included). */
    deadline: AnswerDeadline;
  },
): Promise<Outcome> {
  const { interaction, respond, core, config, clicks: guard, deadline } = args;
  const started = Date.now();
  const log = args.log.child({ interaction: interaction.id });
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (error) {
      log.warn(`could not ${what} to a Discord button click`, { error, ms: Date.now() - started });
      return false;
    }
  };
  /**
   * The first answer, as Discord's API body: UPDATE_MESSAGE replaces the message the button is on,
   * CHANNEL_MESSAGE_WITH_SOURCE answers with a new one (ephemeral unless it is for the channel).
   */
  const answerWith = (placement: Placement, message: DiscordMessage) =>
    attempt('answer', () => respond.callback(CALLBACK_TYPE[placement], message));

  const decoded = decodeButton(interaction.customId);
  if (!decoded.ok) {
    log.info('a button could not be read', { reason: decoded.reason, userId: interaction.userId });
    return (await answerWith('reply', renderReply(expiredButtonReply()))) ? 'replied' : 'failed';
  }
  const { command, inPlace } = decoded;
  const { userId } = interaction;
  log.info('button clicked', { command: command.name, inPlace, userId, platform: 'discord' });
  const context = originContext(interaction, config);

  const once = changesSharedState(command) ? `discord:${interaction.channelId}:${decoded.text}` : null;
  if (once !== null) {
    const begun = guard.begin(once);
    let alone: boolean | 'late';
    try {
      alone = await beforeDeadline(begun, deadline);
    } catch (error) {
      // Without the claim another replica may be stopping too: say it did not work rather than risk it.
      log.error('could not claim a Discord button click; answered that it did not work', { error });
      return (await answerWith('reply', renderReply(internalErrorReply()))) ? 'replied' : 'failed';
    }
    if (alone === 'late') {
      // Waiting longer would miss Discord's 3 s. Not run, even if the claim is won after all: it is
      // let go then, so that the next click may try again at once.
      log.error('the claim of a Discord button click did not answer in time; answered that it did not work', {
        command: command.name,
      });
      begun
        .then((won) => (won ? guard.finish(once, false) : undefined))
        .catch((error: unknown) => {
          // Held or not, the store's lease on the button lapses by itself (src/inputs.ts).
          log.warn('the late claim of a button click failed or could not be let go', { error });
        });
      return (await answerWith('reply', renderReply(internalErrorReply()))) ? 'replied' : 'failed';
    }
    if (!alone) {
      log.info('a second click on a button that is running or just ran', { command: command.name, userId });
      return (await answerWith('reply', renderReply(alreadyClickedReply()))) ? 'replied' : 'failed';
    }
  }
  // Only an ephemeral message is ever replaced: what the channel sees stays as it is.
  const placement: Placement = interaction.onEphemeral && (inPlace || once !== null) ? 'update' : 'reply';

  const pending = core
    .replyToCommand(command, context)
    .catch((error: unknown) => {
      log.error('the core failed a Discord button click', { error });
      return internalErrorReply();
    })
    .then((answer) => {
      // A refusal or a failure frees the button at once: the next click may try again.
      if (once !== null) {
        guard.finish(once, answer.tone === 'success').catch((error: unknown) => {
          log.warn('could not record the end of a button click; it frees itself in two minutes', { error });
        });
      }
      return answer;
    });

  const first = await beforeDeadline(pending, deadline);
  if (first !== 'late') {
    const message = render(first);
    // A refusal or a failure replaces nothing: the page (or prompt) and its buttons stay.
    const how: Placement = first.tone === 'error' ? 'reply' : placement;
    // A channel answer replaces no channel message: it goes to the channel as a follow-up.
    const ok = await answerWith(how, how === 'update' ? ownCopy(message) : message);
    if (ok) await tellChannel(first, message);
    log.debug('answered a Discord button click', { ms: Date.now() - started, deferred: false });
    return ok ? 'replied' : 'failed';
  }

  const deferred = await attempt('defer an answer', () =>
    placement === 'update'
      ? respond.callback(InteractionResponseType.DeferredMessageUpdate)
      : respond.callback(InteractionResponseType.DeferredChannelMessageWithSource, {
          flags: MessageFlags.Ephemeral,
        }),
  );
  if (!deferred) return 'failed';
  const answer = await pending;
  const message = render(answer);
  if (placement === 'update' && answer.tone === 'error') {
    // The message was kept while it loaded: a refusal or a failure comes on its own, only to the clicker.
    const ok = await attempt('follow up', () => respond.followUp(message, MessageFlags.Ephemeral));
    log.debug('answered a Discord button click', { ms: Date.now() - started, deferred: true });
    return ok ? 'deferred' : 'failed';
  }
  // An edit keeps the first answer's flags: the clicker's copy stays theirs.
  const ok = await attempt('edit the deferred answer', () => respond.editOriginal(message));
  if (ok) await tellChannel(answer, message);
  log.debug('answered a Discord button click', { ms: Date.now() - started, deferred: true });
  return ok ? 'deferred' : 'failed';

  /** A channel answer (Stopped by …) is also posted for everyone, after the clicker's own copy. */
  async function tellChannel(answer: Reply, message: DiscordMessage): Promise<void> {
    if (answer.visibility !== 'channel' || message.flags === MessageFlags.Ephemeral) return;
    if (placement === 'reply' && first !== 'late') return;
    await attempt('post to the channel', () => respond.followUp(message));
  }
}

/** The clicker's copy of an answer: what replaces their ephemeral message (its flags cannot change). */
function ownCopy(message: DiscordMessage): DiscordMessage {
  const { flags: _flags, ...rest } = message;
  return rest;
}

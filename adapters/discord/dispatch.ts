/**
 * The one way into the adapter for an interaction, whichever transport brought it (the gateway's
 * INTERACTION_CREATE in app.ts, or a signed POST in http-interactions.ts): read the payload, claim the
 * interaction id so exactly one process answers it, then run the command or the click and answer it
 * through REST. Anything that is not `/livestream` or one of our buttons is left alone.
 *
 * Claims: every replica's gateway session receives every INTERACTION_CREATE, so with several replicas
 * one interaction reaches them all; the shared store's input claim (`inputs.first`) lets only the first
 * go on. A gateway may also deliver an interaction again after a resume. One bot alone remembers the
 * ids in memory (the adapter's default InputGate).
 *
 * Time: Discord's 3 s run from the interaction's arrival here. The claim (a database round trip with
 * replicas) spends the same budget as the answer (deadline.ts): a claim still unanswered when it is
 * spent is answered "did not work", and the interaction is not run, even if the claim is won later.
 */
import { InteractionResponseType, type REST } from 'discord.js';
import { internalErrorReply } from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import type { InputGate } from '../../src/inputs.js';
import type { Logger } from '../../src/log.js';
import { COMMAND_NAME } from './commands.js';
import { createButtonHandler } from './components.js';
import { answerDeadline, beforeDeadline, DEFAULT_DEFER_AFTER_MS } from './deadline.js';
import { readInteraction } from './incoming.js';
import { handleInteraction, type Outcome } from './interactions.js';
import { renderReply } from './render.js';
import { createResponder, type InteractionResponder } from './respond.js';

export interface DispatcherArgs {
  core: Core;
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>;
  log: Logger;
  /**
   * How long after its arrival an interaction's first answer may wait for its claim and the core
   * (deadline.ts): answered directly when all is done by then, deferred otherwise. Default 1.5 s.
   */
  deferAfterMs?: number;
  /** Repeated interactions (`discord:<id>`) and double clicks: in memory, or the shared store's (replicas). */
  inputs: InputGate;
}

export interface DispatchOptions {
  /** The REST client that answers (the bot's). */
  rest: REST;
  /** Told once the first answer (the interaction callback) has been sent or has failed. */
  afterCallback?: () => void;
}

/**
 * What became of an interaction: answered ('replied', 'deferred', or 'failed' to), `ignored` (not
 * ours, or not an interaction), or `elsewhere` (another process claimed it).
 */
export type DispatchOutcome = Outcome | 'ignored' | 'elsewhere';

export type Dispatch = (payload: unknown, options: DispatchOptions) => Promise<DispatchOutcome>;

export function createDispatcher(args: DispatcherArgs): Dispatch {
  const { core, config, log, inputs, deferAfterMs = DEFAULT_DEFER_AFTER_MS } = args;
  const handleButton = createButtonHandler({ core, config, log, clicks: inputs.clicks });

  return async (payload, { rest, afterCallback }) => {
    const deadline = answerDeadline(deferAfterMs);
    const interaction = readInteraction(payload);
    if (!interaction) return 'ignored';
    if (interaction.kind === 'command' && interaction.commandName !== COMMAND_NAME) return 'ignored';
    const respond = createResponder({ rest, interaction, ...(afterCallback ? { afterCallback } : {}) });
    const logged = log.child({ interaction: interaction.id });

    const claim = inputs.first(`discord:${interaction.id}`);
    let mine: boolean | 'late';
    try {
      mine = await beforeDeadline(claim, deadline);
    } catch (error) {
      // Without the claim another replica may be answering too: say it did not work rather than run a
      // command (a create, a stop) twice. Discord takes only the first answer to an interaction.
      logged.error('could not claim a Discord interaction; answered that it did not work', { error });
      return answerNotRun(respond, logged);
    }
    if (mine === 'late') {
      // Waiting longer would miss Discord's 3 s, and the command would run unanswered: say it did not
      // work, and never run it, even if the claim is won after all.
      logged.error(
        'the claim of a Discord interaction did not answer in time; answered that it did not work',
      );
      claim.then(
        (won) => {
          if (won) logged.warn('a Discord interaction claimed after its deadline was not run');
          else
            logged.warn('a Discord interaction answered "did not work" here was claimed by another process');
        },
        (error: unknown) => logged.warn('the late claim of a Discord interaction failed', { error }),
      );
      return answerNotRun(respond, logged);
    }
    if (!mine) {
      logged.debug('a Discord interaction another process claimed (or a repeat); not answered', {
        kind: interaction.kind,
      });
      return 'elsewhere';
    }

    if (interaction.kind === 'click') return handleButton(interaction, respond, deadline);
    return handleInteraction({ interaction, respond, core, config, log, deadline });
  };
}

/** "That did not work", as the first answer, for an interaction that was not run. */
async function answerNotRun(respond: InteractionResponder, log: Logger): Promise<'failed'> {
  try {
    await respond.callback(
      InteractionResponseType.ChannelMessageWithSource,
      renderReply(internalErrorReply()),
    );
  } catch (error) {
    log.warn('could not answer a Discord interaction', { error });
  }
  return 'failed';
}

/**
 * The one way into the adapter for an interaction, whichever transport brought it (the gateway's
 * INTERACTION_CREATE in app.ts, or a signed POST in http-interactions.ts): read the payload, claim the
 * interaction id so exactly one process answers it, then run the command or the click and answer it
 * through REST. Anything that is not `/livestream` or one of our buttons is left alone.
 *
 * Claims: every replica's gateway session receives every INTERACTION_CREATE, so with several replicas
 * one interaction reaches them all; `claimInteraction` (the shared store's input claim) lets only the
 * first go on. A gateway may also deliver an interaction again after a resume. Without a claim of the
 * store's, ids are remembered in memory for as long as an interaction's token is valid.
 */
import { InteractionResponseType, type REST } from 'discord.js';
import { internalErrorReply } from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
import { type AsyncClickGuard, memoryInputGate } from '../../src/inputs.js';
import type { Logger } from '../../src/log.js';
import { COMMAND_NAME } from './commands.js';
import { createButtonHandler } from './components.js';
import { readInteraction } from './incoming.js';
import { handleInteraction, type Outcome } from './interactions.js';
import { renderReply } from './render.js';
import { createResponder } from './respond.js';

/** Answers true for the one caller that may handle the interaction, false for every other. */
export type ClaimInteraction = (interactionId: string) => Promise<boolean>;

export interface DispatcherArgs {
  core: Core;
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>;
  log: Logger;
  /** Answer directly when the core is faster than this; defer otherwise (see interactions.ts). */
  deferAfterMs?: number;
  /** The shared claim (several replicas); default: a memory of the ids this process has seen. */
  claimInteraction?: ClaimInteraction;
  /** The shared once-only guard for clicks that change shared state (several replicas); default: memory. */
  clicks?: AsyncClickGuard;
  /** Milliseconds since the epoch, for the in-memory windows; default Date.now. */
  now?: () => number;
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
  const { core, config, log, deferAfterMs } = args;
  // In memory, ids are kept for REPEAT_WINDOW_MS: as long as an interaction's token is valid.
  const memory = memoryInputGate(args.now ?? Date.now);
  const claim = args.claimInteraction ?? ((id: string) => memory.first(`discord:${id}`));
  const handleButton = createButtonHandler({
    core,
    config,
    log,
    clicks: args.clicks ?? memory.clicks,
    ...(deferAfterMs !== undefined ? { deferAfterMs } : {}),
    ...(args.now ? { now: args.now } : {}),
  });

  return async (payload, { rest, afterCallback }) => {
    const interaction = readInteraction(payload);
    if (!interaction) return 'ignored';
    if (interaction.kind === 'command' && interaction.commandName !== COMMAND_NAME) return 'ignored';
    const respond = createResponder({ rest, interaction, ...(afterCallback ? { afterCallback } : {}) });

    let mine: boolean;
    try {
      mine = await claim(interaction.id);
    } catch (error) {
      // Without the claim another replica may be answering too: say it did not work rather than run a
      // command (a create, a stop) twice. Discord takes only the first answer to an interaction.
      log.error('could not claim a Discord interaction; answered that it did not work', {
        interaction: interaction.id,
        error,
      });
      try {
        await respond.callback(
          InteractionResponseType.ChannelMessageWithSource,
          renderReply(internalErrorReply()),
        );
      } catch (failure) {
        log.warn('could not answer a Discord interaction', { interaction: interaction.id, error: failure });
      }
      return 'failed';
    }
    if (!mine) {
      log.debug('a Discord interaction another process claimed (or a repeat); not answered', {
        interaction: interaction.id,
        kind: interaction.kind,
      });
      return 'elsewhere';
    }

    if (interaction.kind === 'click') return handleButton(interaction, respond);
    return handleInteraction({
      interaction,
      respond,
      core,
      config,
      log,
      ...(deferAfterMs !== undefined ? { deferAfterMs } : {}),
    });
  };
}

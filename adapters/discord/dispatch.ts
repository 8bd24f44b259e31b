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
import { createClickGuard, internalErrorReply } from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core } from '../../src/core.js';
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

/** An interaction's token is valid this long: a repeat after it could not be answered anyway. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/** An in-process claim: the first time an id is seen. */
function claimInMemory(now: () => number): ClaimInteraction {
  const seen = createClickGuard({ windowMs: TOKEN_LIFETIME_MS, now });
  return (id) => {
    const first = seen.begin(id);
    if (first) seen.finish(id, true);
    return Promise.resolve(first);
  };
}

export function createDispatcher(args: DispatcherArgs): Dispatch {
  const { core, config, log, deferAfterMs } = args;
  const claim = args.claimInteraction ?? claimInMemory(args.now ?? Date.now);
  const handleButton = createButtonHandler({
    core,
    config,
    log,
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

/**
 * One `/livestream` interaction, from options to the answer on screen.
 *
 * Deferral: Discord drops an interaction that is not answered within 3 s, and the RealtimeKit API can
 * be slower than that (retries, timeouts). The core call starts at once; if it answers before the
 * interaction's deadline (1.5 s from its arrival, less what its claim took: deadline.ts) the reply
 * goes out directly with the flags the core asked for. Otherwise the reply is deferred as ephemeral,
 * because the kind of answer is not known yet and a `create` carries a stream key: an ephemeral
 * "thinking…" can never leak one. The final answer then edits that deferred reply, which stays
 * visible to the requester only; an answer for the channel (a confirmed stop: "Stopped by @ana") is
 * then also sent to the channel as a follow-up, as a click's is (components.ts).
 * Help and bad options never touch the API, so they are answered at once.
 */
import { InteractionResponseType, MessageFlags, PermissionFlagsBits } from 'discord.js';
import { internalErrorReply, usageReply } from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core, RequestContext } from '../../src/core.js';
import type { Logger } from '../../src/log.js';
import type { Reply } from '../../src/reply.js';
import { type DiscordSubcommand, isDiscordSubcommand } from './commands.js';
import { type AnswerDeadline, beforeDeadline } from './deadline.js';
import { discordHelpReply } from './help.js';
import type { IncomingCommand, InteractionOrigin } from './incoming.js';
import { commandFromOptions, type DiscordCommand } from './options.js';
import { type DiscordMessage, renderReply } from './render.js';
import type { InteractionResponder } from './respond.js';

export interface HandleInteractionArgs {
  interaction: IncomingCommand;
  /** Answers this interaction (respond.ts). */
  respond: InteractionResponder;
  core: Core;
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>;
  log: Logger;
  /** When the first answer must go out: a deferral, if the core has not answered by then. */
  deadline: AnswerDeadline;
}

/** What the interaction did, for logs and tests. */
export type Outcome = 'replied' | 'deferred' | 'failed';

/** Manage Channels, or one of the configured manager roles; everyone when no roles are configured. */
export function canManage({
  interaction,
  managerRoles,
}: {
  interaction: Pick<InteractionOrigin, 'memberPermissions' | 'roles'>;
  managerRoles: readonly string[];
}): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)) return true;
  if (managerRoles.length === 0) return true;
  // Outside a server there is no member, and so no role.
  return interaction.roles?.some((role) => managerRoles.includes(role)) ?? false;
}

/**
 * Who may run livestreams (start, stop, create): Manage Channels, or one of DISCORD_OPERATOR_ROLES (else
 * of the subscription roles); with no roles configured, everyone. The refusal names them (`operators`).
 */
export function operatorContext({
  interaction,
  managerRoles,
  operatorRoles = [],
}: {
  interaction: Pick<InteractionOrigin, 'memberPermissions' | 'roles'>;
  managerRoles: readonly string[];
  operatorRoles?: readonly string[] | undefined;
}): Pick<RequestContext, 'canOperate' | 'operators'> {
  const own = operatorRoles.length > 0;
  const roles = own ? operatorRoles : managerRoles;
  return {
    canOperate: canManage({ interaction, managerRoles: roles }),
    operators: {
      userIds: [],
      roleIds: roles,
      permission: 'Manage Channels',
      setting: own ? 'DISCORD_OPERATOR_ROLES' : 'DISCORD_SUBSCRIPTION_ROLES',
    },
  };
}

/** Discord's rule for a refused mention, as the refusal says it (see `canMention`). */
export const DISCORD_MENTION_RIGHT =
  'Pinging @everyone, @here or a role that is not mentionable needs the Mention Everyone permission in this channel.';

/**
 * Whether the member could make this mention themselves, so a subscription never makes the bot ping on
 * their behalf what they could not (the bot posts with the right to ping whatever the subscription
 * names). Discord's rule: @everyone, @here and a role that is not mentionable need Mention Everyone
 * (Administrator includes it); a mentionable role and a user anyone may ping. The role's setting comes
 * from the interaction (a Role option carries the role, resolved); a role it does not resolve counts
 * as not mentionable. Forms other than those `mentionOf` (render.ts) pings are text.
 */
export function canMention(
  interaction: Pick<IncomingCommand, 'memberPermissions' | 'mentionableRoles'>,
): (mention: string) => boolean {
  return (mention) => {
    if (interaction.memberPermissions?.has(PermissionFlagsBits.MentionEveryone)) return true;
    const text = mention.trim();
    if (text === '@everyone' || text === '@here') return false;
    const roleId = /^<@&(\d{15,21})>$/.exec(text)?.[1];
    if (roleId === undefined) return true;
    return interaction.mentionableRoles.get(roleId) === true;
  };
}

function helpTopic(command: DiscordCommand): DiscordSubcommand | undefined {
  return command.name === 'help' && command.topic && isDiscordSubcommand(command.topic)
    ? command.topic
    : undefined;
}

/** The core shares one Reply among identical commands in flight: render it once for all of them. */
const rendered = new WeakMap<Reply, DiscordMessage>();

export function render(value: Reply): DiscordMessage {
  let message = rendered.get(value);
  if (!message) {
    message = renderReply(value);
    rendered.set(value, message);
  }
  return message;
}

/**
 * The core's context for an interaction, command or click: where, who, with which rights, and when by
 * Discord's clock (from the interaction's snowflake id), not when this process got to it.
 */
export function originContext(
  interaction: InteractionOrigin,
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>,
): RequestContext {
  return {
    platform: 'discord',
    channelId: interaction.channelId,
    userId: interaction.userId,
    canManage: canManage({ interaction, managerRoles: config.managerRoles }),
    ...operatorContext({
      interaction,
      managerRoles: config.managerRoles,
      operatorRoles: config.operatorRoles,
    }),
    issuedAt: interaction.createdTimestamp,
  };
}

export async function handleInteraction({
  interaction,
  respond,
  core,
  config,
  log,
  deadline,
}: HandleInteractionArgs): Promise<Outcome> {
  const { subcommand } = interaction;
  const started = Date.now();
  const logged = log.child({ interaction: interaction.id, subcommand });
  // Discord has answered nothing yet; a failure to answer is logged, never thrown to the transport.
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (error) {
      logged.warn(`could not ${what} to a Discord interaction`, { error, ms: Date.now() - started });
      return false;
    }
  };
  const reply = (answer: Reply, message: DiscordMessage) =>
    attempt('reply', () =>
      respond.callback(InteractionResponseType.ChannelMessageWithSource, message, answer.image),
    );

  const parsed = commandFromOptions({ subcommand, options: interaction.options });
  if (!parsed.ok || parsed.command.name === 'help') {
    const answer = parsed.ok ? discordHelpReply(helpTopic(parsed.command)) : usageReply(parsed);
    return (await reply(answer, renderReply(answer))) ? 'replied' : 'failed';
  }
  const { command } = parsed;

  const context: RequestContext = {
    ...originContext(interaction, config),
    canMention: canMention(interaction),
    mentionRight: DISCORD_MENTION_RIGHT,
  };
  const pending = core.replyToCommand(command, context).catch((error: unknown) => {
    logged.error('the core failed a Discord command', { error });
    return internalErrorReply();
  });

  // A slow answer is deferred first and edited in when it comes.
  const first = await beforeDeadline(pending, deadline);
  if (first !== 'late') {
    const ok = await reply(first, render(first));
    logged.debug('answered a Discord command', { ms: Date.now() - started, deferred: false });
    return ok ? 'replied' : 'failed';
  }

  const deferred = await attempt('defer a reply', () =>
    respond.callback(InteractionResponseType.DeferredChannelMessageWithSource, {
      flags: MessageFlags.Ephemeral,
    }),
  );
  if (!deferred) return 'failed';
  const answer = await pending;
  const message = render(answer);
  const ok = await attempt('edit the deferred reply', () => respond.editOriginal(message, answer.image));
  // The deferred reply is ephemeral: an answer for the channel reaches it as a follow-up.
  if (ok && answer.visibility === 'channel' && message.flags !== MessageFlags.Ephemeral) {
    await attempt('post to the channel', () => respond.followUp(message));
  }
  logged.debug('answered a Discord command', { ms: Date.now() - started, deferred: true });
  return ok ? 'deferred' : 'failed';
}

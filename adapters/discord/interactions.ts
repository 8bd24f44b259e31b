/**
 * One `/livestream` interaction, from options to the answer on screen.
 *
 * Deferral: Discord drops an interaction that is not answered within 3 s, and the RealtimeKit API can
 * be slower than that (retries, timeouts). The core call starts at once; if it answers within
 * `deferAfterMs` (1.5 s, which leaves half the window for our own reply to reach Discord) the reply
 * goes out directly with the flags the core asked for. Otherwise the reply is deferred as ephemeral,
 * because the kind of answer is not known yet and a `create` carries a stream key: an ephemeral
 * "thinking…" can never leak one. The final answer then edits that deferred reply, which stays
 * visible to the requester only; an answer for the channel (a confirmed stop: "Stopped by @ana") is
 * then also sent to the channel as a follow-up, as a click's is (components.ts).
 * Help and bad options never touch the API, so they are answered at once.
 */
import {
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  InteractionResponseType,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
} from 'discord.js';
import { internalErrorReply, usageReply } from '../../src/commands/index.js';
import type { DiscordConfig } from '../../src/config.js';
import type { Core, RequestContext } from '../../src/core.js';
import type { Logger } from '../../src/log.js';
import type { Reply, ReplyImage } from '../../src/reply.js';
import { type DiscordSubcommand, isDiscordSubcommand } from './commands.js';
import { discordHelpReply } from './help.js';
import { commandFromOptions, type DiscordCommand } from './options.js';
import { type DiscordMessage, renderReply } from './render.js';

export const DEFAULT_DEFER_AFTER_MS = 1_500;

export interface HandleInteractionArgs {
  interaction: ChatInputCommandInteraction;
  core: Core;
  config: Pick<DiscordConfig, 'managerRoles' | 'operatorRoles'>;
  log: Logger;
  deferAfterMs?: number;
}

/** What the interaction did, for logs and tests. */
export type Outcome = 'replied' | 'deferred' | 'failed';

/** Manage Channels, or one of the configured manager roles; everyone when no roles are configured. */
export function canManage({
  interaction,
  managerRoles,
}: {
  interaction: Pick<ChatInputCommandInteraction, 'memberPermissions' | 'member'>;
  managerRoles: readonly string[];
}): boolean {
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels)) return true;
  if (managerRoles.length === 0) return true;
  const member = interaction.member;
  if (!member) return false;
  // A cached GuildMember has a role manager; an uncached one arrives as the raw API member.
  const roles = Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
  return roles.some((role) => managerRoles.includes(role));
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
  interaction: Pick<ChatInputCommandInteraction, 'memberPermissions' | 'member'>;
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

/**
 * Whether the member could make this mention themselves, so a subscription never makes the bot ping on
 * their behalf what they could not (the bot posts with the right to ping whatever the subscription
 * names). Discord's rule: @everyone, @here and a role that is not mentionable need Mention Everyone
 * (Administrator includes it); a mentionable role and a user anyone may ping. The role's setting comes
 * from the interaction (a Role option carries it, resolved) or the guild's role cache; a role known to
 * neither counts as not mentionable. Forms other than those `mentionOf` (render.ts) pings are text.
 */
/** Discord's rule for a refused mention, as the refusal says it (see `canMention`). */
export const DISCORD_MENTION_RIGHT =
  'Pinging @everyone, @here or a role that is not mentionable needs the Mention Everyone permission in this channel.';

export function canMention(
  interaction: Pick<ChatInputCommandInteraction, 'memberPermissions' | 'options' | 'guild'>,
): (mention: string) => boolean {
  return (mention) => {
    if (interaction.memberPermissions?.has(PermissionFlagsBits.MentionEveryone)) return true;
    const text = mention.trim();
    if (text === '@everyone' || text === '@here') return false;
    const roleId = /^<@&(\d{15,21})>$/.exec(text)?.[1];
    if (roleId === undefined) return true;
    const role =
      interaction.options.resolved?.roles?.get(roleId) ?? interaction.guild?.roles.cache.get(roleId);
    return role?.mentionable === true;
  };
}

/** Callback bodies, encoded once per rendered message: identical commands in flight share one. */
const callbackBodies = new WeakMap<DiscordMessage, Buffer>();

function callbackBody(message: DiscordMessage): Buffer {
  let body = callbackBodies.get(message);
  if (!body) {
    body = Buffer.from(
      JSON.stringify({ type: InteractionResponseType.ChannelMessageWithSource, data: message }),
    );
    callbackBodies.set(message, body);
  }
  return body;
}

/**
 * The answer as the interaction callback, posted as is: a DiscordMessage is already the API's body
 * (as the sink sends it). `interaction.reply()` would rebuild it through MessagePayload, whose
 * `toSnakeCase` (lodash per key) and lazy `require`s cost more CPU than rendering the reply; and the
 * REST client would serialise and encode a body per request that a burst of identical commands shares.
 */
async function replyWith(
  interaction: ChatInputCommandInteraction,
  message: DiscordMessage,
  image?: ReplyImage,
): Promise<void> {
  const route = Routes.interactionCallback(interaction.id, interaction.token);
  // Interaction callbacks are authorised by the token in the route, never the bot token.
  if (image) {
    // With a file the callback is multipart/form-data: the message as payload_json (naming the
    // attachment, see render.ts), the PNG as files[0].
    await interaction.client.rest.post(route, {
      body: { type: InteractionResponseType.ChannelMessageWithSource, data: message },
      files: [{ name: image.filename, data: pngBuffer(image), contentType: 'image/png' }],
      auth: false,
    });
  } else {
    await interaction.client.rest.post(route, {
      body: callbackBody(message),
      passThroughBody: true,
      headers: { 'Content-Type': 'application/json' },
      auth: false,
    });
  }
  // What interaction.reply() records, for anything that looks at the interaction afterwards.
  interaction.replied = true;
  interaction.ephemeral = message.flags === MessageFlags.Ephemeral;
}

function pngBuffer(image: ReplyImage): Buffer {
  return Buffer.from(image.png.buffer, image.png.byteOffset, image.png.byteLength);
}

/** An edit that carries the reply's image: discord.js sends it as files[0] with its attachment entry. */
function withImage(
  options: InteractionEditReplyOptions,
  image: ReplyImage | undefined,
): InteractionEditReplyOptions {
  if (!image) return options;
  const description = image.alt.slice(0, 1024);
  return { ...options, files: [{ attachment: pngBuffer(image), name: image.filename, description }] };
}

/** A rendered message as discord.js's edit options: its buttons too, so an edit keeps (or drops) them. */
export function editOptions(message: DiscordMessage): InteractionEditReplyOptions {
  return {
    embeds: message.embeds,
    ...(message.content ? { content: message.content } : {}),
    allowedMentions: message.allowed_mentions,
    components: message.components,
  };
}

/** A rendered message as a follow-up for the channel to see (a follow-up's flags are its own). */
export function followUpOptions(message: DiscordMessage): InteractionReplyOptions {
  return {
    embeds: message.embeds,
    ...(message.content ? { content: message.content } : {}),
    allowedMentions: message.allowed_mentions,
    components: message.components,
  };
}

function helpTopic(command: DiscordCommand): DiscordSubcommand | undefined {
  return command.name === 'help' && command.topic && isDiscordSubcommand(command.topic)
    ? command.topic
    : undefined;
}

/** The core shares one Reply among identical commands in flight: render it once for all of them. */
const rendered = new WeakMap<Reply, DiscordMessage>();

/**
 * The answer, or 'slow' when it has not come within `deferAfterMs`: Discord wants an answer to an
 * interaction within 3 s, so a slow one is deferred first and edited in when it comes.
 */
export async function answerOrSlow(pending: Promise<Reply>, deferAfterMs: number): Promise<Reply | 'slow'> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), deferAfterMs);
  });
  try {
    return await Promise.race([pending, slow]);
  } finally {
    clearTimeout(timer);
  }
}

export function render(value: Reply): DiscordMessage {
  let message = rendered.get(value);
  if (!message) {
    message = renderReply(value);
    rendered.set(value, message);
  }
  return message;
}

export async function handleInteraction({
  interaction,
  core,
  config,
  log,
  deferAfterMs = DEFAULT_DEFER_AFTER_MS,
}: HandleInteractionArgs): Promise<Outcome> {
  const subcommand = interaction.options.getSubcommand(false);
  const started = Date.now();
  const logged = log.child({ interaction: interaction.id, subcommand });
  // Discord has answered nothing yet; a failure to answer is logged, never thrown into discord.js.
  const attempt = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (error) {
      logged.warn(`could not ${what} to a Discord interaction`, { error, ms: Date.now() - started });
      return false;
    }
  };

  const parsed = commandFromOptions({ subcommand, options: interaction.options });
  if (!parsed.ok || parsed.command.name === 'help') {
    const answer = parsed.ok ? discordHelpReply(helpTopic(parsed.command)) : usageReply(parsed);
    const ok = await attempt('reply', () => replyWith(interaction, renderReply(answer)));
    return ok ? 'replied' : 'failed';
  }
  const { command } = parsed;

  const context: RequestContext = {
    platform: 'discord',
    channelId: interaction.channelId,
    userId: interaction.user.id,
    canManage: canManage({ interaction, managerRoles: config.managerRoles }),
    ...operatorContext({
      interaction,
      managerRoles: config.managerRoles,
      operatorRoles: config.operatorRoles,
    }),
    // Discord's own time of the command (from its snowflake id), not when this process got to it.
    issuedAt: interaction.createdTimestamp,
    canMention: canMention(interaction),
    mentionRight: DISCORD_MENTION_RIGHT,
  };
  const pending = core.replyToCommand(command, context).catch((error: unknown) => {
    logged.error('the core failed a Discord command', { error });
    return internalErrorReply();
  });

  const first = await answerOrSlow(pending, deferAfterMs);
  if (first !== 'slow') {
    const ok = await attempt('reply', () => replyWith(interaction, render(first), first.image));
    logged.debug('answered a Discord command', { ms: Date.now() - started, deferred: false });
    return ok ? 'replied' : 'failed';
  }

  if (!(await attempt('defer a reply', () => interaction.deferReply({ flags: MessageFlags.Ephemeral })))) {
    return 'failed';
  }
  const answer = await pending;
  const message = render(answer);
  const ok = await attempt('edit the deferred reply', () =>
    interaction.editReply(withImage(editOptions(message), answer.image)),
  );
  // The deferred reply is ephemeral: an answer for the channel reaches it as a follow-up.
  if (ok && answer.visibility === 'channel' && message.flags !== MessageFlags.Ephemeral) {
    await attempt('post to the channel', () => interaction.followUp(followUpOptions(message)));
  }
  logged.debug('answered a Discord command', { ms: Date.now() - started, deferred: true });
  return ok ? 'deferred' : 'failed';
}

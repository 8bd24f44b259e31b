/**
 * Reply -> Discord message: embeds coloured by tone, with Discord's limits as data. Anything that
 * does not fit is cut with an ellipsis or left out with a note, never sent for Discord to reject.
 */
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
  MessageFlags,
} from 'discord.js';
import { encodeButton } from '../../src/commands/index.js';
import { oneLine, withoutInvisible } from '../../src/plain-text.js';
import { discordCommandText } from './commands.js';
import {
  type Badge,
  containsSecret,
  isLinkAction,
  type Reply,
  type ReplyAction,
  type ReplyField,
  type ReplyItem,
  showingLine,
  type Tone,
} from '../../src/reply.js';

/** https://discord.com/developers/docs/resources/message#embed-object-embed-limits */
export const DISCORD_LIMITS = {
  embedsPerMessage: 10,
  fieldsPerEmbed: 25,
  /** Title, description, field names and values, footer and author, summed over every embed. */
  totalCharacters: 6000,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** An attachment's description (its alt text). */
  attachmentDescription: 1024,
} as const;

/** https://discord.com/developers/docs/components/reference#button */
export const DISCORD_COMPONENT_LIMITS = {
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  url: 512,
} as const;

export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

/** Embed colours: LIVE is an "on air" red, ERRORED a darker red, IDLE grey, INVOKED blue. */
export const TONE_COLOURS: Record<Tone, number> = {
  live: 0xff2d2d,
  errored: 0x8b1a1a,
  idle: 0x95a5a6,
  offline: 0x5c6670,
  invoked: 0x3b82f6,
  unknown: 0xf1c40f,
  info: 0x5865f2,
  success: 0x2ecc71,
  error: 0xe67e22,
};

export const TONE_EMOJI: Record<Tone, string> = {
  live: '🔴',
  errored: '⛔',
  idle: '⚪',
  offline: '⚫',
  invoked: '🔵',
  unknown: '❔',
  info: 'ℹ️',
  success: '✅',
  error: '⚠️',
};

/** Exactly the mention in `content` may ping, nothing else (a livestream name can say "@everyone"). */
export interface AllowedMentions {
  parse: ('everyone' | 'roles' | 'users')[];
  roles?: string[];
  users?: string[];
}

/** A message body in the API's shape (REST sends it as is; interactions map it onto discord.js). */
export interface DiscordMessage {
  /** Only the subscriber's mention, when the reply has one: pings come from `content`, never embeds. */
  content?: string;
  embeds: APIEmbed[];
  allowed_mentions: AllowedMentions;
  /**
   * The reply's buttons, in rows. Always present, empty when there are none: an edit then also takes
   * away buttons the message had (a LIVE post that ended loses its Stop).
   */
  components: ButtonRow[];
  /** Set when only the requester may see the message. */
  flags?: MessageFlags.Ephemeral;
  /**
   * The reply's image, as the attachment the message names (its bytes go with it as `files[0]`, see
   * respond.ts); the embed shows it through `attachment://{filename}`.
   */
  attachments?: { id: number; filename: string; description: string }[];
}

/** Short values sit side by side (three per row on desktop); prose gets the full width. */
const INLINE_MAX = { code: 60, text: 24 } as const;

export function clip(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Markdown-escapes text from the API or people (names, messages), linearly: discord.js's
 * `escapeMarkdown` takes seconds on a few thousand characters. `<` too, so `<@&role>`, `<#channel>`,
 * `<:emoji:id>` and `<t:…>` show as typed instead of as a pill, an emoji or a time. Cut to `max`.
 */
export function escapeText(text: string, max: number = DISCORD_LIMITS.description): string {
  const escaped = clip(withoutInvisible(text), max)
    .replace(/[\\*_~`|[\]<]/g, '\\$&')
    .replace(/^(\s*)([>#-])/gm, '$1\\$2');
  return clip(escaped, max);
}

/** For a title, a field name or a short value: escaped, and one line (a name cannot start a line of its own). */
export function escapeLine(text: string, max: number): string {
  return escapeText(oneLine(text), max);
}

export function badgeText(badge: Badge): string {
  return `${TONE_EMOJI[badge.tone]} ${badge.text}`;
}

/** `<t:UNIX:f>`: every reader sees the time in their own time zone. */
export function discordTime(iso: string): string | null {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : `<t:${Math.floor(ms / 1000)}:f>`;
}

function codeSpan(value: string, max: number): string {
  if (value.includes('\n')) {
    // A code block; a ``` inside would end it early, so break it with a zero-width space.
    const body = clip(value.replaceAll('```', '`\u200b``'), max - 8);
    return `\`\`\`\n${body}\n\`\`\``;
  }
  // Double backticks (padded) let a value that contains a backtick stay one span.
  const fence = value.includes('`') ? '`` ' : '`';
  const closing = value.includes('`') ? ' ``' : '`';
  return `${fence}${clip(value, max - fence.length - closing.length)}${closing}`;
}

export function formatValue(field: ReplyField, max: number = DISCORD_LIMITS.fieldValue): string {
  switch (field.format) {
    // Secrets are shown as code so they copy cleanly; the message is ephemeral (see `renderReply`).
    case 'code':
    case 'secret':
      return codeSpan(field.value, max);
    case 'time':
      return discordTime(field.value) ?? escapeText(field.value, max);
    case 'url':
      return clip(field.value, max);
    // Mentions in an embed show the person or role and ping nobody.
    case 'user':
      return userMention(field.value);
    case 'role':
      return /^\d{15,21}$/.test(field.value) ? `<@&${field.value}>` : escapeLine(field.value, max);
    default:
      return escapeLine(field.value, max) || '\u200b';
  }
}

function toEmbedField(field: ReplyField): APIEmbedField {
  const value = formatValue(field);
  const short = field.format === 'code' || field.format === 'time' ? INLINE_MAX.code : INLINE_MAX.text;
  return {
    name: escapeLine(field.label, DISCORD_LIMITS.fieldName) || '\u200b',
    value,
    inline: field.value.length <= short && !field.value.includes('\n'),
  };
}

function itemField(item: ReplyItem, position: number): APIEmbedField {
  const badge = item.badge ? ` · ${badgeText(item.badge)}` : '';
  const lines = item.fields.map(
    (field) => `${escapeLine(field.label, DISCORD_LIMITS.fieldName)}: ${formatValue(field, 300)}`,
  );
  if (item.link) lines.push(`[${escapeText(item.link.label)}](${item.link.url})`);
  return {
    name: clip(
      `${position}. ${escapeLine(item.title, DISCORD_LIMITS.fieldName)}${badge}`,
      DISCORD_LIMITS.fieldName,
    ),
    value: clip(lines.join('\n'), DISCORD_LIMITS.fieldValue) || '\u200b',
    inline: false,
  };
}

function embedSize(embed: APIEmbed): number {
  let size = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0);
  for (const field of embed.fields ?? []) size += field.name.length + field.value.length;
  return size;
}

/** Room kept for fields when a long text competes with them for the 6000 characters. */
const FIELDS_RESERVE = 1_500;

/** The whole Reply as one Discord message (one embed, more when a long list needs them). */
export function renderReply(value: Reply): DiscordMessage {
  const main: APIEmbed = {
    title: escapeLine(value.title, DISCORD_LIMITS.title),
    color: TONE_COLOURS[value.tone],
  };
  // The footer is written last, but its room is kept from the start so nothing squeezes it out.
  const footerRoom = Math.min(DISCORD_LIMITS.footer, 400 + (value.footer?.length ?? 0));
  let used = (main.title?.length ?? 0) + footerRoom;

  const description: string[] = [];
  if (value.text) description.push(escapeText(value.text));
  for (const link of value.links) description.push(`[${escapeText(link.label)}](${link.url})`);
  if (value.list && value.list.items.length === 0) description.push(value.list.empty ?? 'Nothing to show.');
  // A user mention in an embed shows the person and pings nobody.
  if (value.actor)
    description.push(`${escapeLine(value.actor.did, 100)} by ${userMention(value.actor.userId)}`);
  if (description.length > 0) {
    const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.totalCharacters - used - FIELDS_RESERVE);
    main.description = clip(description.join('\n\n'), room);
    used += main.description.length;
  }

  const embeds = [main];
  let current = main;
  /** Adds a field to the last embed, or a continuation embed; false when the message is full. */
  const add = (field: APIEmbedField): boolean => {
    if (used + field.name.length + field.value.length > DISCORD_LIMITS.totalCharacters) return false;
    if ((current.fields?.length ?? 0) >= DISCORD_LIMITS.fieldsPerEmbed) {
      if (embeds.length >= DISCORD_LIMITS.embedsPerMessage) return false;
      // A continuation embed in the same colour reads as one card.
      current = { color: main.color };
      embeds.push(current);
    }
    current.fields = [...(current.fields ?? []), field];
    used += field.name.length + field.value.length;
    return true;
  };

  /** How many of `fields` were added, in order, before the message was full. */
  const addAll = (fields: APIEmbedField[]): number => {
    let added = 0;
    while (added < fields.length && add(fields[added]!)) added += 1;
    return added;
  };

  const footer: string[] = [];
  const replyFields = value.fields.map(toEmbedField);
  if (value.badge) replyFields.unshift({ name: 'Status', value: badgeText(value.badge), inline: true });
  const fieldsShown = addAll(replyFields);
  if (fieldsShown < replyFields.length) {
    footer.push(`${replyFields.length - fieldsShown} more fields did not fit in one message.`);
  }

  if (value.list && value.list.items.length > 0) {
    const { list } = value;
    const shown = addAll(list.items.map((item, index) => itemField(item, list.offset + index)));
    footer.push(showingLine({ ...list, items: list.items.slice(0, shown) }));
    if (shown < list.items.length) {
      footer.push(
        `${list.items.length - shown} more on this page did not fit in one message: ask for a smaller per_page.`,
      );
    }
    if (list.next) footer.push(`Next page: ${discordCommandText(list.next)}`);
  }
  if (value.footer) footer.push(value.footer);
  if (footer.length > 0) {
    const room = DISCORD_LIMITS.totalCharacters - (used - footerRoom);
    current.footer = { text: clip(footer.join('\n'), Math.min(DISCORD_LIMITS.footer, room)) };
  }

  const message: DiscordMessage = {
    embeds,
    ...mentionOf(value.mention),
    components: buttonRows(value),
  };
  if (value.image) {
    const { filename, alt } = value.image;
    main.image = { url: `attachment://${filename}` };
    message.attachments = [
      { id: 0, filename, description: clip(oneLine(alt), DISCORD_LIMITS.attachmentDescription) },
    ];
  }
  // A secret is only ever shown to the person who asked, whatever the reply says about visibility.
  if (value.visibility === 'requester' || containsSecret(value)) message.flags = MessageFlags.Ephemeral;
  return message;
}

/** `<@id>` for a Discord user id; anything else as escaped text. */
function userMention(userId: string): string {
  return /^\d{15,21}$/.test(userId) ? `<@${userId}>` : escapeLine(userId, 100);
}

const BUTTON_STYLES = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

/** One button, or null when it cannot be one (a URL Discord would refuse, a command too long for an id). */
function toButton(action: ReplyAction, label: string): APIButtonComponent | null {
  const text = clip(oneLine(withoutInvisible(label)), DISCORD_COMPONENT_LIMITS.buttonLabel) || '…';
  if (isLinkAction(action)) {
    if (!/^https?:\/\//i.test(action.url) || action.url.length > DISCORD_COMPONENT_LIMITS.url) return null;
    return { type: ComponentType.Button, style: ButtonStyle.Link, label: text, url: action.url };
  }
  const customId = encodeButton(action);
  if (customId === null) return null;
  return {
    type: ComponentType.Button,
    style: action.style ? BUTTON_STYLES[action.style] : ButtonStyle.Secondary,
    label: text,
    custom_id: customId,
  };
}

/**
 * The reply's buttons as action rows: its own buttons last (Previous / Next, Watch, Stop), each list
 * item's before them, numbered as the list is, while rows are left. Discord refuses a message with a
 * custom_id twice, so a repeat is left out. Slack's confirm dialogs have no Discord form: a stop's
 * prompt is the question there.
 */
function buttonRows(value: Reply): ButtonRow[] {
  const { actionRows, buttonsPerRow } = DISCORD_COMPONENT_LIMITS;
  const seen = new Set<string>();
  const make = (action: ReplyAction, label: string): APIButtonComponent[] => {
    const button = toButton(action, label);
    if (!button) return [];
    const key = 'custom_id' in button ? button.custom_id : `url:${'url' in button ? button.url : ''}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [button];
  };
  const own = (value.actions ?? []).flatMap((action) => make(action, action.label));
  const ownRows = Math.ceil(own.length / buttonsPerRow);
  const itemRoom = Math.max(0, actionRows - ownRows) * buttonsPerRow;
  const itemButtons: APIButtonComponent[] = [];
  value.list?.items.forEach((item, index) => {
    for (const action of item.actions ?? []) {
      if (itemButtons.length >= itemRoom) return;
      itemButtons.push(...make(action, `${value.list!.offset + index}. ${action.label}`));
    }
  });
  const rows: ButtonRow[] = [];
  for (const buttons of [itemButtons, own])
    for (let i = 0; i < buttons.length; i += buttonsPerRow)
      rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + buttonsPerRow) });
  return rows.slice(0, actionRows);
}

/** `@here`, `@everyone`, `<@&role>` or `<@user>` ping; any other text is shown without pinging. */
export function mentionOf(mention: string | undefined): Pick<DiscordMessage, 'content' | 'allowed_mentions'> {
  const text = mention?.trim();
  if (!text) return { allowed_mentions: { parse: [] } };
  if (text === '@here' || text === '@everyone')
    return { content: text, allowed_mentions: { parse: ['everyone'] } };
  const role = /^<@&(\d{15,21})>$/.exec(text)?.[1];
  if (role) return { content: text, allowed_mentions: { parse: [], roles: [role] } };
  const user = /^<@!?(\d{15,21})>$/.exec(text)?.[1];
  if (user) return { content: text, allowed_mentions: { parse: [], users: [user] } };
  return { content: clip(text, 200), allowed_mentions: { parse: [] } };
}

/** Total characters Discord counts for a message's embeds (for tests and assertions). */
export function messageSize(message: DiscordMessage): number {
  return message.embeds.reduce((sum, embed) => sum + embedSize(embed), 0);
}

/**
 * Reply -> Slack message: Block Kit `blocks` plus the `text` Slack shows in notifications and to screen
 * readers. Everything a person or the API typed is escaped, so a livestream named `<!channel>` pings nobody,
 * and made inert, so a name cannot fake a badge, a bold field label or a line of its own.
 * Slack rejects a whole message that breaks a Block Kit limit, so every limit is enforced here, as data.
 */
import type { types } from '@slack/bolt';
import { commandLine, encodeButton } from '../../src/commands/index.js';
import { oneLine, withoutInvisible } from '../../src/plain-text.js';
import {
  type CommandAction,
  isLinkAction,
  type Reply,
  type ReplyAction,
  type ReplyField,
  type ReplyItem,
  type ReplyLink,
  replyToPlainText,
  showingLine,
  type Tone,
} from '../../src/reply.js';

type KnownBlock = types.KnownBlock;

/** Block Kit and chat.postMessage limits (docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  /** Blocks in one message. */
  blocks: 50,
  /** A section's text object. */
  sectionText: 3000,
  /** A header's plain_text. */
  headerText: 150,
  /** Elements in one context block. */
  contextElements: 10,
  /** A context block's text element (the documented text-object maximum). */
  contextText: 3000,
  /** Top-level `text`: Slack truncates at 40,000 and recommends staying under 4,000. */
  fallbackText: 4000,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** A button's text. */
  buttonText: 75,
  /** A button's value: the button id (at most 100 characters, see src/commands/buttons.ts). */
  buttonValue: 2000,
  /** A button's url. */
  buttonUrl: 3000,
  /** A confirm dialog's title, text and button texts. */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

/**
 * Every button the bot renders has an action_id with this prefix (then its position, unique in the
 * message): the action listener registers for exactly these. Link buttons get `LINK_ACTION_PREFIX`:
 * Slack sends a click on them too, which is acked and otherwise ignored.
 */
export const ACTION_PREFIX = 'livestream:';
export const LINK_ACTION_PREFIX = 'livestream:link:';

/** `ephemeral`: only the requester sees it, so secrets may be shown. `channel`: everyone does. */
export type SlackSurface = 'ephemeral' | 'channel';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export const TONE_EMOJI: Record<Tone, string> = {
  live: ':red_circle:',
  idle: ':white_circle:',
  errored: ':warning:',
  invoked: ':large_blue_circle:',
  offline: ':black_circle:',
  unknown: ':grey_question:',
  info: ':information_source:',
  success: ':white_check_mark:',
  error: ':x:',
};

const HIDDEN_SECRET = '(hidden: shown only to the person who asked)';
const ELLIPSIS = '…';

/** Slack mrkdwn control characters; everything else is shown as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Look-alikes for the characters mrkdwn turns into formatting: they read the same and format nothing. */
const INERT: Record<string, string> = { '*': '∗', '~': '∼', '`': 'ˋ', _: 'ˍ' };
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

/**
 * Text that mrkdwn shows as typed (to be escaped still): `*`, `~` and backticks become look-alikes, as
 * does an `_` at a word's edge (`_italic_`; `snake_case` is left alone, Slack does not format inside a
 * word), the first colon of an `:emoji:` code, and a `>` that would start a quote.
 */
export function inertMrkdwn(text: string): string {
  return inertEmojiCodes(
    withoutInvisible(text)
      .replace(/[*~`]/g, (c) => INERT[c]!)
      .replace(/_/g, (c, offset: number, whole: string) =>
        WORD_CHARACTER.test(whole[offset - 1] ?? '') && WORD_CHARACTER.test(whole[offset + 1] ?? '')
          ? c
          : INERT[c]!,
      )
      .replace(/^(\s*)>/gm, '$1›'),
  );
}

/** `:red_circle:` would show as the emoji (in mrkdwn, and in plain_text with `emoji: true`). */
export function inertEmojiCodes(text: string): string {
  return text.replace(/:(?=[a-z0-9_+'-]*[a-z][a-z0-9_+'-]*:)/gi, '꞉');
}

/** Plain text (a name, a message) as mrkdwn that shows exactly it: inert, then escaped. */
export function mrkdwnText(text: string): string {
  return escapeMrkdwn(inertMrkdwn(text));
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}`;
}

export function badgeText(badge: { text: string; tone: Tone }): string {
  return `${TONE_EMOJI[badge.tone]} *${mrkdwnText(oneLine(badge.text))}*`;
}

/** A Slack date token: each reader sees their own time zone; clients that cannot render it show the ISO. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(iso)}>`;
}

/** `<url|label>` for http(s) URLs only; `|`, `<`, `>` and spaces would end the link early, so they are encoded. */
export function slackLink(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url)) return escapeMrkdwn(url);
  const safeUrl = url.replace(/[|<> ]/g, (c) => encodeURIComponent(c));
  // A URL shown as its own label stays exact; any other label is text like the rest.
  const shown = label === url ? escapeMrkdwn(label) : mrkdwnText(oneLine(label));
  return `<${safeUrl}|${shown.replace(/\|/g, '¦')}>`;
}

/** Inline code cannot contain a backtick in Slack: swap it for a look-alike rather than break the span. */
function codeSpan(value: string): string {
  if (value.includes('\n')) return `\n\`\`\`${escapeMrkdwn(value).replace(/```/g, 'ˋˋˋ')}\`\`\``;
  return `\`${escapeMrkdwn(value).replace(/`/g, 'ˋ')}\``;
}

export function fieldValue(field: ReplyField, surface: SlackSurface): string {
  switch (field.format) {
    case 'secret':
      return surface === 'ephemeral' ? codeSpan(field.value) : `_${HIDDEN_SECRET}_`;
    case 'code':
      return codeSpan(field.value);
    case 'time':
      return slackDate(field.value);
    case 'url':
      return slackLink(field.value, field.value);
    case 'user':
      return slackUser(field.value);
    default:
      // `role` too: Slack has no roles to mention (a user group would ping).
      return mrkdwnText(oneLine(field.value));
  }
}

function fieldLine(field: ReplyField, surface: SlackSurface): string {
  return `*${mrkdwnText(oneLine(field.label))}:* ${fieldValue(field, surface)}`;
}

function linkLine(links: ReplyLink[]): string {
  return links.map((link) => `:link: ${slackLink(link.url, link.label)}`).join('   ');
}

function itemText(item: ReplyItem, position: number, surface: SlackSurface): string {
  const head = `*${position}. ${mrkdwnText(oneLine(item.title))}*${item.badge ? `   ${badgeText(item.badge)}` : ''}`;
  const details = item.fields.map(
    (field) => `${mrkdwnText(oneLine(field.label))}: ${fieldValue(field, surface)}`,
  );
  if (item.link) details.push(slackLink(item.link.url, item.link.label));
  return truncate(details.length > 0 ? `${head}\n${details.join('  ·  ')}` : head, SLACK_LIMITS.sectionText);
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** Lines joined into as few sections as fit: a line never straddles two sections. */
function packLines(lines: string[], separator: string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, SLACK_LIMITS.sectionText);
    if (current === '') current = line;
    else if (current.length + separator.length + line.length <= SLACK_LIMITS.sectionText)
      current += `${separator}${line}`;
    else {
      chunks.push(current);
      current = line;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

/**
 * List items as sections: one per item when the block budget allows, packed several to a section when
 * not, and cut (saying how many) only when even that would not fit.
 */
function listBlocks(
  list: NonNullable<Reply['list']>,
  surface: SlackSurface,
  budget: number,
  makeButton: (action: ReplyAction) => Button | null,
): { blocks: KnownBlock[]; hidden: number } {
  if (list.items.length === 0)
    return { blocks: [section(`_${mrkdwnText(list.empty ?? 'Nothing to show.')}_`)], hidden: 0 };
  const texts = list.items.map((item, index) => itemText(item, list.offset + index, surface));
  if (texts.length <= budget) {
    // One section per item: its first button (Details) sits beside it. Packed items get none.
    return {
      blocks: texts.map((text, index) => {
        const first = list.items[index]?.actions?.[0];
        const accessory = first ? makeButton(first) : null;
        return accessory ? { ...section(text), accessory } : section(text);
      }),
      hidden: 0,
    };
  }
  const chunks: { text: string; count: number }[] = [];
  for (const text of texts) {
    const last = chunks.at(-1);
    if (last && last.text.length + 2 + text.length <= SLACK_LIMITS.sectionText) {
      last.text += `\n\n${text}`;
      last.count += 1;
    } else chunks.push({ text, count: 1 });
  }
  const kept = chunks.slice(0, Math.max(budget, 0));
  const shown = kept.reduce((sum, chunk) => sum + chunk.count, 0);
  return { blocks: kept.map((chunk) => section(chunk.text)), hidden: texts.length - shown };
}

type Button = types.Button;

/** Numbers the buttons of one message: Slack wants every action_id in a message to differ. */
function buttonMaker(): (action: ReplyAction) => Button | null {
  let position = 0;
  return (action) => {
    position += 1;
    const text = {
      type: 'plain_text' as const,
      text: truncate(inertEmojiCodes(oneLine(action.label)), SLACK_LIMITS.buttonText),
      emoji: true,
    };
    if (isLinkAction(action)) {
      if (!/^https?:\/\//i.test(action.url) || action.url.length > SLACK_LIMITS.buttonUrl) return null;
      return { type: 'button', action_id: `${LINK_ACTION_PREFIX}${position}`, text, url: action.url };
    }
    // A command the id cannot carry (too long) gets no button; the reply still says what to type.
    const value = encodeButton(action);
    if (value === null) return null;
    return {
      type: 'button',
      action_id: `${ACTION_PREFIX}${position}`,
      text,
      value,
      ...(action.style ? { style: action.style } : {}),
      ...(action.confirm ? { confirm: confirmDialog(action) } : {}),
    };
  };
}

function confirmDialog(action: CommandAction): types.ConfirmationDialog | undefined {
  const { confirm } = action;
  if (!confirm) return undefined;
  const plain = (text: string, max: number) => ({
    type: 'plain_text' as const,
    text: truncate(inertEmojiCodes(oneLine(text)), max),
    emoji: true,
  });
  return {
    title: plain(confirm.title, SLACK_LIMITS.confirmTitle),
    text: plain(confirm.text, SLACK_LIMITS.confirmText),
    confirm: plain(confirm.confirm, SLACK_LIMITS.confirmButton),
    deny: plain(confirm.deny, SLACK_LIMITS.confirmButton),
    ...(action.style === 'danger' ? { style: 'danger' as const } : {}),
  };
}

/** Buttons as actions blocks of at most 25 each. */
function actionsBlocks(buttons: Button[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.actionsElements)
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + SLACK_LIMITS.actionsElements) });
  return blocks;
}

/** `<@U…>` for a Slack user id; anything else is shown as text. */
export function slackUser(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

function contextBlock(lines: string[]): KnownBlock[] {
  if (lines.length === 0) return [];
  const elements = lines
    .slice(0, SLACK_LIMITS.contextElements)
    .map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, SLACK_LIMITS.contextText) }));
  return [{ type: 'context', elements }];
}

/**
 * A subscriber's `--mention` as Slack markup. The slash command arrives unescaped (should_escape is off),
 * so `@here`, `@channel` and `@everyone` are words; `<@U…>`, `<!subteam^…>` pasted as markup are kept.
 * Anything else is shown as text and pings nobody.
 */
export function slackMention(raw: string): string {
  const word = raw.trim().toLowerCase();
  if (word === '@here' || word === '@channel' || word === '@everyone') return `<!${word.slice(1)}>`;
  if (/^<(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(\|[^<>]*)?>$/.test(raw.trim())) return raw.trim();
  return escapeMrkdwn(raw);
}

/** A Slack bot posts only in channels it was invited to: said under a reply after which it will post. */
const INVITE_NOTE = 'The bot must be in this channel to post: /invite it if it is not.';

/** The reply with what only Slack needs to say added to its footer (once: the hint is used up). */
function withSlackNotes(reply: Reply): Reply {
  const { postsHere, ...rest } = reply;
  if (!postsHere) return reply;
  return { ...rest, footer: rest.footer ? `${rest.footer} ${INVITE_NOTE}` : INVITE_NOTE };
}

/** The reply as Block Kit. `surface` decides whether secret fields are shown or hidden. */
export function renderReply(args: { reply: Reply; surface: SlackSurface }): SlackMessage {
  const { surface } = args;
  const reply = withSlackNotes(args.reply);
  const makeButton = buttonMaker();
  const blocks: KnownBlock[] = [
    // A mention only pings from a text block or the fallback text, never from a header.
    ...(reply.mention ? [section(slackMention(reply.mention))] : []),
    {
      type: 'header',
      // plain_text: no mrkdwn, but `emoji: true` (for the emoji in names) turns `:codes:` into emoji too.
      text: {
        type: 'plain_text',
        text: truncate(inertEmojiCodes(oneLine(reply.title)), SLACK_LIMITS.headerText),
        emoji: true,
      },
    },
  ];

  const text = reply.text ? mrkdwnText(reply.text) : '';
  // A badge gets a line of its own; without one, errors and successes still lead with their emoji.
  if (reply.badge) blocks.push(section(text ? `${badgeText(reply.badge)}\n${text}` : badgeText(reply.badge)));
  else if (reply.tone === 'error' || reply.tone === 'success')
    blocks.push(section(`${TONE_EMOJI[reply.tone]} ${text}`.trim()));
  else if (text) blocks.push(section(text));

  for (const chunk of packLines(
    reply.fields.map((field) => fieldLine(field, surface)),
    '\n',
  ))
    blocks.push(section(chunk));

  const links = reply.links.length > 0 ? packLines([linkLine(reply.links)], '\n').map(section) : [];
  const buttons = actionsBlocks(
    (reply.actions ?? []).map(makeButton).filter((button): button is Button => button !== null),
  );
  const context: string[] = [];
  if (reply.actor)
    context.push(`${mrkdwnText(oneLine(reply.actor.did))} by ${slackUser(reply.actor.userId)}`);
  if (reply.list && reply.list.items.length > 0) context.push(escapeMrkdwn(showingLine(reply.list)));
  if (reply.list?.next) context.push(`Next page: \`${escapeMrkdwn(commandLine(reply.list.next))}\``);
  if (reply.footer) context.push(mrkdwnText(reply.footer));

  if (reply.list) {
    // Room is kept for the links, the buttons and the one context block (paging, "not shown", footer).
    const reserved = links.length + buttons.length + 1;
    const { blocks: items, hidden } = listBlocks(
      reply.list,
      surface,
      SLACK_LIMITS.blocks - blocks.length - reserved,
      makeButton,
    );
    blocks.push(...items);
    if (hidden > 0) {
      context.unshift(
        `${hidden} more on this page did not fit in one Slack message: ask for fewer with \`--per-page\`.`,
      );
    }
  }
  blocks.push(...links, ...buttons, ...contextBlock(context));
  return { text: renderPlainText({ reply, surface }), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** The notification and screen-reader text: the neutral plain text, secrets hidden off the ephemeral surface. */
export function renderPlainText(args: { reply: Reply; surface: SlackSurface }): string {
  const { surface } = args;
  const reply = withSlackNotes(args.reply);
  const { actor, ...rest } = surface === 'ephemeral' ? reply : hideSecrets(reply);
  const mention = reply.mention ? `${slackMention(reply.mention)} ` : '';
  // The person is Slack markup (`<@U…>`), so it joins the text after the escaping.
  const credit = actor ? `\n${escapeMrkdwn(inertMrkdwn(actor.did))} by ${slackUser(actor.userId)}` : '';
  return truncate(
    `${mention}${escapeMrkdwn(replyToPlainText(inertReply(rest), { commandLine }))}${credit}`,
    SLACK_LIMITS.fallbackText,
  );
}

/** The reply with its text made inert for mrkdwn; URLs, times and code are left exact. */
function inertReply(reply: Reply): Reply {
  const field = (f: ReplyField): ReplyField => ({
    ...f,
    label: inertMrkdwn(f.label),
    value: f.format === undefined || f.format === 'text' ? inertMrkdwn(f.value) : f.value,
  });
  const badge = (b: Reply['badge']) => (b ? { badge: { ...b, text: inertMrkdwn(b.text) } } : {});
  const link = (l: ReplyLink): ReplyLink => ({ ...l, label: inertMrkdwn(l.label) });
  return {
    ...reply,
    title: inertMrkdwn(reply.title),
    ...badge(reply.badge),
    ...(reply.text ? { text: inertMrkdwn(reply.text) } : {}),
    ...(reply.footer ? { footer: inertMrkdwn(reply.footer) } : {}),
    fields: reply.fields.map(field),
    links: reply.links.map(link),
    ...(reply.list
      ? {
          list: {
            ...reply.list,
            items: reply.list.items.map((item) => ({
              ...item,
              title: inertMrkdwn(item.title),
              ...badge(item.badge),
              fields: item.fields.map(field),
              ...(item.link ? { link: link(item.link) } : {}),
            })),
          },
        }
      : {}),
  };
}

function hideSecrets(reply: Reply): Reply {
  const hide = (fields: ReplyField[]) =>
    fields.map((field) =>
      field.format === 'secret' ? { ...field, value: HIDDEN_SECRET, format: 'text' as const } : field,
    );
  return {
    ...reply,
    fields: hide(reply.fields),
    ...(reply.list
      ? {
          list: {
            ...reply.list,
            items: reply.list.items.map((item) => ({ ...item, fields: hide(item.fields) })),
          },
        }
      : {}),
  };
}

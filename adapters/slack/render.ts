/**
 * Reply -> Slack message: Block Kit `blocks` plus the `text` Slack shows in notifications and to screen
 * readers. Everything a person or the API typed is escaped, so a livestream named `<!channel>` pings nobody,
 * and made inert, so a name cannot fake a badge, a bold field label or a line of its own.
 * Slack rejects a whole message that breaks a Block Kit limit, so every limit is enforced here, as data.
 */
import type { types } from '@slack/bolt';
import { oneLine, withoutInvisible } from '../../src/plain-text.js';
import {
  type Reply,
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
} as const;

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
    default:
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
): { blocks: KnownBlock[]; hidden: number } {
  if (list.items.length === 0)
    return { blocks: [section(`_${mrkdwnText(list.empty ?? 'Nothing to show.')}_`)], hidden: 0 };
  const texts = list.items.map((item, index) => itemText(item, list.offset + index, surface));
  if (texts.length <= budget) return { blocks: texts.map(section), hidden: 0 };
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

/** The reply as Block Kit. `surface` decides whether secret fields are shown or hidden. */
export function renderReply(args: { reply: Reply; surface: SlackSurface }): SlackMessage {
  const { reply, surface } = args;
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
  const context: string[] = [];
  if (reply.list && reply.list.items.length > 0) context.push(escapeMrkdwn(showingLine(reply.list)));
  if (reply.list?.next) context.push(`Next page: \`${escapeMrkdwn(reply.list.next)}\``);
  if (reply.footer) context.push(mrkdwnText(reply.footer));

  if (reply.list) {
    // Room is kept for the links and the one context block (paging line, "not shown" note, footer).
    const reserved = links.length + 1;
    const { blocks: items, hidden } = listBlocks(
      reply.list,
      surface,
      SLACK_LIMITS.blocks - blocks.length - reserved,
    );
    blocks.push(...items);
    if (hidden > 0) {
      context.unshift(
        `${hidden} more on this page did not fit in one Slack message: ask for fewer with \`--per-page\`.`,
      );
    }
  }
  blocks.push(...links, ...contextBlock(context));
  return { text: renderPlainText({ reply, surface }), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** The notification and screen-reader text: the neutral plain text, secrets hidden off the ephemeral surface. */
export function renderPlainText(args: { reply: Reply; surface: SlackSurface }): string {
  const { reply, surface } = args;
  const safe = surface === 'ephemeral' ? reply : hideSecrets(reply);
  const mention = reply.mention ? `${slackMention(reply.mention)} ` : '';
  return truncate(`${mention}${escapeMrkdwn(replyToPlainText(inertReply(safe)))}`, SLACK_LIMITS.fallbackText);
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

/**
 * The platform-neutral reply: what to show and who may see it. Every adapter renders this and nothing
 * else (Block Kit, embeds, terminal text). No markup in here: renderers decide how things look.
 */
import type { Command } from './commands/command.js';
import { oneLine } from './plain-text.js';
import type { LivestreamStatus } from './realtimekit/types.js';

/** `requester`: only the person who asked (Slack ephemeral, Discord ephemeral). `channel`: everyone. */
export type Visibility = 'requester' | 'channel';

/** Drives badge colours and emoji; statuses map onto it with `toneForStatus`. */
export type Tone =
  'live' | 'idle' | 'errored' | 'invoked' | 'offline' | 'unknown' | 'info' | 'success' | 'error';

/**
 * How a field's value should be shown: `time` is ISO 8601, `secret` must never reach a channel, `user`
 * and `role` are a platform's id of a person or a role, which renderers show as their mention (that
 * pings nobody).
 */
export type FieldFormat = 'text' | 'code' | 'time' | 'url' | 'secret' | 'user' | 'role';

export interface ReplyField {
  label: string;
  value: string;
  format?: FieldFormat;
}

export interface Badge {
  text: string;
  tone: Tone;
}

export interface ReplyLink {
  label: string;
  url: string;
}

/** A dialog that asks before a button runs its command (Slack's `confirm` object; others show none). */
export interface ActionConfirm {
  title: string;
  text: string;
  confirm: string;
  deny: string;
}

/**
 * A button that runs a command: a click comes back into the core as that Command, from the person who
 * clicked, authorised, limited and deduplicated like the same command typed.
 */
export interface CommandAction {
  label: string;
  command: Command;
  style?: 'primary' | 'danger';
  confirm?: ActionConfirm;
  /** The answer replaces the message the button is on (paging), instead of coming as a new message. */
  inPlace?: boolean;
}

/** A button that opens a URL (Watch): the platform opens it, no command runs. */
export interface LinkAction {
  label: string;
  url: string;
}

export type ReplyAction = CommandAction | LinkAction;

export function isLinkAction(action: ReplyAction): action is LinkAction {
  return 'url' in action;
}

export interface ReplyItem {
  title: string;
  badge?: Badge;
  fields: ReplyField[];
  link?: ReplyLink;
  /** Buttons for this item alone (Details). */
  actions?: ReplyAction[];
}

export interface ReplyList {
  items: ReplyItem[];
  /** "showing X of Y": `total` is null when the API did not say. */
  total: number | null;
  /** The first item's position in the whole result, 1-based. */
  offset: number;
  /** The command that shows the next page, when there is one: each renderer writes it in its syntax. */
  next?: Command;
  /** What to say when `items` is empty. */
  empty?: string;
}

/** One line of numbers a chart draws: a value per point (per day), oldest first. */
export interface ReplySeries {
  /** What the values are: `Viewer hours`. */
  label: string;
  values: number[];
}

/**
 * An image that is part of the answer (the stats chart): a PNG for the platforms that show images, its
 * description (alt text, and the words where no image can be shown), and the numbers it draws, for a
 * surface that draws them itself (the terminal's sparkline).
 */
export interface ReplyImage {
  png: Uint8Array;
  /** `livestream-stats-2026-11-01-to-2026-11-30.png`: letters, digits, `.`, `-` and `_` only. */
  filename: string;
  alt: string;
  width: number;
  height: number;
  data?: {
    /** Labels of the first and the last point (days). */
    from: string;
    to: string;
    series: ReplySeries[];
  };
}

export interface Reply {
  title: string;
  tone: Tone;
  badge?: Badge;
  /** A short paragraph of plain text. */
  text?: string;
  fields: ReplyField[];
  list?: ReplyList;
  links: ReplyLink[];
  footer?: string;
  /**
   * The bot will post in this channel from now on (subscribe): a platform where the bot must be a member
   * of a channel to post there says how to make it one (Slack: /invite).
   */
  postsHere?: boolean;
  /** Who to ping, as the subscriber wrote it (`@here`, `<@&role>`): renderers put it in the message text. */
  mention?: string;
  /** Buttons under the message (Previous / Next, Details, Stop, Watch), in order. */
  actions?: ReplyAction[];
  /**
   * Who changed shared state with this answer ("Stopped by @ana"): a platform user id, which each
   * renderer shows as its own mention of that person (never a ping).
   */
  actor?: { userId: string; did: string };
  /** A picture with the answer (a chart); the fields and text say the same in words. */
  image?: ReplyImage;
  visibility: Visibility;
}

export function reply(init: Partial<Reply> & Pick<Reply, 'title'>): Reply {
  return { tone: 'info', fields: [], links: [], visibility: 'requester', ...init };
}

/** What a reply says when the bot runs on the demo emulator's made-up livestreams (DEMO=1). */
export const DEMO_NOTICE = 'DEMO: made-up livestreams from a local emulator, not a real RealtimeKit account.';

/** The same reply, marked as demo data in its footer: every renderer shows the footer. */
export function markDemo(value: Reply): Reply {
  if (value.footer?.includes(DEMO_NOTICE)) return value;
  return { ...value, footer: value.footer ? `${value.footer}\n${DEMO_NOTICE}` : DEMO_NOTICE };
}

export function toneForStatus(status: LivestreamStatus): Tone {
  switch (status) {
    case 'LIVE':
      return 'live';
    case 'IDLE':
      return 'idle';
    case 'ERRORED':
      return 'errored';
    case 'INVOKED':
      return 'invoked';
    case 'OFFLINE':
      return 'offline';
    default:
      return 'unknown';
  }
}

export function statusBadge(status: LivestreamStatus, rawStatus: string | null): Badge {
  return {
    text: status === 'UNKNOWN' ? `UNKNOWN (${rawStatus ?? 'none'})` : status,
    tone: toneForStatus(status),
  };
}

/** True when any secret would be shown: renderers and sinks use it to refuse a public post. */
export function containsSecret(value: Reply): boolean {
  const secret = (fields: ReplyField[]) => fields.some((field) => field.format === 'secret');
  return secret(value.fields) || (value.list?.items.some((item) => secret(item.fields)) ?? false);
}

/** How the plain text shows what is not text: buttons and the person who acted. */
export interface PlainTextOptions {
  /**
   * The command a button stands for, as a person would type it (`list --page 2`); null leaves that
   * button out. Without it no button is shown: a notification's fallback text has no use for them.
   */
  actionText?: (action: CommandAction) => string | null;
  /** A person, from their platform user id; default: the id as is. */
  person?: (userId: string) => string;
  /**
   * A command as the reader types it (`/livestream list --page 2`), for the next-page hint. Without it
   * the hint is left out.
   */
  commandLine?: (command: Command) => string;
  /**
   * A list's items laid out another way (the terminal's two-line rows): `items` replaces the lines of
   * every item, `after` follows the "Showing" line. Default: a line per field, link and button.
   */
  listLines?: (list: ReplyList) => { items: string[]; after: string[] };
}

/**
 * A reply as plain text: the terminal's renderer and every platform's notification fallback. Titles,
 * badges, labels and values are one line each (a name holding a line break cannot fake a field line);
 * the paragraph, multi-line code (each line under its label) and the footer keep their lines.
 */
export function replyToPlainText(value: Reply, options: PlainTextOptions = {}): string {
  const lines: string[] = [];
  const badge = (b: Badge | undefined) => (b ? ` [${oneLine(b.text)}]` : '');
  const person = options.person ?? ((userId: string) => userId);
  const fieldValue = (field: ReplyField) =>
    field.format === 'code'
      ? field.value
      : field.format === 'user'
        ? person(oneLine(field.value))
        : field.format === 'role'
          ? `role ${oneLine(field.value)}`
          : oneLine(field.value);
  // A value of several lines (help's arguments and examples) goes under its label, each line indented.
  const fieldLine = (indent: string, field: ReplyField) => {
    const value = fieldValue(field);
    if (!value.includes('\n')) return `${indent}${oneLine(field.label)}: ${value}`;
    const under = value.split('\n').map((line) => `${indent}  ${line}`);
    return [`${indent}${oneLine(field.label)}:`, ...under].join('\n');
  };
  const { actionText } = options;
  // A link button to a URL the text already shows (Watch) would say it twice.
  const shownUrls = new Set([
    ...value.links.map((link) => link.url),
    ...(value.list?.items.flatMap((item) => (item.link ? [item.link.url] : [])) ?? []),
  ]);
  const actionLines = (indent: string, actions: readonly ReplyAction[] | undefined) => {
    if (!actionText) return;
    for (const action of actions ?? []) {
      if (isLinkAction(action) && shownUrls.has(action.url)) continue;
      const target = isLinkAction(action) ? action.url : actionText(action);
      if (target !== null) lines.push(`${indent}→ ${oneLine(action.label)}: ${oneLine(target)}`);
    }
  };
  // Paging shown as buttons makes the typed next-page hint say the same thing twice.
  const pagingShown =
    actionText !== undefined && (value.actions ?? []).some((a) => !isLinkAction(a) && a.inPlace === true);
  lines.push(`${oneLine(value.title)}${badge(value.badge)}`);
  if (value.text) lines.push(value.text);
  for (const field of value.fields) lines.push(fieldLine('  ', field));
  if (value.list) {
    const { items, total, offset } = value.list;
    const laidOut = options.listLines?.(value.list);
    if (items.length === 0) lines.push(`  ${value.list.empty ?? 'Nothing to show.'}`);
    if (laidOut) lines.push(...laidOut.items);
    else
      items.forEach((item, index) => {
        lines.push(`${offset + index}. ${oneLine(item.title)}${badge(item.badge)}`);
        for (const field of item.fields) lines.push(fieldLine('     ', field));
        if (item.link) lines.push(`     ${oneLine(item.link.label)}: ${item.link.url}`);
        actionLines('     ', item.actions);
      });
    if (items.length > 0) lines.push(showingLine(value.list, total));
    if (laidOut) lines.push(...laidOut.after);
    if (value.list.next && options.commandLine && !pagingShown)
      lines.push(`Next page: ${oneLine(options.commandLine(value.list.next))}`);
  }
  // A link to a URL a field shows already (create's Playback URL, as code to copy) would say it twice.
  const fieldValues = new Set(value.fields.map((field) => field.value));
  for (const link of value.links)
    if (!fieldValues.has(link.url)) lines.push(`${oneLine(link.label)}: ${link.url}`);
  actionLines('', value.actions);
  if (value.actor) lines.push(actorLine(value.actor, options.person));
  if (value.footer) lines.push(value.footer);
  return lines.join('\n');
}

/** "Stopped by U123": who changed shared state, one line. */
export function actorLine(actor: NonNullable<Reply['actor']>, person = (userId: string) => userId): string {
  return `${oneLine(actor.did)} by ${person(actor.userId)}`;
}

export function showingLine(list: ReplyList, total: number | null = list.total): string {
  const first = list.offset;
  const last = list.offset + list.items.length - 1;
  return total === null ? `Showing ${first}-${last}` : `Showing ${first}-${last} of ${total}`;
}

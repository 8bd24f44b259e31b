/**
 * A list in the terminal, a row per item so a page fits a window: its title and badge, then its facts
 * side by side (`ID: … · Created: 3 min ago`). An item's link (a playback URL) is left to its Details;
 * buttons that differ only by the item they act on are said once under the list (`show <id>`).
 */
import { oneLine } from '../../src/plain-text.js';
import {
  type CommandAction,
  isLinkAction,
  type ReplyField,
  type ReplyItem,
  type ReplyList,
} from '../../src/reply.js';
import { timeAgo, type TimeView } from './time.js';
import { FACT_SEPARATOR } from './wrap.js';

export function listRows(
  list: ReplyList,
  times: TimeView,
  actionText: (action: CommandAction) => string | null,
): { items: string[]; after: string[] } {
  const commands = list.items.map((item) => commandsOf(item, actionText));
  const shared = sharedHints(list.items, commands);
  const items = list.items.flatMap((item, index) => {
    const head = `${list.offset + index}. `;
    const indent = ' '.repeat(head.length);
    const lines = [`${head}${oneLine(item.title)}${item.badge ? ` [${oneLine(item.badge.text)}]` : ''}`];
    if (item.fields.length > 0)
      lines.push(`${indent}${item.fields.map((field) => fact(field, times)).join(FACT_SEPARATOR)}`);
    // Without a button to its details, the link is the only way to it: keep it.
    if (item.link && (commands[index] ?? []).length === 0)
      lines.push(`${indent}${oneLine(item.link.label)}: ${item.link.url}`);
    if (!shared)
      for (const { label, text } of commands[index] ?? []) lines.push(`${indent}→ ${label}: ${text}`);
    return lines;
  });
  return { items, after: (shared ?? []).map(({ label, text }) => `→ ${label}: ${text}`) };
}

interface Hint {
  label: string;
  text: string;
}

function fact(field: ReplyField, times: TimeView): string {
  const value =
    field.format === 'time'
      ? timeAgo(field.value, times)
      : field.format === 'role'
        ? `role ${field.value}`
        : field.value;
  return `${oneLine(field.label)}: ${oneLine(value)}`;
}

function commandsOf(item: ReplyItem, actionText: (action: CommandAction) => string | null): Hint[] {
  return (item.actions ?? []).flatMap((action) => {
    if (isLinkAction(action)) return [];
    const text = actionText(action);
    return text === null ? [] : [{ label: oneLine(action.label), text: oneLine(text) }];
  });
}

/**
 * The buttons of every item, once, when they are the same but for the item they act on: each names
 * its item by one of the item's code fields (the id), which becomes a placeholder (`show <id>`).
 * Null when they differ, so each row keeps its own.
 */
function sharedHints(items: readonly ReplyItem[], commands: readonly Hint[][]): Hint[] | null {
  let shared: Hint[] | null = null;
  for (const [index, item] of items.entries()) {
    const general = (commands[index] ?? []).map((hint) => generalised(hint, item.fields));
    if (general.some((hint) => hint === null)) return null;
    const hints = general as Hint[];
    if (shared === null) shared = hints;
    else if (!sameHints(shared, hints)) return null;
  }
  return shared;
}

function generalised(hint: Hint, fields: readonly ReplyField[]): Hint | null {
  const named = fields.find(
    (field) => field.format === 'code' && field.value !== '' && hint.text.includes(field.value),
  );
  if (!named) return null;
  const placeholder = `<${oneLine(named.label).toLowerCase().replace(/\s+/g, '_')}>`;
  return { label: hint.label, text: hint.text.replace(named.value, placeholder) };
}

function sameHints(a: readonly Hint[], b: readonly Hint[]): boolean {
  return (
    a.length === b.length && a.every((hint, i) => hint.label === b[i]?.label && hint.text === b[i]?.text)
  );
}

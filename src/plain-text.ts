/**
 * Text that came from outside (a livestream name from the API, a name someone typed) is data: it must
 * not reorder, hide or break the lines around it. These helpers make such text plain; each platform's
 * renderer then makes it literal in that platform's markup.
 */

/**
 * Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) and zero-width characters
 * (U+200B–U+200D, U+2060, U+FEFF): invisible, and able to reverse or disguise the text around them.
 */
const INVISIBLE = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;

/** C0 and C1 control characters (line breaks, tabs, ESC of ANSI codes, DEL...). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001F\u007F-\u009F]+/g;

export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** For a one-line slot (a title, a field value): no invisible characters; breaks and controls become a space. */
export function oneLine(text: string): string {
  return withoutInvisible(text).replace(CONTROLS, ' ');
}

/** A livestream name as the bot keeps and shows it: one line, nothing invisible; null when nothing is left. */
export function cleanName(raw: string): string | null {
  const name = oneLine(raw).trim();
  return name === '' ? null : name;
}

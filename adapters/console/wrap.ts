/**
 * Word-wrap for the terminal: lines are cut between words, never inside one, so a URL or an id stays
 * whole. A word longer than the room left by its indent gets a line of its own at the left edge; one
 * longer than the width runs past the edge, where the terminal folds it (copying still gives it whole).
 */

/** Narrower than this, wrapping would cost more lines than it saves: lines are cut no shorter. */
const MIN_WIDTH = 20;
/** How far a field's further lines sit under its label's start. */
const FIELD_HANG = 2;
/**
 * `  Label: value`: an indented field line of replyToPlainText, a label then colon and space. Labels
 * may be long (help's are whole usages): every field continues at the same depth.
 */
const FIELD_LINE = /^\s+[^\s:][^:]*: /;
/** Between two facts of a terminal list row (list-rows.ts): where such a row breaks first. */
export const FACT_SEPARATOR = ' · ';
/** `12. Title`: a list item, whose further lines go under its title. */
const ITEM_LINE = /^\s*\d+\. /;

/** Each line of `text` wrapped to `width` columns (characters; wide characters count as one). */
export function wrapText(text: string, width: number): string {
  const columns = Math.max(MIN_WIDTH, Math.floor(width));
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, columns))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = line.length - line.trimStart().length;
  const hang = ' '.repeat(Math.min(hangOf(line, indent), width - MIN_WIDTH / 2));
  const lines: string[] = [];
  let current = line.slice(0, indent);
  let empty = true;
  const place = (word: string, joiner: string) => {
    if (empty) {
      current += word;
      empty = false;
    } else if (current.length + joiner.length + word.length <= width) {
      current += `${joiner}${word}`;
    } else {
      lines.push(current);
      // A word too long for its indent (a URL) starts at the edge when it fits there: unfolded, it copies whole.
      current = hang.length + word.length > width && word.length <= width ? word : hang + word;
    }
  };
  // A row of facts (`ID: … · Created: …`) breaks between facts: one that fits a line of its own is not
  // split from its label. The separator at a break is dropped.
  for (const [index, fact] of line.slice(indent).split(FACT_SEPARATOR).entries()) {
    const joiner = index === 0 ? ' ' : FACT_SEPARATOR;
    const whole = fact.trim();
    if (
      !empty &&
      current.length + joiner.length + whole.length > width &&
      hang.length + whole.length <= width
    ) {
      lines.push(current);
      current = hang + whole;
      continue;
    }
    fact
      .split(/ +/)
      .filter(Boolean)
      .forEach((word, i) => place(word, i === 0 ? joiner : ' '));
  }
  lines.push(current);
  return lines;
}

/** Where a line's continuation starts: under an item's title, a little deeper than a field, else aligned. */
function hangOf(line: string, indent: number): number {
  const item = ITEM_LINE.exec(line);
  if (item) return item[0].length;
  return FIELD_LINE.test(line) ? indent + FIELD_HANG : indent;
}

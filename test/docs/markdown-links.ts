/**
 * What the docs link check needs: the relative links of a Markdown file (outside code), GitHub's heading
 * anchors, and the `docs/…` paths named in code. Pure functions over text; the test reads the files.
 */

export interface MarkdownLink {
  /** As written, e.g. `docs/slack.md#settings`, `../manifest.yml`, `#limits`. */
  target: string;
  line: number;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;
const FENCE_OPEN = /^\s{0,3}(`{3,}|~{3,})/;
const FENCE_CLOSE = /^\s{0,3}(`{3,}|~{3,})\s*$/;

/** Each line of `text` with fenced code blocks blanked out (line numbers kept). */
function proseLines(text: string): string[] {
  let fence: string | null = null;
  return text.split('\n').map((line) => {
    if (fence === null) {
      fence = FENCE_OPEN.exec(line)?.[1] ?? null;
      return fence === null ? line : '';
    }
    const closing = FENCE_CLOSE.exec(line)?.[1];
    if (closing && closing[0] === fence[0] && closing.length >= fence.length) fence = null;
    return '';
  });
}

/** Inline code spans removed: `[a](b)` inside backticks is not a link. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[^`]*?\1/g, '');
}

/**
 * Links and images (`[text](target)`, `![alt](target)`, `[text](<target>)`), reference definitions
 * (`[name]: target`) and HTML `href`/`src` attributes whose target is not an external URL.
 */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(markdown).forEach((raw, index) => {
    const line = withoutCodeSpans(raw);
    const targets: string[] = [];
    for (const match of line.matchAll(/\]\(\s*(?:<([^>]*)>|([^)\s]+))(?:\s+["'(][^)]*)?\)/g)) {
      targets.push(match[1] ?? match[2]!);
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^>\s]+)>?/.exec(line);
    if (definition) targets.push(definition[1]!);
    for (const match of line.matchAll(/\b(?:href|src)="([^"]+)"/g)) targets.push(match[1]!);
    for (const target of targets) {
      if (!EXTERNAL.test(target)) links.push({ target, line: index + 1 });
    }
  });
  return links;
}

/** GitHub's anchor for a heading's text (github-slugger): lower case, punctuation dropped, spaces to `-`. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*]/g, '') // code and emphasis markers
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats numbered as GitHub does). */
export function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const counts = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    found.add(seen === 0 ? base : `${base}-${seen}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) found.add(match[1]!);
  return found;
}

/**
 * `docs/…` paths named in source text (comments, messages, YAML comments), relative to the repository
 * root, with any `#anchor`. A `docs/` inside a URL (`https://discord.com/developers/docs/…`) is not one.
 */
export function docsPathsIn(source: string): MarkdownLink[] {
  const paths: MarkdownLink[] = [];
  source.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/(?<![\w/.-])docs\/[\w./-]*[\w](?:#[\w-]+)?/g)) {
      paths.push({ target: match[0], line: index + 1 });
    }
  });
  return paths;
}

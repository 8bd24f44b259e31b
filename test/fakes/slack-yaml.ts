/**
 * Just enough YAML to read manifest.yml without a dependency: block maps, block lists (of scalars or
 * maps), comments, quoted and plain scalars, booleans, integers. Anything else (flow collections,
 * block scalars, anchors, tabs) throws, so the manifest cannot drift into syntax this reads wrongly.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  number: number;
}

function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ')) return text.slice(0, i).trimEnd();
  }
  return text.trimEnd();
}

function scalar(raw: string, line: Line): YamlValue {
  const text = raw.trim();
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw new Error(`line ${line.number}: unterminated "string"`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new Error(`line ${line.number}: unterminated 'string'`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{|>&*!%@`]/.test(text)) throw new Error(`line ${line.number}: unsupported YAML: ${text}`);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~' || text === '') return null;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/: |:$/.test(text)) throw new Error(`line ${line.number}: ambiguous plain scalar: ${text}`);
  return text;
}

const KEY = /^("[^"]*"|'[^']*'|[^\s:#'"][^:#]*?):(?:\s+(.*))?$/;

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, index) => {
    if (raw.includes('\t')) throw new Error(`line ${index + 1}: tabs are not YAML indentation`);
    const text = stripComment(raw);
    if (text.trim() === '' || text.trim() === '---') return;
    const indent = text.length - text.trimStart().length;
    lines.push({ indent, text: text.trimStart(), number: index + 1 });
  });
  let at = 0;

  const block = (indent: number): YamlValue => {
    const first = lines[at];
    if (!first || first.indent < indent) return null;
    return first.text.startsWith('- ') || first.text === '-' ? list(first.indent) : map(first.indent);
  };

  const map = (indent: number): YamlValue => {
    const out: Record<string, YamlValue> = {};
    while (at < lines.length && lines[at]!.indent === indent && !lines[at]!.text.startsWith('-')) {
      const line = lines[at]!;
      const match = KEY.exec(line.text);
      if (!match) throw new Error(`line ${line.number}: expected "key: value", got ${line.text}`);
      const key = String(scalar(match[1]!, line));
      if (key in out) throw new Error(`line ${line.number}: duplicate key ${key}`);
      at += 1;
      if (match[2] !== undefined && match[2] !== '') out[key] = scalar(match[2], line);
      else {
        const next = lines[at];
        const nested =
          next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')));
        out[key] = nested ? block(next.indent) : null;
      }
    }
    return out;
  };

  const list = (indent: number): YamlValue => {
    const out: YamlValue[] = [];
    while (at < lines.length && lines[at]!.indent === indent && lines[at]!.text.startsWith('-')) {
      const line = lines[at]!;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        at += 1;
        out.push(block(indent + 1));
      } else if (KEY.test(rest) && !rest.startsWith('"') && !rest.startsWith("'")) {
        // "- key: value" opens a map whose keys sit where "key" starts.
        const inner = indent + (line.text.length - rest.length);
        lines[at] = { ...line, indent: inner, text: rest };
        out.push(map(inner));
      } else {
        at += 1;
        out.push(scalar(rest, line));
      }
    }
    return out;
  };

  const value = block(0);
  if (at < lines.length) throw new Error(`line ${lines[at]!.number}: unexpected indentation`);
  return value;
}

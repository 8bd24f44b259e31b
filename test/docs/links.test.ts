/**
 * Every link a reader can follow works: each relative link in every Markdown file of the repository
 * (README, docs/, bench/README.md…) points at a file that exists, and at a heading that exists when it
 * names one; every `docs/…` path that code, the Slack manifest or `.env.example` mentions exists; and no
 * file points at notes outside the repository, which a user of it does not have.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchors, docsPathsIn, type MarkdownLink, relativeLinks, slug } from './markdown-links.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Tracked files, and new ones not ignored: what the repository holds once committed. */
function repositoryFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
}

const files = repositoryFiles();
const markdownFiles = files.filter((file) => file.endsWith('.md'));
/** Where code may name a page of the docs. */
const CODE =
  /^(src|adapters|scripts|bench)\/.*\.(ts|mjs|js)$|^deploy\/|^(manifest\.yml|\.env\.example|package\.json|Dockerfile|\.dockerignore)$/;
const codeFiles = files.filter((file) => CODE.test(file));

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** What is wrong with `target` as seen from `fromDir` (repository-relative), or null when it works. */
function brokenReason(fromFile: string, fromDir: string, target: string): string | null {
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
  const path = decodeURIComponent(rawPath);
  const file = path === '' ? fromFile : relative(ROOT, resolve(ROOT, fromDir, path));
  if (file.startsWith('..')) return 'points outside the repository';
  if (!existsSync(join(ROOT, file))) return `${file} does not exist`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(join(ROOT, file)).isDirectory() || !file.endsWith('.md'))
    return `#${anchor} on a non-Markdown file`;
  return anchors(read(file)).has(anchor) ? null : `${file} has no heading #${anchor}`;
}

function problemsIn(file: string, links: MarkdownLink[], fromDir: string): string[] {
  return links.flatMap(({ target, line }) => {
    const reason = brokenReason(file, fromDir, target);
    return reason === null ? [] : [`${file}:${line}: ${target}: ${reason}`];
  });
}

describe('the docs link check itself', () => {
  it('finds relative links outside code, and leaves external ones and code alone', () => {
    const sample = [
      'See [Slack](docs/slack.md#1-create-the-app), ![shot](img/a.png "title") and [here](#limits).',
      '[web](https://example.com) <https://example.com> `[not](a-link.md)`',
      '[ref]: ../manifest.yml',
      '```md',
      '[inside](a/fence.md)',
      '```',
      '<a href="docs/x.md">x</a>',
    ].join('\n');
    expect(relativeLinks(sample).map((link) => [link.target, link.line])).toEqual([
      ['docs/slack.md#1-create-the-app', 1],
      ['img/a.png', 1],
      ['#limits', 1],
      ['../manifest.yml', 3],
      ['docs/x.md', 7],
    ]);
  });

  it('makes anchors the way GitHub does', () => {
    expect(slug('3. Register `/livestream`')).toBe('3-register-livestream');
    expect(slug('What "exactly once" means here')).toBe('what-exactly-once-means-here');
    expect(slug('State: `DATA_DIR`')).toBe('state-data_dir');
    expect([...anchors('# A\n## Limits\n```\n# not a heading\n```\n## Limits\n')]).toEqual([
      'a',
      'limits',
      'limits-1',
    ]);
  });

  it('finds docs paths in code, but not in URLs', () => {
    const source = [
      "write('See docs/discord.md for every setting.');",
      '/** https://discord.com/developers/docs/resources/message#embed-object */',
      '# to the slash command (see docs/slack.md#http-mode-instead-of-socket-mode).',
    ].join('\n');
    expect(docsPathsIn(source).map((p) => p.target)).toEqual([
      'docs/discord.md',
      'docs/slack.md#http-mode-instead-of-socket-mode',
    ]);
  });

  it('reports a missing file and a missing heading', () => {
    expect(brokenReason('README.md', '.', 'docs/no-such-page.md')).toMatch(/does not exist/);
    expect(brokenReason('README.md', '.', 'README.md#no-such-heading')).toMatch(/no heading/);
    expect(brokenReason('README.md', '.', '../elsewhere.md')).toMatch(/outside the repository/);
  });
});

describe('links in the repository', () => {
  it('covers the landing page and the docs', () => {
    expect(markdownFiles).toEqual(expect.arrayContaining(['README.md', 'bench/README.md']));
    expect(markdownFiles.filter((file) => file.startsWith('docs/')).length).toBeGreaterThanOrEqual(6);
    expect(codeFiles).toEqual(expect.arrayContaining(['manifest.yml', '.env.example', 'Dockerfile']));
    // The README is the way in: it links to every page of docs/.
    const fromReadme = new Set(relativeLinks(read('README.md')).map((link) => link.target.split('#')[0]));
    const pages = markdownFiles.filter((file) => /^docs\/[^/]+\.md$/.test(file));
    expect(pages.filter((page) => !fromReadme.has(page))).toEqual([]);
  });

  it.each(markdownFiles)('every relative link in %s works', (file) => {
    expect(problemsIn(file, relativeLinks(read(file)), dirname(file))).toEqual([]);
  });

  it('every docs/… path named in code, the manifest or .env.example exists', () => {
    const problems = codeFiles.flatMap((file) => problemsIn(file, docsPathsIn(read(file)), '.'));
    expect(problems).toEqual([]);
  });

  it('no file points at notes outside the repository', () => {
    const outside = files
      .filter((file) => CODE.test(file) || file.endsWith('.md') || /^test\/.*\.ts$/.test(file))
      .filter((file) => file !== 'test/docs/links.test.ts')
      .flatMap((file) =>
        read(file)
          .split('\n')
          .flatMap((line, index) =>
            /NOTES\.md|\/work\/|\.\.\/shared\//.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [],
          ),
      );
    expect(outside).toEqual([]);
  });
});

/**
 * `.env.example` and docs/configuration.md, written from the settings schema (src/settings.ts) by
 * `npm run settings:docs`; test/settings-docs.test.ts fails when the committed files differ.
 * Pure functions: the script writes, the test compares.
 */
import {
  mustOf,
  SETTING_GROUPS,
  SETTING_NAMES,
  type SettingGroupId,
  type SettingName,
  settingSpec,
} from './settings.js';

export const SETTINGS_DOCS_COMMAND = 'npm run settings:docs';

/** Each generated file, by its path from the repository root. */
export const GENERATED_SETTINGS_FILES: readonly { path: string; render: () => string }[] = [
  { path: '.env.example', render: renderEnvExample },
  { path: 'docs/configuration.md', render: renderConfigurationDoc },
];

const GROUP_IDS = Object.keys(SETTING_GROUPS) as SettingGroupId[];

function settingsOf(group: SettingGroupId): SettingName[] {
  return SETTING_NAMES.filter((name) => settingSpec(name).group === group);
}

/** The default as text (Markdown code spans kept), or null when there is none to show. */
function defaultOf(name: SettingName): string | null {
  const spec = settingSpec(name);
  if (spec.defaultText !== undefined) return spec.defaultText;
  return 'default' in spec && spec.default !== undefined ? `\`${spec.default}\`` : null;
}

/** Everything the schema says about a setting besides its default, as sentences. */
function sentencesOf(name: SettingName): string {
  const spec = settingSpec(name);
  const must = mustOf(spec);
  return [
    spec.description,
    ...(must ? [`Must ${must}.`] : []),
    ...(spec.secret ? ['Secret: never logged, never shown in a problem.'] : []),
  ].join(' ');
}

/** Markdown to plain text for a comment: links become their target, from the repository root. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\(([^)]+)\)/g, (_all, _label: string, target: string) =>
    /^[a-z]+:/.test(target) ? target : `docs/${target}`,
  );
}

/** Words wrapped into `# ` comment lines of at most `width` characters (a longer word stays whole). */
function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  if (line !== '#') lines.push(line);
  return lines;
}

export function renderEnvExample(): string {
  const out: string[] = [
    ...comment(
      'livestream-chatops settings: copy this file to .env and fill in what you use; an empty value counts as unset. ' +
        'With none of the three Cloudflare settings, `npm start` runs the offline demo. ' +
        'Every setting is described in docs/configuration.md.',
    ),
    ...comment(
      `Generated from src/settings.ts by \`${SETTINGS_DOCS_COMMAND}\`: edit the schema there, not this file.`,
    ),
  ];
  for (const group of GROUP_IDS) {
    const { title, intro, inEnvFile } = SETTING_GROUPS[group];
    if (inEnvFile === false) continue;
    out.push('', `# --- ${title} ---`, ...comment(plain(intro)));
    for (const name of settingsOf(group)) {
      const fallback = defaultOf(name);
      out.push(
        '',
        ...comment(
          plain(`${sentencesOf(name)}${fallback ? ` Default: ${fallback.replaceAll('`', '')}` : ''}`),
        ),
        `${name}=`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function cell(markdown: string): string {
  return markdown.replaceAll('|', '\\|');
}

export function renderConfigurationDoc(): string {
  const out: string[] = [
    '# Configuration',
    '',
    `<!-- Generated from src/settings.ts by \`${SETTINGS_DOCS_COMMAND}\`: edit the schema there, not this file. -->`,
    '',
    'The bot reads its settings from environment variables when it starts. `npm start` and `npm run discord:register` also read a `.env` file in the working directory; a variable set in the environment wins over the same one in `.env`. [`.env.example`](../.env.example) lists every setting: copy it to `.env` and fill in what you use.',
    '',
    '- Values are trimmed, and an empty value counts as unset: a line such as `PORT=` keeps the default.',
    '- With none of `CLOUDFLARE_API_TOKEN`, `CLOUDFLARE_ACCOUNT_ID` and `REALTIMEKIT_APP_ID`, `npm start` runs the offline demo: an embedded RealtimeKit emulator with made-up livestreams stands in for the API. With neither Slack nor Discord configured, the terminal is the chat.',
    "- A wrong or missing setting stops the start with one message that lists every problem, names each variable and says what to do. Secret values are never shown there, and never logged. A setting is checked only where it is used: a platform's settings only when that platform is configured, `PORT` only in Slack's HTTP mode or with `PUBLIC_URL` (webhooks), which listen on it. A notify channel without its platform is a problem, since nothing would be posted there.",
  ];
  for (const group of GROUP_IDS) {
    const { title, intro, notes = [] } = SETTING_GROUPS[group];
    out.push('', `## ${title}`, '', intro, '', '| Setting | Default | Description |', '| --- | --- | --- |');
    for (const name of settingsOf(group)) {
      out.push(`| \`${name}\` | ${cell(defaultOf(name) ?? '')} | ${cell(sentencesOf(name))} |`);
    }
    for (const note of notes) out.push('', note);
  }
  out.push(
    '',
    '## Changing a setting',
    '',
    `Every setting is declared once, in \`src/settings.ts\`: its type, default, group, description and whether it is secret. Validation and its messages come from there, and \`${SETTINGS_DOCS_COMMAND}\` writes this page and \`.env.example\` from it. \`npm test\` fails while either differs from what the schema generates.`,
  );
  return `${out.join('\n')}\n`;
}

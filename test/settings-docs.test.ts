import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_SETTINGS_FILES, renderConfigurationDoc, renderEnvExample } from '../src/settings-docs.js';
import { SETTING_GROUPS, SETTING_NAMES, settingSpec } from '../src/settings.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function committed(path: string): string | null {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return null;
  }
}

describe('files generated from the settings schema', () => {
  it.each(GENERATED_SETTINGS_FILES.map((file) => [file.path, file] as const))(
    '%s is what src/settings.ts generates',
    (path, file) => {
      expect(
        committed(path),
        `${path} differs from the settings schema (src/settings.ts): run \`npm run settings:docs\` and commit the result`,
      ).toBe(file.render());
    },
  );

  it('list every setting once (.env.example those read from .env), with its description', () => {
    const env = renderEnvExample();
    const doc = renderConfigurationDoc();
    for (const name of SETTING_NAMES) {
      const inEnvFile = SETTING_GROUPS[settingSpec(name).group].inEnvFile ?? true;
      expect(env.split('\n').filter((line) => line === `${name}=`)).toHaveLength(inEnvFile ? 1 : 0);
      const rows = doc.split('\n').filter((line) => line.startsWith(`| \`${name}\` |`));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain(settingSpec(name).description.slice(0, 40));
    }
  });

  it('.env.example gives no value, so that copying it sets nothing by accident', () => {
    for (const line of renderEnvExample().split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[A-Z0-9_]+=$/);
    }
  });

  it('keeps .env.example comments within 100 columns, except a word too long to break', () => {
    for (const line of renderEnvExample().split('\n')) {
      if (line.length > 100) expect(line.split(' ')).toHaveLength(2);
    }
  });
});

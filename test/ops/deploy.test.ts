/**
 * The Dockerfile and the systemd unit cannot be run here (no Docker engine, no systemd), so what can be
 * checked is checked: their start command is package.json's start script and its bundle; the build
 * command really writes that bundle; the image is multi-stage, runs as a non-root user with DATA_DIR on
 * a volume, and its HEALTHCHECK command (run for real against the bundled bot) reaches /healthz on the
 * image's METRICS_PORT; .dockerignore keeps node_modules, .git, state and secrets out of the build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../build-bundle.js';
import { startBot, stopAll } from '../faults/bot-process.js';

afterEach(async () => {
  await stopAll();
});

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const packageJson = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  engines: { node: string };
};

/** The start script's node command as argv: `node --flags… dist/src/main.js`. */
const startArgv = packageJson.scripts.start!.split(/\s+/);

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage (FROM first). */
function dockerStages(text: string): Instruction[][] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1]!, args: match[2]!.trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    // Before the first FROM there are only global ARGs: no stage.
    stages[stages.length - 1]?.push(instruction);
  }
  return stages;
}

const stages = dockerStages(read('Dockerfile'));
const finalStage = stages[stages.length - 1]!;
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
const one = (stage: Instruction[], keyword: string) => {
  const found = all(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!.args;
};
/** `ENV A=1 B=2` lines of the final stage, as a map. */
const imageEnv = Object.fromEntries(
  all(finalStage, 'ENV').flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
);

describe('Dockerfile', () => {
  it('is multi-stage on the official Node image, of the Node major .nvmrc names', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nodeMajor = read('.nvmrc').trim();
    expect(read('Dockerfile')).toContain(`ARG NODE_VERSION=${nodeMajor}`);
    for (const stage of stages) expect(stage[0]!.args).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim\b/);
    expect(packageJson.engines.node).toContain(`>=${nodeMajor}`);
  });

  it('starts what `npm start` starts: the same node flags and bundle, without npm in between', () => {
    const cmd = JSON.parse(one(finalStage, 'CMD')) as string[];
    expect(cmd).toEqual(startArgv);
    expect(JSON.parse(one(finalStage, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--']);
    // The start script's bundling step (prestart) is the build command of the first stage.
    expect(packageJson.scripts.prestart).toBe('node scripts/build.mjs');
  });

  it("the build stage's build command writes the bundle the start command runs, and the image copies it", () => {
    const build = all(stages[0]!, 'RUN').find((i) => i.args.startsWith('node scripts/build.mjs'))!;
    const entries = build.args.split('&&')[0]!.trim().split(/\s+/).slice(2);
    expect(entries).toContain('src/main.ts');
    const outdir = mkdtempSync(join(tmpdir(), 'docker-build-'));
    try {
      execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir, ...entries], { cwd: ROOT });
      // The image's CMD runs dist/src/main.js; dist/ is build.mjs's default outdir.
      const bundle = startArgv[startArgv.length - 1]!;
      expect(bundle).toBe('dist/src/main.js');
      expect(existsSync(join(outdir, bundle.replace(/^dist\//, '')))).toBe(true);
      expect(existsSync(join(outdir, 'adapters/discord/register-cli.js'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
    const copies = all(finalStage, 'COPY').map((i) => i.args);
    expect(copies).toEqual(
      expect.arrayContaining([
        '--from=build /app/package.json ./package.json',
        '--from=build /app/node_modules ./node_modules',
        '--from=build /app/dist ./dist',
      ]),
    );
    // Every path the build stage copies from the context exists (and is not ignored, below).
    for (const copy of all(stages[0]!, 'COPY')) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
  });

  it('runs as the non-root node user, production mode, DATA_DIR on a volume', () => {
    expect(one(finalStage, 'USER')).toBe('node');
    expect(imageEnv.NODE_ENV).toBe('production');
    expect(imageEnv.DATA_DIR).toBe('/data');
    expect(JSON.parse(one(finalStage, 'VOLUME'))).toEqual([imageEnv.DATA_DIR]);
    // Created and handed to the user before the VOLUME line, so a new named volume is writable.
    const chown = all(finalStage, 'RUN').find((i) => i.args.includes(`chown node:node ${imageEnv.DATA_DIR}`));
    expect(chown).toBeDefined();
    expect(finalStage.indexOf(chown!)).toBeLessThan(finalStage.findIndex((i) => i.keyword === 'VOLUME'));
  });

  it('HEALTHCHECK asks /healthz on METRICS_PORT (set in the image, exposed), and works against the real bot', async () => {
    expect(imageEnv.METRICS_PORT).toMatch(/^\d+$/);
    expect(one(finalStage, 'EXPOSE').split(/\s+/)).toContain(imageEnv.METRICS_PORT);
    const healthcheck = one(finalStage, 'HEALTHCHECK');
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    const run = (port: string) =>
      spawnSync(command[0]!, command.slice(1), {
        env: { ...process.env, METRICS_PORT: port },
        timeout: 10_000,
      });

    // Nothing listening: unhealthy.
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = String((free.address() as AddressInfo).port);
    await new Promise<void>((resolve) => free.close(() => resolve()));
    expect(run(port).status).toBe(1);

    // The bundled bot (the terminal demo) serving METRICS_PORT: healthy.
    const bot = startBot({ METRICS_PORT: port, LOG_LEVEL: 'info' });
    await bot.waitForLog('health and metrics listening');
    expect(run(port).status).toBe(0);
    bot.end();
    expect(await bot.exited).toMatchObject({ code: 0 });
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps dependencies, history, state, secrets and builds out of the build context', () => {
    for (const excluded of ['node_modules', '.git', 'data', '.env', 'dist', 'dist-test', 'coverage'])
      expect(patterns, excluded).toContain(excluded);
  });

  it('does not exclude what the Dockerfile copies', () => {
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts', 'src', 'adapters'])
      expect(patterns).not.toContain(needed);
  });
});

describe('systemd unit (deploy/livestream-chatops.service)', () => {
  const unit = read('deploy/livestream-chatops.service');
  const value = (key: string) =>
    unit
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .map((line) => line.slice(key.length + 1));

  it('runs npm start’s build and node command, as a non-root user, restarting on failure', () => {
    expect(value('ExecStartPre')).toEqual([`/usr/bin/${packageJson.scripts.prestart}`]);
    expect(value('ExecStart')).toEqual([`/usr/bin/${packageJson.scripts.start}`]);
    expect(value('User')).toEqual([expect.not.stringMatching(/^root$/)]);
    expect(value('Restart')).toEqual(['on-failure']);
    expect(value('Environment')).toContain('METRICS_PORT=9464');
    // The checkout stays writable under ProtectSystem=strict: dist/ and the default DATA_DIR are in it.
    expect(value('ReadWritePaths')).toEqual(value('WorkingDirectory'));
  });
});

/**
 * The disk under DATA_DIR: unwritable at start (a clear error naming DATA_DIR, before anything runs), and
 * failing mid-run (a store whose writes throw, as on a full disk): nothing half-written, the file intact,
 * the cycle retried with backoff, and every notice told once when the store works again.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore, StoreOpenError } from '../../src/notify/sqlite-store.js';
import type { CycleCommit, NotifyStore } from '../../src/notify/store.js';
import {
  createRig,
  integrityCheck,
  queryState,
  type Rig,
  SQLITE_FILE,
  sentLines,
  subscribe,
} from './support.js';
import { type BotProcess, botEnv, startBot, stopAll } from './bot-process.js';

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'faults-disk-'));
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('DATA_DIR unusable at start', () => {
  // Root ignores permission bits, so "unwritable" is made of paths no one can create.
  const cases: [string, () => string][] = [
    ['under a regular file', () => join(writeFile('plain-file'), 'state')],
    ['a regular file itself', () => writeFile('not-a-dir')],
    ['under /dev/null', () => '/dev/null/state'],
  ];
  function writeFile(name: string): string {
    const path = join(scratch, name);
    writeFileSync(path, 'x');
    return path;
  }

  it.each(cases)('DATA_DIR %s: StoreOpenError naming DATA_DIR and the path', async (_, make) => {
    const dir = make();
    let error: unknown = null;
    try {
      await openSqliteStore(dir).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(/^DATA_DIR .* cannot hold the notification state/);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toContain('Point DATA_DIR at a writable folder');
  });

  it('the app refuses to start with it, before reaching any API or chat', async () => {
    const dir = join(writeFile('plain-file'), 'state');
    const config = loadConfig({
      CLOUDFLARE_API_TOKEN: 'tok',
      CLOUDFLARE_ACCOUNT_ID: 'acct',
      REALTIMEKIT_APP_ID: 'app',
      // Nothing listens here: a start that got as far as polling would be refused by it, not by DATA_DIR.
      CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:9/client/v4',
      DATA_DIR: dir,
    });
    const io = { stdin: process.stdin, stdout: process.stdout, interactive: false };
    await expect(startApp(config, silentLogger, io)).rejects.toThrow(StoreOpenError);
    await expect(startApp(config, silentLogger, io)).rejects.toThrow(dir);
  });
});

describe('a damaged database at start', () => {
  /** A state file this bot wrote, with enough deliveries to span many pages; closed again. */
  async function writtenState(dir: string): Promise<string> {
    const store = openSqliteStore(dir);
    await subscribe(store, 'slack', 'C1');
    const targets = Array.from({ length: 20 }, (_, i) => ({
      platform: 'slack' as const,
      channelId: `C${i}`,
      mention: null,
    }));
    for (let i = 0; i < 200; i++) {
      const stream = { id: `stream-${i}`, name: `Show ${i}`, status: 'LIVE' as const };
      await store.enqueue({ kind: 'live', at: new Date(0).toISOString(), stream } as never, targets);
    }
    await store.close();
    return join(dir, SQLITE_FILE);
  }

  /** Overwrites one page (4 KiB) in the middle of the file with a fixed pattern. */
  function scribbleOverPage(file: string): void {
    const pages = Math.floor(statSync(file).size / 4096);
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(pages / 2) * 4096);
    } finally {
      closeSync(fd);
    }
  }

  const damage: [string, (dir: string) => void | Promise<void>, RegExp][] = [
    [
      'is not a database at all',
      (dir) => writeFileSync(join(dir, SQLITE_FILE), 'x'.repeat(5000)),
      /is not a database/,
    ],
    [
      'was cut short (truncated)',
      async (dir) => {
        const file = await writtenState(dir);
        truncateSync(file, Math.floor(statSync(file).size / 2));
      },
      /malformed/,
    ],
    ['has a page scribbled over', async (dir) => scribbleOverPage(await writtenState(dir)), /quick_check/],
    ['is a folder', (dir) => mkdirSync(join(dir, SQLITE_FILE)), /is not a file/],
  ];

  it.each(damage)(
    'a state file that %s: StoreOpenError naming DATA_DIR, the file and what to do',
    async (_, make, reason) => {
      await make(scratch);
      let error: unknown = null;
      try {
        await openSqliteStore(scratch).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreOpenError);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^DATA_DIR ${scratch}: its notification state ${SQLITE_FILE} `));
      expect(message).toMatch(reason);
      expect(message).toContain('restore it from a backup, or move it');
      expect(message).not.toContain('Point DATA_DIR at a writable folder');
      expect((error as StoreOpenError).kind).toBe('damaged');
    },
  );

  const foreign: [string, string, RegExp][] = [
    ['tables missing', 'CREATE TABLE x (y); PRAGMA user_version = 1;', /no such table/],
    ['tables of its own, unversioned', 'CREATE TABLE stream_status (y);', /already exists/],
  ];

  it.each(foreign)(
    'a database this bot did not write (%s): the same advice, not a raw error',
    async (_, sql, reason) => {
      const db = new Database(join(scratch, SQLITE_FILE));
      db.exec(sql);
      db.close();
      let error: unknown = null;
      try {
        await openSqliteStore(scratch).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StoreOpenError);
      expect((error as Error).message).toMatch(
        new RegExp(`^DATA_DIR ${scratch}: its notification state ${SQLITE_FILE} is not one this bot can use`),
      );
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain('restore it from a backup, or move it');
      expect((error as StoreOpenError).kind).toBe('foreign');
      // Left as it was, for whoever wants to look at it.
      expect(queryState(scratch, "SELECT name FROM sqlite_master WHERE type = 'table'")).toHaveLength(1);
    },
  );

  it('an empty state file is simply a new state', async () => {
    writeFileSync(join(scratch, SQLITE_FILE), '');
    const store = openSqliteStore(scratch);
    expect(await store.loadStatuses()).toBeNull();
    await store.close();
  });
});

describe('the real process, refused at start', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = createEmulator({ seed: 41 });
    await emulator.start();
  });
  afterEach(async () => {
    await stopAll();
    await emulator.stop();
  });

  /** The exit, or a failure once `ms` of real time passed without one (a bot that hangs or runs on). */
  function exitWithin(bot: BotProcess, ms: number): Promise<{ code: number | null }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still running after ${ms} ms:\n${bot.stderr().slice(-1000)}`)),
        ms,
      );
    });
    return Promise.race([bot.exited, late]).finally(() => clearTimeout(timer));
  }

  it('DATA_DIR=/proc/x fails fast with the DATA_DIR message (it used to spin at 100% CPU)', async () => {
    const bot = startBot(botEnv(emulator, '/proc/x'));
    expect(await exitWithin(bot, 8_000)).toMatchObject({ code: 1 });
    expect(bot.stderr()).toMatch(
      /^DATA_DIR \/proc\/x cannot hold the notification state \(.*\)\. Point DATA_DIR at a writable folder\.\n$/,
    );
    expect(bot.stdout()).toBe('');
  });

  // The tests run as root, who reads any file: the bot runs as nobody then, so permissions are real.
  const asOtherUser = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {};

  it.each([
    ['unreadable', 0o000],
    ['read-only', 0o444],
  ])("a state file the bot's user cannot use (%s): the DATA_DIR message with what to do", async (_, mode) => {
    const file = join(scratch, SQLITE_FILE);
    await openSqliteStore(scratch).close();
    chmodSync(file, mode);
    chmodSync(scratch, 0o777); // the folder itself is the bot's to use
    const bot = startBot(botEnv(emulator, scratch), asOtherUser);
    expect(await exitWithin(bot, 8_000)).toMatchObject({ code: 1 });
    expect(bot.stderr()).toBe(
      `DATA_DIR ${scratch}: this process cannot read and write its notification state ${SQLITE_FILE} ` +
        `(permission denied). Give the bot's user access to that file, or point DATA_DIR at a folder of its own.\n`,
    );
    expect(integrityCheck(scratch)).toBe('ok');
  });
});

class DiskFull extends Error {
  override readonly name = 'SqliteError';
  readonly code = 'SQLITE_FULL';
  constructor() {
    super('database or disk is full');
  }
}

/**
 * Writes fail while `failing` is set. A cycle commit fails inside its transaction, after some rows went
 * in (after the statuses, on the first event; or after the first status when there are no events), which
 * is what SQLITE_FULL does to a real one.
 */
function flakyDisk(state: { failing: boolean; commitsRefused: number; marksRefused: number }) {
  return (real: NotifyStore): NotifyStore =>
    new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'commitCycle') {
          return (commit: CycleCommit) => {
            if (!state.failing) return target.commitCycle(commit);
            state.commitsRefused++;
            if (commit.events.length > 0) {
              return target.commitCycle({ ...commit, events: failingAfter(commit.events, 0) });
            }
            const changed = new Map(commit.changed);
            changed.set('never-written', { status: 'IDLE', name: null, sessionId: null });
            return target.commitCycle({ ...commit, changed: failingMapAfter(changed, 1) });
          };
        }
        if (key === 'markDelivered' && state.failing) {
          return async () => {
            state.marksRefused++;
            throw new DiskFull();
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

/** The same items, but iterating them throws DiskFull after the first `n`. */
function failingAfter<T>(items: T[], n: number): T[] {
  return Object.assign([...items], {
    *[Symbol.iterator](): Generator<T> {
      yield* items.slice(0, n);
      throw new DiskFull();
    },
  });
}

function failingMapAfter<K, V>(map: Map<K, V>, n: number): Map<K, V> {
  const entries = [...map];
  return Object.assign(new Map(map), {
    *[Symbol.iterator](): Generator<[K, V]> {
      yield* entries.slice(0, n);
      throw new DiskFull();
    },
  });
}

describe('the store failing mid-run', () => {
  let rig: Rig;
  const disk = { failing: false, commitsRefused: 0, marksRefused: 0 };
  beforeEach(async () => {
    Object.assign(disk, { failing: false, commitsRefused: 0, marksRefused: 0 });
    rig = await createRig({ wrapStore: flakyDisk(disk) });
  });
  afterEach(async () => {
    await rig.close();
  });

  it('a failed commit keeps nothing, the file stays intact, and the retried cycle tells each change once', async () => {
    const a = rig.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    const b = rig.emulator.addLivestream({ name: 'B', status: 'IDLE' });
    rig.emulator.addLivestream({ name: 'C', status: 'LIVE' }); // in the baseline: one stored row
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(a.id, 'LIVE');
    rig.emulator.setStatus(b.id, 'ERRORED', 'encoder stopped');

    disk.failing = true;
    for (let i = 0; i < 3; i++) {
      expect(await rig.poller.runCycle()).toMatchObject({ ok: false, error: 'state could not be saved' });
    }
    expect(disk.commitsRefused).toBe(3);
    expect(rig.logs.matching('could not save its state')).toHaveLength(3);
    expect(integrityCheck(rig.dataDir)).toBe('ok');
    // Not even the statuses written before the failing row were kept.
    expect(queryState(rig.dataDir, 'SELECT status FROM stream_status ORDER BY status')).toEqual([
      { status: 'LIVE' },
    ]);
    expect(queryState(rig.dataDir, 'SELECT * FROM event')).toEqual([]);

    disk.failing = false;
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 2 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await rig.drainAll();
    expect(sentLines(rig.sink).sort()).toEqual(['post C1 A is live', 'post C1 B errored']);
    expect(integrityCheck(rig.dataDir)).toBe('ok');
  });

  it('the running loop backs off after a store failure and recovers on its own', async () => {
    const a = rig.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    disk.failing = true; // even the baseline cannot be saved
    rig.poller.start();
    const first = rig.clock.sleeps.length;
    expect(await rig.clock.sleepNumber(first + 1)).toBe(30_000); // backoff, not the 15 s interval
    rig.clock.advance(30_000);
    expect(await rig.clock.sleepNumber(first + 2)).toBe(60_000);
    expect(await rig.rawStore.loadStatuses()).toBeNull();

    disk.failing = false;
    rig.clock.advance(60_000);
    expect(await rig.clock.sleepNumber(first + 3)).toBe(15_000); // the baseline went in
    expect(await rig.rawStore.loadStatuses()).toEqual(new Map()); // the baseline went in: nothing LIVE
    rig.emulator.setStatus(a.id, 'LIVE');
    rig.clock.advance(15_000);
    await rig.clock.sleepNumber(first + 4);
    await rig.poller.stop();
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 A is live']);
  });

  it('a post the platform accepted but the store could not mark is sent again, never lost', async () => {
    const a = rig.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await rig.poller.runCycle();
    rig.emulator.setStatus(a.id, 'LIVE');
    await rig.poller.runCycle();
    disk.failing = true;
    await rig.delivery.drainOnce();
    expect(disk.marksRefused).toBe(1);
    expect(await rig.rawStore.countPending()).toBe(1);
    disk.failing = false;
    await rig.drainAll();
    expect(sentLines(rig.sink)).toEqual(['post C1 A is live', 'post C1 A is live']);
    expect(await rig.rawStore.countPending()).toBe(0);
    expect(integrityCheck(rig.dataDir)).toBe('ok');
  });
});

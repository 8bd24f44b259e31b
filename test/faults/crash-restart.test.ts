/**
 * The process dies mid-cycle and starts again on the same DATA_DIR. In-process, the crash is forced at
 * exact points (after the commit and before delivery, inside the commit's transaction, after the
 * platform accepted a post); as a child process, the real bot is SIGKILLed while a poll is in flight.
 * Every time: no notification lost, none repeated (except in the one documented window), and the SQLite
 * file passes PRAGMA integrity_check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/emulator.js';
import { openSqliteStore, StoreOpenError } from '../../src/notify/sqlite-store.js';
import type { CycleCommit, NotifyStore } from '../../src/notify/store.js';
import { botEnv, nextRequests, startBot, stopAll } from './bot-process.js';
import {
  createRig,
  integrityCheck,
  queryState,
  type Rig,
  SQLITE_FILE,
  sentLines,
  subscribe,
} from './support.js';

class Crash extends Error {
  override readonly name = 'Crash';
}

/** A store that "dies" at the point a test chooses (once), delegating everything else to the real one. */
function crashingStore(plan: { point: 'after-commit' | 'inside-commit' | 'after-post' | null }) {
  return (real: NotifyStore): NotifyStore =>
    new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'commitCycle') {
          return async (commit: CycleCommit) => {
            if (plan.point === 'inside-commit' && commit.events.length > 0) {
              plan.point = null;
              // The statuses are written, then the process dies half-way through the events.
              const [first] = commit.events;
              const events = Object.assign([...commit.events], {
                *[Symbol.iterator]() {
                  yield first!;
                  throw new Crash('killed inside the transaction');
                },
              });
              return target.commitCycle({ ...commit, events });
            }
            const written = await target.commitCycle(commit);
            if (plan.point === 'after-commit' && commit.events.length > 0) {
              plan.point = null;
              throw new Crash('killed after the commit, before anything was sent');
            }
            return written;
          };
        }
        if (key === 'markDelivered') {
          return async (...args: Parameters<NotifyStore['markDelivered']>) => {
            if (plan.point === 'after-post') {
              plan.point = null;
              throw new Crash('killed after the platform accepted, before it was recorded');
            }
            return target.markDelivered(...args);
          };
        }
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

describe('killed mid-cycle, in process (forced crash points)', () => {
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  async function liveTransition(point: 'after-commit' | 'inside-commit' | 'after-post') {
    const plan: { point: typeof point | null } = { point: null };
    rig = await createRig({ wrapStore: crashingStore(plan) });
    const a = rig.emulator.addLivestream({ name: 'A', status: 'IDLE' });
    const b = rig.emulator.addLivestream({ name: 'B', status: 'IDLE' });
    await subscribe(rig.store, 'slack', 'C1');
    await subscribe(rig.store, 'slack', 'C2');
    await rig.poller.runCycle();
    rig.emulator.setStatus(a.id, 'LIVE');
    rig.emulator.setStatus(b.id, 'ERRORED', 'no signal');
    plan.point = point;
    return { plan, a, b };
  }

  it('between the commit and delivery: after the restart each notice goes out once', async () => {
    const { plan } = await liveTransition('after-commit');
    expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(plan.point).toBeNull(); // it did crash there
    await rig.restart({ crash: true });
    expect(integrityCheck(rig.dataDir)).toBe('ok');
    expect(await rig.rawStore.countPending()).toBe(4); // 2 events x 2 channels, on disk
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 }); // not detected again
    await rig.drainAll();
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await rig.drainAll();
    expect(sentLines(rig.sink).sort()).toEqual([
      'post C1 A is live',
      'post C1 B errored',
      'post C2 A is live',
      'post C2 B errored',
    ]);
  });

  it('inside the commit transaction: nothing of it is kept, and the restarted cycle redoes it once', async () => {
    const { plan, a } = await liveTransition('inside-commit');
    expect(await rig.poller.runCycle()).toMatchObject({ ok: false });
    expect(plan.point).toBeNull();
    await rig.restart({ crash: true });
    expect(integrityCheck(rig.dataDir)).toBe('ok');
    expect(queryState(rig.dataDir, 'SELECT * FROM event')).toEqual([]);
    expect(queryState(rig.dataDir, 'SELECT * FROM delivery')).toEqual([]);
    expect((await rig.rawStore.loadStatuses())?.get(a.id)).toBeUndefined(); // not LIVE as far as the store knows
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 2 });
    expect(await rig.poller.runCycle()).toMatchObject({ ok: true, events: 0 });
    await rig.drainAll();
    expect(sentLines(rig.sink)).toHaveLength(4);
    expect(new Set(sentLines(rig.sink)).size).toBe(4);
  });

  it('after the platform accepted, before it was recorded: the documented window, a repeat but never a loss', async () => {
    const { plan } = await liveTransition('after-post');
    await rig.poller.runCycle();
    await rig.delivery.drainOnce();
    expect(plan.point).toBeNull();
    const before = sentLines(rig.sink);
    await rig.restart({ crash: true });
    await rig.drainAll();
    const after = sentLines(rig.sink);
    // Everything arrived; exactly the one post in flight at the crash was sent twice.
    expect(new Set(after)).toEqual(
      new Set(['post C1 A is live', 'post C1 B errored', 'post C2 A is live', 'post C2 B errored']),
    );
    expect(after).toHaveLength(5);
    expect(after.filter((line) => line === before[0])).toHaveLength(2);
    expect(integrityCheck(rig.dataDir)).toBe('ok');
  });
});

describe('killed mid-cycle, the real process (SIGKILL)', () => {
  let emulator: Emulator | null = null;
  let dataDir = '';
  afterEach(async () => {
    await stopAll();
    await emulator?.stop();
    emulator = null;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('a poll in flight is lost, its change is not: announced once after the restart, nothing repeated', async () => {
    emulator = createEmulator({ seed: 21 });
    await emulator.start();
    dataDir = mkdtempSync(join(tmpdir(), 'faults-kill-'));
    const env = botEnv(emulator, dataDir);
    const a = emulator.addLivestream({ name: 'Alpha', status: 'IDLE' });
    const b = emulator.addLivestream({ name: 'Bravo', status: 'IDLE' });

    const first = startBot(env);
    await first.waitForLog('baseline recorded');
    emulator.setStatus(a.id, 'LIVE');
    await first.waitForStdout('[notification] Alpha is live');

    // The next list request hangs; Bravo goes LIVE after it was asked for, so only that poll could see it.
    const inFlight = nextRequests(emulator, 1, (r) => r.path === 'livestreams');
    emulator.injectFault({ path: 'livestreams?', delayMs: 60_000 });
    emulator.setStatus(b.id, 'LIVE');
    await inFlight;
    first.kill('SIGKILL');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(integrityCheck(dataDir)).toBe('ok');
    expect(first.stdout()).not.toContain('Bravo');

    emulator.clearFaults();
    const second = startBot(env);
    await second.waitForStdout('[notification] Bravo is live');
    await nextRequests(emulator, 6, (r) => r.path === 'livestreams'); // a few more polls: nothing new
    second.end();
    expect(await second.exited).toMatchObject({ code: 0 });
    expect(second.stdout()).not.toContain('Alpha is live');
    expect(second.stdout().split('[notification] Bravo is live')).toHaveLength(2); // once
    expect(integrityCheck(dataDir)).toBe('ok');
    expect(queryState(dataDir, 'SELECT state, count(*) AS n FROM delivery GROUP BY state')).toEqual([
      { state: 'done', n: 2 },
    ]);
  });
});

// A database this bot cannot use (a newer bot's, or tables of the wrong shape) is refused with a message
// naming DATA_DIR and what to do, never a raw SQLite error, and is left untouched.
it.each([
  [
    'a newer bot wrote it',
    'CREATE TABLE t (x); PRAGMA user_version = 99;',
    'newer',
    /has schema version 99, newer than this bot \(\d+\): upgrade the bot/,
  ],
  [
    'its tables have another shape',
    'CREATE TABLE stream_status (livestream_id TEXT PRIMARY KEY, status TEXT NOT NULL); PRAGMA user_version = 1;',
    'foreign',
    // Whichever statement meets the wrong shape first: a later migration or a prepared statement.
    /is not one this bot can use \((no such table|table \w+ has no column named).*\): restore it from a backup/,
  ],
])('a DATA_DIR whose database %s is refused with DATA_DIR named', async (_why, sql, kind, reason) => {
  const dir = mkdtempSync(join(tmpdir(), 'faults-schema-'));
  try {
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec(sql);
    db.close();
    let error: unknown = null;
    try {
      await openSqliteStore(dir).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as StoreOpenError).kind).toBe(kind);
    expect((error as Error).message).toMatch(new RegExp(`^DATA_DIR ${dir}: .*${reason.source}`));
    expect(integrityCheck(dir)).toBe('ok');
    // Refused twice the same way: the first refusal let go of DATA_DIR.
    expect(() => openSqliteStore(dir)).toThrow(reason);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * One bot per DATA_DIR: an OS-level lock that dies with the process holding it.
 *
 * The lock is SQLite's own POSIX lock on a small file of its own (not the state file, whose WAL mode
 * never takes an exclusive lock for long): opened with `locking_mode = EXCLUSIVE` and one write
 * transaction, the connection keeps the exclusive lock until it is closed. The kernel drops it when the
 * process ends in any way, SIGKILL included, so a crash never leaves a stale lock. A second process
 * gets SQLITE_BUSY at once (busy timeout 0) and reads the holder's PID from a pid file the holder
 * writes right after acquiring.
 *
 * Within one process, locks of the same DATA_DIR are shared (counted): the guard is against a second
 * process. Nothing else in the process may open and close the lock file: closing any descriptor of a
 * file drops that process's POSIX locks on it.
 */
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const LOCK_FILE = 'livestream-chatops.lock';
export const PID_FILE = 'livestream-chatops.pid';

/** Another process holds DATA_DIR; `holderPid` is null when it has not recorded its PID (yet). */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dir: string,
    readonly holderPid: number | null,
  ) {
    super(`${dir} is locked by ${holderPid === null ? 'another process' : `process ${holderPid}`}`);
  }
}

export interface StateLock {
  /** Lets go of this hold (idempotent); the OS lock goes when the process's last hold does. */
  release(): void;
}

interface Held {
  db: Database.Database;
  holds: number;
}

/** The locks this process holds, by real path of DATA_DIR. */
const held = new Map<string, Held>();

/** Locks `dir` (an existing folder) for this process; throws DataDirInUseError when another holds it. */
export function lockDataDir(dir: string): StateLock {
  const key = realpathSync(dir);
  let entry = held.get(key);
  if (!entry) {
    entry = { db: acquire(key), holds: 0 };
    held.set(key, entry);
  }
  entry.holds++;
  const holding = entry;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (--holding.holds > 0) return;
      held.delete(key);
      // The pid file goes first, while the lock still guards it: no one else can have written it.
      rmSync(join(key, PID_FILE), { force: true });
      holding.db.close();
    },
  };
}

function acquire(dir: string): Database.Database {
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of after better-sqlite3's 5 s default.
  const db = new Database(join(dir, LOCK_FILE), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The file holds nothing: keep no journal beside it.
    db.pragma('journal_mode = MEMORY');
    // The first write under EXCLUSIVE locking mode takes the exclusive lock and keeps it until close.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY')
      throw new DataDirInUseError(dir, holderPid(dir));
    throw error;
  }
  try {
    const pidFile = join(dir, PID_FILE);
    // Written whole then renamed, so a reader never sees half a number.
    writeFileSync(`${pidFile}.${process.pid}`, `${process.pid}\n`);
    renameSync(`${pidFile}.${process.pid}`, pidFile);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * The PID in the pid file, if that process is alive. Between another process taking the lock and
 * writing its PID, the file may still name an earlier holder that died: never name a dead process.
 */
function holderPid(dir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: it exists but belongs to another user; still the holder.
    return (error as { code?: unknown }).code === 'EPERM' ? pid : null;
  }
}

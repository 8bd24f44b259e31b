/**
 * The DATA_DIR lock against a real second process: a child Node process takes it (through the same
 * module), and this process is refused at once, told the child's PID; once the child is SIGKILLed the
 * kernel has dropped the lock and it is free again, with no stale state left to clean up.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir, PID_FILE } from '../../src/notify/state-lock.js';
import { childHolding } from '../support/child-holding.js';

const MODULE = join(import.meta.dirname, '../../src/notify/state-lock.ts');

let dir: string;
let holder: ChildProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-lock-'));
});
afterEach(async () => {
  if (holder && holder.exitCode === null && holder.signalCode === null) {
    const gone = new Promise((resolve) => holder?.once('close', resolve));
    holder.kill('SIGKILL');
    await gone;
  }
  holder = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A child process that takes the lock and keeps it until it is killed. */
function childHoldingLock(lockedDir: string): Promise<ChildProcess> {
  return childHolding(`import { lockDataDir } from ${JSON.stringify(MODULE)};
lockDataDir(${JSON.stringify(lockedDir)});`);
}

function refusal(): DataDirInUseError {
  try {
    lockDataDir(dir).release();
  } catch (error) {
    if (error instanceof DataDirInUseError) return error;
    throw error;
  }
  throw new Error('the lock was granted while another process held it');
}

it('a second process is refused at once, told the PID of the holder', async () => {
  holder = await childHoldingLock(dir);
  const started = performance.now();
  const error = refusal();
  // better-sqlite3 waits 5 s on a busy lock by default; the refusal must not.
  expect(performance.now() - started).toBeLessThan(1_000);
  expect(error.holderPid).toBe(holder.pid);
  expect(error.dir).toBe(dir);
  expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(holder.pid));
});

it('the lock dies with a SIGKILLed holder: the next process takes it and records its own PID', async () => {
  holder = await childHoldingLock(dir);
  expect(refusal().holderPid).toBe(holder.pid);
  const gone = new Promise((resolve) => holder?.once('close', resolve));
  holder.kill('SIGKILL');
  await gone;
  // The killed holder's pid file is still there: it names a dead process, so it does not count.
  expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(holder.pid));
  const lock = lockDataDir(dir);
  expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(process.pid));
  lock.release();
  expect(existsSync(join(dir, PID_FILE))).toBe(false);
});

it('a lock released by its process is free for another one', async () => {
  const lock = lockDataDir(dir);
  lock.release();
  lock.release(); // idempotent
  holder = await childHoldingLock(dir);
  expect(refusal().holderPid).toBe(holder.pid);
});

it('within one process, holds of the same DATA_DIR share the lock until the last is released', async () => {
  const first = lockDataDir(dir);
  const second = lockDataDir(`${dir}/.`);
  first.release();
  // Still held by this process: another process is refused.
  await expect(childHoldingLock(dir)).rejects.toThrow(
    /holder exited \(1\) before holding: .*is locked by process/s,
  );
  second.release();
  holder = await childHoldingLock(dir);
});

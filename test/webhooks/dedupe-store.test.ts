/** The store's record of webhook deliveries (claimed as inputs by rtk-uuid): kept across a restart, forgotten after a day. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import { type NotifyStore, INPUT_DEDUPE_MS } from '../../src/notify/store.js';

let dataDir: string;
let store: NotifyStore;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'webhook-dedupe-'));
  store = openSqliteStore(dataDir);
});
afterEach(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-11-22T12:00:00Z');

it('claims a delivery once, and still knows it after a restart on the same DATA_DIR', async () => {
  expect(await store.claimInput('webhook:uuid-1', T0)).toBe(true);
  expect(await store.claimInput('webhook:uuid-1', T0 + 1_000)).toBe(false);
  expect(await store.claimInput('webhook:uuid-2', T0 + 1_000)).toBe(true);
  await store.close();
  store = openSqliteStore(dataDir);
  expect(await store.claimInput('webhook:uuid-1', T0 + 60_000)).toBe(false);
  expect(await store.claimInput('webhook:uuid-2', T0 + 60_000)).toBe(false);
});

it('forgets deliveries older than a day as new ones are claimed', async () => {
  expect(await store.claimInput('webhook:old', T0)).toBe(true);
  expect(await store.claimInput('webhook:old', T0 + INPUT_DEDUPE_MS - 1)).toBe(false);
  // A claim a day later prunes the old row: the same uuid is new again (RealtimeKit never retries that late).
  expect(await store.claimInput('webhook:other', T0 + INPUT_DEDUPE_MS + 1)).toBe(true);
  expect(await store.claimInput('webhook:old', T0 + INPUT_DEDUPE_MS + 2)).toBe(true);
});

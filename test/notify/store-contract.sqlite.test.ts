/** The store contract on SQLite: each test on a fresh DATA_DIR. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqliteStore } from '../../src/notify/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('SQLite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  dataDirs.push(dataDir);
  return openSqliteStore(dataDir);
});

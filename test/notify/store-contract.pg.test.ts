/** The store contract on PostgreSQL: each test on a fresh database of the run's server (test/setup/postgres.ts). */
import { afterAll } from 'vitest';
import { openPgStore } from '../../src/notify/pg-store.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { describeStoreContract } from './store-contract.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describeStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  databases.push(database);
  return openPgStore(database.url);
});

/**
 * The store contract on PostgreSQL, on a database of this file's on the run's server
 * (test/setup/postgres.ts): each test starts from emptied tables.
 */
import { openPgStore } from '../../src/notify/pg-store.js';
import { emptyTables, useTestDatabase } from '../support/pg.js';
import { describeStoreContract } from './store-contract.js';

const database = useTestDatabase();

describeStoreContract('PostgreSQL', async () => {
  await emptyTables(database.url);
  return openPgStore(database.url);
});

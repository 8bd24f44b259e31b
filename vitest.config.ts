import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bundles the bot once (as `npm start` does) for the tests that run it as a process; starts one
    // PostgreSQL for the run (or uses DATABASE_URL's) for the tests of the PostgreSQL store.
    globalSetup: ['test/build-bundle.ts', 'test/setup/postgres.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests start real servers on 127.0.0.1 port 0; files run in parallel workers, which is safe.
    pool: 'forks',
  },
});

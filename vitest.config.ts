import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL cluster (where its binaries exist) and a PGlite seed for the store's tests.
    globalSetup: ['test/support/databases.setup.ts'],
    // Two cores: forks keep each file isolated without oversubscribing the machine.
    pool: 'forks',
    testTimeout: 30_000,
  },
});

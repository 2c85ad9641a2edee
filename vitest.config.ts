import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL cluster (where its binaries exist) and a PGlite seed for the store's tests.
    globalSetup: ['test/support/databases.setup.ts'],
    // Forks keep each file isolated. Two at a time on two cores: vitest's default (cores − 1) would run one,
    // and many files here mostly wait (child processes, builds, a database), so two finish a quarter sooner.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});

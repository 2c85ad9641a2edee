import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: forks keep each file isolated without oversubscribing the machine.
    pool: 'forks',
    testTimeout: 30_000,
  },
});

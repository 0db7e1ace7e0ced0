import { defineConfig } from 'vitest/config';

// Service processes the tests start (bin/gridline.js) run the TypeScript source, not a dist/ that
// may be older than it.
process.env.GRIDLINE_FROM_SOURCE = '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration files share Postgres and Redis; a few at a time keeps them honest.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

// The runtime-neutral part of the suite, run under Node (`vitest run --config vitest.node.config.ts`)
// so that the better-sqlite3 path of the SQLite adapter stays honest. Files named *.unit.test.ts
// (pure modules) and *.store.test.ts (state stores, embedded log on SQLite) are runtime-neutral.
export default defineConfig({
  test: {
    include: ['test/**/*.unit.test.ts', 'test/**/*.store.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

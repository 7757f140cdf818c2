import { defineConfig } from 'vitest/config';

// The whole suite, run under Bun (`bun --bun vitest run`): Bun is the production runtime.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// Two projects so that only the tests that need the real broker pay for starting it.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.kafka.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'kafka',
          include: ['test/**/*.kafka.test.ts'],
          globalSetup: ['test/setup/global-kafka.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});

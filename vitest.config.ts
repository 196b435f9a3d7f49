import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-kafka.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Kafka tests share one broker; files run in parallel but each uses its own topics.
    pool: 'forks',
  },
});

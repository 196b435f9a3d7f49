import { defineConfig } from 'vitest/config';

// Projects, so that each group pays only for what it needs: `cli` tests run the compiled binary
// (built once by global setup), `kafka` tests get a real broker and `questdb` tests a real QuestDB server.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.kafka.test.ts', 'test/**/*.cli.test.ts', 'test/**/*.questdb.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'cli', include: ['test/**/*.cli.test.ts'], globalSetup: ['test/setup/build.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'kafka',
          include: ['test/**/*.kafka.test.ts'],
          globalSetup: ['test/setup/build.ts', 'test/setup/global-kafka.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        // One real QuestDB server for the project (scripts/questdb/questdb.sh), its files one at a time (they
        // share its tables); the CLI is built for the import tests, the Kafka broker (shared with the kafka
        // project) for an aggregator writing QuestDB.
        test: {
          name: 'questdb',
          include: ['test/**/*.questdb.test.ts'],
          globalSetup: ['test/setup/build.ts', 'test/setup/global-kafka.ts', 'test/setup/global-questdb.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
        },
      },
    ],
  },
});

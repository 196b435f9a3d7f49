import { availableParallelism } from 'node:os';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Projects, so that each group pays only for what it needs: `kafka` tests get a real broker, and every
// project but `unit` runs the compiled binary, built once per run by test/setup/build.ts (a no-op when
// dist/ is current). A new project is added to PROJECTS below: it gets the build, the shared timeouts
// and the workers; list only its own global setups (e.g. a server it needs) after the build.
const PROJECTS: TestProjectInlineConfiguration[] = [
  { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.*.test.ts'] } },
  { test: { name: 'cli', include: ['test/**/*.cli.test.ts'] } },
  { test: { name: 'kafka', include: ['test/**/*.kafka.test.ts'], globalSetup: ['test/setup/global-kafka.ts'], testTimeout: 120_000 } },
];

const BUILD = 'test/setup/build.ts';
const withBuild = (p: TestProjectInlineConfiguration): TestProjectInlineConfiguration =>
  p.test?.name === 'unit' ? p : { ...p, test: { ...p.test, globalSetup: [BUILD, ...[p.test?.globalSetup ?? []].flat().filter((s) => s !== BUILD)] } };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most test files wait (on child processes, sockets, timers, the broker) far more than they compute,
    // so one worker per core, and not vitest's default of one fewer (a single worker on 2 cores).
    maxWorkers: Math.max(2, availableParallelism()),
    projects: PROJECTS.map((p) => ({ extends: true, ...withBuild(p) })),
  },
});

import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Comments and string literals: a `vi.mock(` named in them mocks nothing. */
const NOT_CODE = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\[\s\S]|[^`\\])*`/g;

/**
 * Whether a test file replaces a module for itself (vi.mock, hoisted above its imports, or vi.doMock): a call on
 * vitest's `vi` under any name it goes by (`vi`, `vitest`, `{ vi as v }`, `{ vi: v } = await import('vitest')`),
 * anywhere on a line, outside comments and strings. A call missed here runs in the shared graph, where it neither
 * replaces a module an earlier file imported nor stays out of the files after it.
 */
export function mocksAModule(source: string): boolean {
  const names = ['vi', 'vitest'];
  for (const [, list] of source.matchAll(/\{([^}]*)\}\s*(?:from\s*|=\s*await\s+import\s*\(\s*)['"]vitest['"]/g))
    for (const m of list!.matchAll(/\b(?:vi|vitest)\s*(?:\bas\b|:)\s*([\w$]+)/g)) names.push(m[1]!);
  const call = new RegExp(`(?<![\\w$.])(?:${names.map((n) => n.replaceAll('$', '\\$')).join('|')})\\s*\\.\\s*(?:mock|doMock)\\s*[(<]`);
  return call.test(source.replace(NOT_CODE, '""'));
}

/** The unit files (test/NAME.test.ts, no project suffix) that mock a module, relative to the root. */
function mockingFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return mockingFiles(path);
    return /^[^.]+\.test\.ts$/.test(e.name) && mocksAModule(readFileSync(path, 'utf8')) ? [path] : [];
  });
}
const MOCKING_FILES = mockingFiles(fileURLToPath(new URL('test', import.meta.url))).map((p) => relative(fileURLToPath(new URL('.', import.meta.url)), p));

/**
 * cli files that `npm test` runs in the servers' vitest process (inGroup) though they start no server: the servers'
 * files mostly wait on the broker and QuestDB, and ended ≈ 110 s before the others, whose last stretch then left
 * a core a third idle. A long file that only computes moves that much work from the longer side to the shorter.
 */
export const BESIDE_SERVERS = ['test/cli/demo.cli.test.ts', 'test/simulate/oct10.cli.test.ts', 'test/replay/workers.cli.test.ts', 'test/store/report.cli.test.ts', 'test/cli/bundle.cli.test.ts'];

// Projects, so that each group pays only for what it needs: `kafka` tests get a real broker, and every
// project but `unit` runs the compiled binary, built once per run by test/setup/build.ts (a no-op when
// dist/ is current). A new project is added to PROJECTS below: it gets the build, the shared timeouts
// and the workers; list only its own global setups (e.g. a server it needs) after the build. A project
// with a global setup of its own runs beside the others in `npm test` (inGroup below).
export const PROJECTS: TestProjectInlineConfiguration[] = [
  // Unit files share one module graph per worker (isolate: false): importing the sources anew for each of ~200
  // files was ≈ 35% of the unit files' CPU (measured: 246 → 158 CPU s for both unit projects). A file that mocks a module (vi.mock) needs
  // a graph of its own, where the mock is in place before anything imports the module: those run in unit-mocks.
  // The kafka and questdb files share theirs too (node CPU of that side 163.9 → 136.8 s); none mocks a module.
  { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/**/*.*.test.ts', ...MOCKING_FILES], isolate: false } },
  { test: { name: 'unit-mocks', include: MOCKING_FILES.length > 0 ? MOCKING_FILES : ['no-file-mocks-a-module'] } },
  // The cli files keep a process each (isolated). Shared, as above (tried, fourteenth session): the cli project alone
  // 218.7 → 212.0 CPU s, but beside the unit files the side took 271–274 s alone against 252 s, and clean CI runs
  // 374 and 389 s against 355 s the same day (the cli files 51–63 s longer in all). Not a fork's cost: a spawn from a
  // 1.2 GB process costs 3.2 ms of CPU against 0.8 ms. docs/benchmarks.md, fourteenth session.
  { test: { name: 'cli', include: ['test/**/*.cli.test.ts'], exclude: BESIDE_SERVERS } },
  { test: { name: 'cli-beside-servers', include: BESIDE_SERVERS } },
  { test: { name: 'kafka', include: ['test/**/*.kafka.test.ts'], globalSetup: ['test/setup/global-kafka.ts'], testTimeout: 120_000, isolate: false } },
  // One real QuestDB server for the project (scripts/questdb/questdb.sh), its files one at a time (they share its
  // tables) by a lock (test/setup/questdb-lock.ts), beside the other projects' files; the Kafka broker (shared with
  // the kafka project) for an aggregator writing QuestDB.
  {
    test: {
      name: 'questdb',
      include: ['test/**/*.questdb.test.ts'],
      globalSetup: ['test/setup/global-kafka.ts', 'test/setup/global-questdb.ts'],
      setupFiles: ['test/setup/questdb-lock.ts'],
      testTimeout: 120_000,
      isolate: false,
    },
  },
];

/**
 * `npm test` runs the projects that start servers (a global setup of their own: the Kafka broker, QuestDB) in a
 * vitest process of their own, beside the others (test/support/run-tests.sh): their files mostly wait on those
 * servers, so they get workers of their own instead of taking turns with the computing files. TEST_GROUP picks a
 * side (`servers` or `others`; unset: every project). A new project is on the side its global setups put it
 * (cli-beside-servers: BESIDE_SERVERS above).
 */
export function inGroup(p: TestProjectInlineConfiguration, group: string | undefined): boolean {
  const startsServers = [p.test?.globalSetup ?? []].flat().length > 0 || p.test?.name === 'cli-beside-servers';
  if (group === undefined || group === '') return true;
  if (group === 'servers') return startsServers;
  if (group === 'others') return !startsServers;
  throw new Error(`TEST_GROUP is 'servers', 'others' or unset, not '${group}'`);
}

const BUILD = 'test/setup/build.ts';
/** The projects whose files import the sources and never run the compiled binary. */
const WITHOUT_BUILD = new Set(['unit', 'unit-mocks']);
const withBuild = (p: TestProjectInlineConfiguration): TestProjectInlineConfiguration =>
  WITHOUT_BUILD.has(String(p.test?.name)) ? p : { ...p, test: { ...p.test, globalSetup: [BUILD, ...[p.test?.globalSetup ?? []].flat().filter((s) => s !== BUILD)] } };

/**
 * The longest files (docs/benchmarks.md, "Test suite"), started first: without durations from an earlier
 * run (a fresh CI machine) vitest orders by project name and file size, so one of these could start last
 * and run alone while the other core idles. A file not listed keeps vitest's order. Each path names a test file
 * (test/support/run-tests.test.ts). Tried and dropped (fourteenth session, docs/benchmarks.md): the unit files that
 * mostly wait started right after these: one clean CI run then took 457 s against 400, 118 busy CPU s more.
 */
export const LONGEST_FIRST = [
  'test/simulate/oct10.cli.test.ts',
  'test/cli/demo.cli.test.ts',
  'test/store/store.cli.test.ts',
  'test/clone/fresh-clone.cli.test.ts',
  'test/venues/parser-fuzz.test.ts',
  'test/web/live-page-view.cli.test.ts',
  'test/replay/workers.cli.test.ts',
  'test/reliability/broker-outage.kafka.test.ts',
  // The QuestDB files take a lock (one at a time): the longest two start apart, early.
  'test/questdb/store-import.questdb.test.ts',
  'test/reliability/spill-disk-full.kafka.test.ts',
  'test/reliability/frozen-broker.kafka.test.ts',
  'test/questdb/store-aggregate.questdb.test.ts',
  'test/bus/kafka-topic-race.kafka.test.ts',
  'test/bus/kafka-bus.kafka.test.ts',
  'test/store/report.cli.test.ts',
  'test/integration/lifetime-counters.kafka.test.ts',
  'test/replay/replay.cli.test.ts',
];
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((path) => f.moduleId.endsWith(`/${path}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return (await super.sort(files)).map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most test files wait (on child processes, sockets, timers, the broker) far more than they compute,
    // so one worker per core, and not vitest's default of one fewer (a single worker on 2 cores).
    // TEST_WORKERS overrides it (not LIQSTREAM_*: those are config keys, and the CLI refuses unknown ones).
    // Not one more for the unit and cli side: tried, the CPU was then saturated (894 busy, 35 idle CPU s) and the side
    // took 428 s against 393 with one worker per core.
    maxWorkers: Number(process.env.TEST_WORKERS) || Math.max(2, availableParallelism()),
    sequence: { sequencer: LongestFirst },
    projects: PROJECTS.filter((p) => inGroup(p, process.env.TEST_GROUP)).map((p) => ({ extends: true, ...withBuild(p) })),
  },
});

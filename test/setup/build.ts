import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

/** TypeScript 7 (package.json's typescript-native: `typescript` is 5.9, for the tools that use its JS API). */
const TSC = 'node_modules/typescript-native/bin/tsc';

/**
 * Tests that run the compiled `liqstream` binary (every project but `unit`: vitest.config.ts) need dist/
 * compiled before any test file runs: once per vitest run, although several projects list this setup
 * (global setups run one after another in the main process, so the next sees the first's mark).
 * `tsc -b` first compares the sources' timestamps with the build info's and stops there when nothing
 * changed (≈ 0.1 CPU s, where `tsc -p` compiles every file: ≈ 5 CPU s), so after `npm ci`'s build (the
 * `prepare` script) or a previous run this costs nothing; otherwise it builds incrementally.
 */
// The mark's name must not start with LIQSTREAM_: the CLI reads those as configuration. It holds the pid of the process
// that built: this one, or npm test's shell (test/support/run-tests.sh), which builds before it starts each vitest
// process as its child (two at once: each would otherwise bundle again, ≈ 1.5 CPU s apiece, while the tests start).
export default function setup(): void {
  if (process.env.TEST_DIST_BUILT_BY === String(process.pid) || process.env.TEST_DIST_BUILT_BY === String(process.ppid)) return;
  // An incremental build trusts its build info: with the output deleted but the info left, it would emit nothing.
  if (!existsSync('dist/src/cli/main.js')) rmSync('dist/.tsbuildinfo', { force: true });
  execFileSync(process.execPath, [TSC, '-b', 'tsconfig.json'], { stdio: 'inherit' });
  // The live page's browser code (DOM types): its own program, compiled to dist/page.
  execFileSync(process.execPath, [TSC, '-b', 'src/web/page'], { stdio: 'inherit' });
  // The CLI as users run it (`liqstream`, package.json's bin): bundled from that output, every time (≈ 1 CPU s),
  // since tsc -b says nothing about whether it emitted. It rewrites only files that changed, each by a rename, so this
  // build in one vitest process does not pull the bundle from under the CLI another's tests run (npm test runs two).
  execFileSync(process.execPath, ['scripts/bundle/cli.mjs'], { stdio: 'inherit' });
  process.env.TEST_DIST_BUILT_BY = String(process.pid);
}

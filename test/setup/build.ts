import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

/**
 * CLI and Kafka tests run the compiled `liqstream` binary, so compile before any test file runs: once per
 * vitest run, although both projects list this setup (global setups run one after another in the main
 * process, so the second sees the first's mark). The build is incremental (tsconfig.json), so one after
 * an unchanged build costs about a third of a full one.
 */
// The mark's name must not start with LIQSTREAM_: the CLI reads those as configuration.
export default function setup(): void {
  if (process.env.TEST_DIST_BUILT_BY === String(process.pid)) return;
  // An incremental build trusts its build info: with the output deleted but the info left, it would emit nothing.
  if (!existsSync('dist/src/cli/main.js')) rmSync('dist/.tsbuildinfo', { force: true });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  // The live page's browser code (DOM types): its own program, compiled to dist/page.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src/web/page'], { stdio: 'inherit' });
  process.env.TEST_DIST_BUILT_BY = String(process.pid);
}

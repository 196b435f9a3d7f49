import { execFileSync } from 'node:child_process';

let built = false;

/**
 * Compiles the live page's browser code (src/web/page/*.ts -> dist/page) for tests that serve the page
 * from the sources (the CLI tests' global setup builds it with the rest of dist/). Once per test process.
 */
export function buildPage(): void {
  if (built) return;
  // -b: nothing is written when dist/page is current, so test files running at once do not rewrite
  // the files another one is serving.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'src/web/page'], { stdio: 'inherit' });
  built = true;
}

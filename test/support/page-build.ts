import { execFileSync } from 'node:child_process';

let built = false;

/**
 * Compiles the live page's browser code (src/web/page/*.ts -> dist/page) for tests that serve the page
 * from the sources (the CLI tests' global setup builds it with the rest of dist/). Once per test process.
 * Every unit file that asks for the page's files (`/`, `/page/*`) calls it before its first request: page-assets.ts
 * reads them once per process, and the unit files share one (isolate: false), so a file that asked before they were
 * built (or rebuilt) left every later file of its worker without the compiled modules (404) or with old ones.
 */
export function buildPage(): void {
  if (built) return;
  // -b: nothing is written when dist/page is current, so test files running at once do not rewrite
  // the files another one is serving.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'src/web/page'], { stdio: 'inherit' });
  built = true;
}

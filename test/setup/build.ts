import { execFileSync } from 'node:child_process';

/** CLI tests run the compiled `liqstream` binary, so compile once before any test file runs. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}

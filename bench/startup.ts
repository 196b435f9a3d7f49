import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './stats.js';

const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));

/** Wall time of `node args…` in a fresh process. */
function wallMs(args: readonly string[]): number {
  const t0 = performance.now();
  execFileSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' } });
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Start-up: each command loads only what it needs (src/cli/main.ts). `node -e 0` is the floor no
 * command can go under. BENCH_STARTUP_RUNS sets the number of runs (median shown);
 * BENCH_STARTUP_COMPARE=<another build's dist/bundle/cli/main.js, or this build's unbundled dist/src/cli/main.js> times that build too, interleaved.
 */
export function benchStartup(out: (line: string) => void, runs = Number(process.env.BENCH_STARTUP_RUNS ?? 7)): void {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-startup-'));
  try {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const other = process.env.BENCH_STARTUP_COMPARE;
    // Interleaved, one of each per round, so that a busy spell of a shared machine hits all alike.
    const cases: [string, string[]][] = [['node -e 0', ['-e', '0']]];
    for (const [name, args] of [
      ['liqstream --version', ['--version']],
      ['liqstream replay <empty file>', ['replay', empty]],
    ] as const) {
      cases.push([name, [CLI, ...args]]);
      if (other) cases.push([`  the same, ${other.slice(-34)}`, [other, ...args]]);
    }
    const times = cases.map((): number[] => []);
    for (let r = 0; r < runs; r++) cases.forEach(([, args], i) => times[i]!.push(wallMs(args)));
    const floor = median(times[0]!);
    out(`start-up (median of ${runs} fresh processes each)     ms    over node -e 0`);
    cases.forEach(([name], i) => {
      const ms = median(times[i]!);
      out(`  ${name.padEnd(44)} ${fmt(ms).padStart(6)} ${fmt(ms - floor).padStart(10)}`);
    });
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

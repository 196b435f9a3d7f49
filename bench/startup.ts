import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './stats.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Median wall time of `node args…` in fresh processes (the median: the machine may be shared). */
function wallMs(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' } });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Start-up: each command loads only what it needs (src/cli/main.ts). `node -e 0` is the floor no
 * command can go under. BENCH_STARTUP_RUNS sets the number of runs (median shown);
 * BENCH_STARTUP_COMPARE=<another build's dist/src/cli/main.js> times that build too, interleaved.
 */
export function benchStartup(out: (line: string) => void, runs = Number(process.env.BENCH_STARTUP_RUNS ?? 7)): void {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-startup-'));
  try {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const floor = wallMs(['-e', '0'], runs);
    out(`start-up (median of ${runs} fresh processes)        ms    over node -e 0`);
    out(`  node -e 0                              ${fmt(floor).padStart(8)}`);
    const other = process.env.BENCH_STARTUP_COMPARE;
    for (const [name, args] of [
      ['liqstream --version', ['--version']],
      ['liqstream replay <empty file>', ['replay', empty]],
    ] as const) {
      const ms = wallMs([CLI, ...args], runs);
      out(`  ${name.padEnd(38)} ${fmt(ms).padStart(8)} ${fmt(ms - floor).padStart(10)}`);
      if (other) {
        const then = wallMs([other, ...args], runs);
        out(`    the same, ${other.slice(-40).padEnd(28)} ${fmt(then).padStart(8)} ${fmt(then - floor).padStart(10)}`);
      }
    }
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

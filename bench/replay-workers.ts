import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OCT10 } from '../src/simulate/oct10-profile.js';
import { writeOct10 } from '../src/simulate/write.js';
import { fmt } from './stats.js';

/**
 * `replay --speed max --workers 1` against `--workers 2` of the simulated 10 October, each a fresh CLI
 * process, BENCH_REPLAY_ROUNDS (default 2) interleaved rounds keeping the fastest; the two reports must
 * be the same bytes. BENCH_REPLAY_FROM / BENCH_REPLAY_TO (HH:MM, default the whole day) narrow the span.
 */
export async function benchReplayWorkers(out: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-workers-'));
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  try {
    const file = join(dir, 'oct10.ndjson.gz');
    const from = process.env.BENCH_REPLAY_FROM ?? '00:00';
    const to = process.env.BENCH_REPLAY_TO ?? '24:00';
    const minute = (hhmm: string) => Number(hhmm.slice(0, -3)) * 60 + Number(hhmm.slice(-2));
    const sim = await writeOct10(file, { seed: 20251010, accounts: OCT10.accounts, fromMinute: minute(from), toMinute: minute(to) });
    out(`replay --workers of the simulated 10 October ${from}-${to}: ${fmt(sim.frames)} frames, ${fmt(statSync(file).size / 1e6)} MB gzip`);
    const run = (workers: number): { wall: number; report: string } => {
      const report = join(dir, `r${workers}.json`);
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, 'replay', file, '--workers', String(workers), '--report', report, '--force'], { env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' }, stdio: ['ignore', 'ignore', 'ignore'] });
      return { wall: (performance.now() - t0) / 1000, report: readFileSync(report, 'utf8') };
    };
    let one = Infinity;
    let two = Infinity;
    for (let round = 0; round < Number(process.env.BENCH_REPLAY_ROUNDS ?? 2); round++) {
      const a = run(1);
      const b = run(2);
      if (a.report !== b.report) throw new Error('replay --workers 2 wrote a report other than --workers 1');
      one = Math.min(one, a.wall);
      two = Math.min(two, b.wall);
    }
    out('  (fresh process each, fastest round)   wall s   speed-up');
    out(`  liqstream replay --workers 1         ${fmt(one, 2).padStart(8)}       1.00`);
    out(`  liqstream replay --workers 2         ${fmt(two, 2).padStart(8)} ${fmt(one / two, 2).padStart(10)}   (same report bytes)`);
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OCT10 } from '../src/simulate/oct10-profile.js';
import { writeOct10 } from '../src/simulate/write.js';
import { fmt } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';
import { minuteOfDay } from './window.js';

/** Printed by the replay process at exit (preloaded): its peak RSS and CPU, all threads. */
const RUSAGE = `data:text/javascript,process.on('exit',()=>{const r=process.resourceUsage();process.stderr.write('\\nRUSAGE '+JSON.stringify({maxRss:r.maxRSS,cpu:(r.userCPUTime+r.systemCPUTime)/1e6})+'\\n')})`;

interface Run {
  wall: number;
  cpu: number;
  /** kB */
  maxRss: number;
  /** Per worker thread, then the reader (--workers above 1): CPU s of the thread itself. */
  threads: string;
  report: string;
}

/**
 * `replay --speed max --workers 1` against `--workers 2` and `3` of the simulated 10 October, each a fresh CLI
 * process, BENCH_REPLAY_ROUNDS (default 2) interleaved rounds keeping the fastest; the reports must be the same
 * bytes. Beside wall time: the process's CPU seconds and peak RSS, each thread's own CPU seconds (from the
 * replay's log line), and the load average, since a shared host decides what two threads can gain.
 * BENCH_REPLAY_FROM / BENCH_REPLAY_TO (HH:MM, default the whole day) narrow the span.
 */
export async function benchReplayWorkers(out: (line: string) => void, figures: Recorder = NO_FIGURES): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liqstream-bench-workers-'));
  const cli = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));
  try {
    const file = join(dir, 'oct10.ndjson.gz');
    const from = process.env.BENCH_REPLAY_FROM ?? '00:00';
    const to = process.env.BENCH_REPLAY_TO ?? '24:00';
    const sim = await writeOct10(file, { seed: 20251010, accounts: OCT10.accounts, fromMinute: minuteOfDay(from), toMinute: minuteOfDay(to) });
    out(`replay --workers of the simulated 10 October ${from}-${to}: ${fmt(sim.frames)} frames, ${fmt(statSync(file).size / 1e6)} MB gzip`);
    const run = (workers: number): Run => {
      const report = join(dir, `r${workers}.json`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', RUSAGE, cli, 'replay', file, '--workers', String(workers), '--report', report, '--force'], {
        env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'info' },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      const wall = (performance.now() - t0) / 1000;
      if (r.status !== 0) throw new Error(`replay --workers ${workers} failed: ${r.stderr.slice(-2_000)}`);
      const usage = JSON.parse(/^RUSAGE (.*)$/m.exec(r.stderr)![1]!) as { maxRss: number; cpu: number };
      const line = r.stderr.split('\n').find((l) => l.includes('wall and CPU time per thread'));
      const t = line ? (JSON.parse(line) as { workers: { cpuMs?: number }[]; readerCpuMs?: number }) : undefined;
      const s = (ms: number | undefined) => (ms === undefined ? '?' : fmt(ms / 1000, 1));
      const threads = t ? `${t.workers.map((w) => s(w.cpuMs)).join(' + ')} + reader ${s(t.readerCpuMs)}` : '—';
      return { wall, cpu: usage.cpu, maxRss: usage.maxRss, threads, report: readFileSync(report, 'utf8') };
    };
    const counts = [1, 2, 3];
    const best = new Map<number, Run>();
    const loads: number[] = [];
    // Counts whose report was not --workers 1's bytes, in any round: printed, and the target missed (the figures still shown).
    const differ = new Set<number>();
    for (let round = 0; round < Number(process.env.BENCH_REPLAY_ROUNDS ?? 2); round++) {
      for (const n of counts) {
        loads.push(loadavg()[0]!);
        const r = run(n);
        if (n !== 1 && r.report !== best.get(1)!.report) differ.add(n);
        if (!best.has(n) || r.wall < best.get(n)!.wall) best.set(n, r);
      }
    }
    const one = best.get(1)!;
    out(`  (fresh process each, fastest of the rounds; 1-minute load average ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} on ${availableParallelism()} cores during the runs)`);
    out('  workers   wall s   speed-up   CPU s (process)   peak RSS MB   × RSS of 1   CPU s per thread (workers + reader)');
    for (const n of counts) {
      const r = best.get(n)!;
      out(
        `  ${String(n).padStart(7)} ${fmt(r.wall, 2).padStart(8)} ${fmt(one.wall / r.wall, 2).padStart(10)} ${fmt(r.cpu, 2).padStart(17)} ${fmt(r.maxRss / 1024).padStart(13)} ${fmt(r.maxRss / one.maxRss, 2).padStart(12)}   ${n === 1 ? '—' : r.threads}`,
      );
    }
    out(differ.size === 0 ? '  (same report bytes for every count)' : `  REPORTS DIFFER: --workers ${[...differ].join(', ')} wrote a report other than --workers 1's`);
    const two = best.get(2)!;
    const control = `--workers 1: ${fmt(one.wall, 2)} s wall, ${fmt(one.cpu, 2)} s CPU, ${fmt(one.maxRss / 1024)} MiB peak RSS; load ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} during the runs`;
    figures.record('workers:speedup', { value: one.wall / two.wall, note: `${fmt(two.wall, 2)} s; --workers 3 ${fmt(one.wall / best.get(3)!.wall, 2)}×`, control });
    figures.record('workers:rss', { value: two.maxRss / one.maxRss, note: `${fmt(two.maxRss / 1024)} MiB`, control });
    figures.record('workers:identical', { value: differ.size === 0, ...(differ.size > 0 ? { broken: `--workers ${[...differ].join(', ')} wrote other bytes` } : {}) });
    out('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The history store on the whole simulated 10 October (`npm run bench` section `store`, or
 * `node dist/bench/store.js` after `npm run build`; BENCH_STORE_DIR keeps the files). Prints: replay
 * time without and with --store (BENCH_STORE_ROUNDS interleaved pairs, default 5; the median of the
 * pairs' ratios, against the issue's 25%), the store's size per table and per million liquidations,
 * whether per-minute/venue/side USD equals minutes.csv to 1/10,000 USD, the time of two history
 * queries, and what a second import adds. Not a test: it prints what this machine does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minutesCsvCells, PERPS_ONLY_SQL, units } from '../src/report/minutes-csv.js';
import { median } from './stats.js';
import { NO_FIGURES, type Recorder } from './targets.js';

const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));
const env = { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' };

/** Wall time and CPU time (user + system, from /usr/bin/time: on a shared machine CPU time is the steadier figure). */
function timed(args: string[]): { seconds: number; cpu: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, '--max-semi-space-size=64', CLI, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`liqstream ${args.join(' ')} failed: ${r.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds: (performance.now() - t) / 1000, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, stdout: r.stdout };
}

export function bytesUnder(path: string): number {
  let total = 0;
  for (const f of readdirSync(path, { recursive: true }) as string[]) {
    const s = statSync(join(path, f));
    if (s.isFile()) total += s.size;
  }
  return total;
}

export function benchStore(out: (line: string) => void, figures: Recorder = NO_FIGURES): void {
  const dir = process.env.BENCH_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'liqstream-bench-store-'));
  mkdirSync(dir, { recursive: true });
  try {
    const recording = join(dir, 'oct10.ndjson.gz');
    const store = join(dir, 'store');
    rmSync(store, { recursive: true, force: true });
    out(timed(['simulate', 'oct-10', '--out', recording]).stdout.trim());
    // Pairs, each replay into a fresh store: the last one is kept for what follows.
    const pairs: { plain: ReturnType<typeof timed>; stored: ReturnType<typeof timed> }[] = [];
    for (let round = 0; round < Number(process.env.BENCH_STORE_ROUNDS ?? 5); round++) {
      rmSync(store, { recursive: true, force: true });
      const plain = timed(['replay', recording, '--report-dir', join(dir, 'report-plain'), '--force']);
      pairs.push({ plain, stored: timed(['replay', recording, '--report-dir', join(dir, 'report'), '--force', '--store', store]) });
    }
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
    out(`replay --speed max of the simulated 10 October, without and with --store (fresh processes, ${pairs.length} interleaved pairs; load average ${loadavg()[0]!.toFixed(1)} at the end):\n`);
    out('| pair | wall without / with | CPU without / with |');
    out('|---|--:|--:|');
    pairs.forEach((p, i) => out(`| ${i + 1} | ${p.plain.seconds.toFixed(1)} s / ${p.stored.seconds.toFixed(1)} s (${pct(p.stored.seconds / p.plain.seconds - 1)}) | ${p.plain.cpu.toFixed(1)} s / ${p.stored.cpu.toFixed(1)} s (${pct(p.stored.cpu / p.plain.cpu - 1)}) |`));
    const wallCost = median(pairs.map((p) => p.stored.seconds / p.plain.seconds - 1));
    const cpuCost = median(pairs.map((p) => p.stored.cpu / p.plain.cpu - 1));
    out(`\nstoring during the replay costs ${pct(wallCost)} wall, ${pct(cpuCost)} CPU (median of the pairs); target < +25% of the replay's time: ${wallCost < 0.25 ? 'met' : 'MISSED'} (the CPU is shown: the writer works beside the replay)\n`);
    const control = `replay without the store ${median(pairs.map((p) => p.plain.seconds)).toFixed(1)} s wall, ${median(pairs.map((p) => p.plain.cpu)).toFixed(1)} s CPU (medians)`;
    figures.record('store:cost', { value: wallCost, note: `median of ${pairs.length} pairs`, control });
    figures.record('store:cost-cpu', { value: cpuCost, note: `median of ${pairs.length} pairs`, control });

    const q = (sql: string) => JSON.parse(timed(['query', '--store', store, '--format', 'json', sql]).stdout) as Record<string, string>[];
    const [{ n }] = q(`SELECT count(*) AS n FROM liquidations`) as [{ n: string }];
    for (const t of readdirSync(store).filter((d) => d.startsWith('table='))) out(`  ${t.slice(6).padEnd(14)} ${(bytesUnder(join(store, t)) / 2 ** 20).toFixed(1)} MiB`);
    const liqBytes = bytesUnder(join(store, 'table=liquidations'));
    out(`liquidations: ${Number(n).toLocaleString('en-US')} rows (all kinds), ${(liqBytes / 2 ** 20).toFixed(1)} MiB: ${((liqBytes / Number(n)) * 1e6 / 2 ** 20).toFixed(1)} MiB per million liquidations (${(liqBytes / Number(n)).toFixed(1)} bytes each)`);

    // Exactness: per minute, venue and side against the report's minutes.csv.
    const expected = minutesCsvCells(join(dir, 'report', 'minutes.csv'));
    const stored = q(`SELECT epoch_ms(date_trunc('minute', event_time)) AS m, venue, side, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS_ONLY_SQL} GROUP BY ALL`);
    const mismatches = stored.filter((r) => expected.get(`${r.m}|${r.venue}|${r.side}`) !== units(r.usd!)).length + Math.max(0, expected.size - stored.length);
    out(`per minute × venue × side: ${expected.size.toLocaleString('en-US')} cells in minutes.csv, ${stored.length.toLocaleString('en-US')} in the store, ${mismatches} different (to 1/10,000 USD): ${mismatches === 0 ? 'met' : 'MISSED'}`);

    for (const [name, sql] of [
      ['top 20 minutes by USD', `SELECT date_trunc('minute', event_time) AS minute, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation','backstop') GROUP BY 1 ORDER BY 2 DESC LIMIT 20`],
      ['liquidation/OI ratio per venue per day', `WITH l AS (SELECT venue, day, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation','backstop') GROUP BY ALL), o AS (SELECT venue, day, avg(oi) AS oi FROM (SELECT venue, day, symbol, avg(oi_usd) AS oi FROM open_interest GROUP BY ALL) GROUP BY ALL) SELECT l.venue, l.day, l.usd / (o.oi * count(*) OVER (PARTITION BY l.venue, l.day)) AS ratio FROM l JOIN o USING (venue, day)`],
    ] as const) {
      const t = timed(['query', '--store', store, '--format', 'csv', sql]);
      out(`query "${name}": ${t.seconds.toFixed(2)} s including the CLI start`);
    }
    const again = timed(['store', 'import', '--store', store, recording]);
    out(`second import of the same recording: ${again.seconds.toFixed(1)} s, ${again.stdout.trim()}`);
  } finally {
    if (!process.env.BENCH_STORE_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) benchStore((line) => process.stdout.write(`${line}\n`));

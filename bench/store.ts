/**
 * The history store on the whole simulated 10 October (`node dist/bench/store.js`, after `npm run build`;
 * BENCH_STORE_DIR keeps the files). Prints: replay time without and with --store, the store's size
 * per table and per million liquidations, whether per-minute/venue/side USD equals minutes.csv to
 * 1/10,000 USD, the time of two history queries, and what a second import adds.
 * Not a test: it prints what this machine does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = process.env.BENCH_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'liqstream-bench-store-'));
mkdirSync(dir, { recursive: true });
const out = (line: string) => process.stdout.write(`${line}\n`);
const env = { ...process.env, LIQSTREAM_LOG_LEVEL: 'error' };

/** Wall time and CPU time (user + system, from /usr/bin/time: on a shared machine CPU time is the steadier figure). */
function timed(args: string[]): { seconds: number; cpu: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, '--max-semi-space-size=64', CLI, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`liqstream ${args.join(' ')} failed: ${r.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds: (performance.now() - t) / 1000, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, stdout: r.stdout };
}

function bytesUnder(path: string): number {
  let total = 0;
  for (const f of readdirSync(path, { recursive: true }) as string[]) {
    const s = statSync(join(path, f));
    if (s.isFile()) total += s.size;
  }
  return total;
}

const units = (text: string): number => {
  const [int, frac = ''] = text.split('.');
  return Number(int) * 10_000 + Number(frac.padEnd(4, '0'));
};

const recording = join(dir, 'oct10.ndjson.gz');
const store = join(dir, 'store');
rmSync(store, { recursive: true, force: true });
out(timed(['simulate', 'oct-10', '--out', recording]).stdout.trim());
const plain = timed(['replay', recording, '--report-dir', join(dir, 'report-plain'), '--force']);
const withStore = timed(['replay', recording, '--report-dir', join(dir, 'report'), '--force', '--store', store]);
const pct = (a: number, b: number) => `+${(((b - a) / a) * 100).toFixed(0)}%`;
out(`replay --speed max: ${plain.seconds.toFixed(1)} s without the store, ${withStore.seconds.toFixed(1)} s with --store (${pct(plain.seconds, withStore.seconds)}); CPU ${plain.cpu.toFixed(1)} s and ${withStore.cpu.toFixed(1)} s (${pct(plain.cpu, withStore.cpu)})`);

const q = (sql: string) => JSON.parse(timed(['query', '--store', store, '--format', 'json', sql]).stdout) as Record<string, string>[];
const [{ n }] = q(`SELECT count(*) AS n FROM liquidations`) as [{ n: string }];
for (const t of readdirSync(store).filter((d) => d.startsWith('table='))) out(`  ${t.slice(6).padEnd(14)} ${(bytesUnder(join(store, t)) / 2 ** 20).toFixed(1)} MiB`);
const liqBytes = bytesUnder(join(store, 'table=liquidations'));
out(`liquidations: ${Number(n).toLocaleString('en-US')} rows (all kinds), ${(liqBytes / 2 ** 20).toFixed(1)} MiB: ${((liqBytes / Number(n)) * 1e6 / 2 ** 20).toFixed(1)} MiB per million liquidations (${(liqBytes / Number(n)).toFixed(1)} bytes each)`);

// Exactness: per minute, venue and side against the report's minutes.csv.
const [header, ...lines] = readFileSync(join(dir, 'report', 'minutes.csv'), 'utf8').trim().split('\n');
const cols = header!.split(',');
const expected = new Map<string, number>();
for (const line of lines) {
  const cells = line.split(',');
  cols.forEach((c, i) => {
    const m = /^(.+)_(long|short)_usd$/.exec(c);
    if (m && units(cells[i]!) !== 0) expected.set(`${cells[1]}|${m[1]}|${m[2]}`, units(cells[i]!));
  });
}
const stored = q(`SELECT epoch_ms(date_trunc('minute', event_time)) AS m, venue, side, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') GROUP BY ALL`);
const mismatches = stored.filter((r) => expected.get(`${r.m}|${r.venue}|${r.side}`) !== units(r.usd!)).length + Math.max(0, expected.size - stored.length);
out(`per minute × venue × side: ${expected.size.toLocaleString('en-US')} cells in minutes.csv, ${stored.length.toLocaleString('en-US')} in the store, ${mismatches} different (to 1/10,000 USD)`);

for (const [name, sql] of [
  ['top 20 minutes by USD', `SELECT date_trunc('minute', event_time) AS minute, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation','backstop') GROUP BY 1 ORDER BY 2 DESC LIMIT 20`],
  ['liquidation/OI ratio per venue per day', `WITH l AS (SELECT venue, day, sum(usd) AS usd FROM liquidations WHERE kind IN ('liquidation','backstop') GROUP BY ALL), o AS (SELECT venue, day, avg(oi) AS oi FROM (SELECT venue, day, symbol, avg(oi_usd) AS oi FROM open_interest GROUP BY ALL) GROUP BY ALL) SELECT l.venue, l.day, l.usd / (o.oi * count(*) OVER (PARTITION BY l.venue, l.day)) AS ratio FROM l JOIN o USING (venue, day)`],
] as const) {
  const t = timed(['query', '--store', store, '--format', 'csv', sql]);
  out(`query "${name}": ${t.seconds.toFixed(2)} s including the CLI start`);
}
const again = timed(['store', 'import', '--store', store, recording]);
out(`second import of the same recording: ${again.seconds.toFixed(1)} s, ${again.stdout.trim()}`);
if (!process.env.BENCH_STORE_DIR) rmSync(dir, { recursive: true, force: true });

/**
 * The QuestDB store on the whole simulated 10 October (`node dist/bench/questdb.js`, after `npm run build`,
 * with a server from `scripts/questdb/questdb.sh start`; QUESTDB_HTTP_PORT / QUESTDB_PG_PORT name it,
 * default 9000/8812; BENCH_RECORDING reuses a recording, BENCH_STORE_DIR keeps the files). Empties the
 * store's tables first. Prints: the import's time, whether per-minute/venue/side USD equals the replay
 * report's minutes.csv to 1/10,000 USD, the time of two history queries over the PostgreSQL wire, the
 * tables' size on disk, and what a second import changes. Not a test: it prints what this machine does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minutesCsvCells, PERPS_ONLY_SQL } from '../src/report/minutes-csv.js';
import { QuestDbConfig } from '../src/sinks/questdb/config.js';
import { pgClient } from '../src/sinks/questdb/questdb-sink.js';
import { TABLE_NAMES } from '../src/sinks/store/tables.js';

const CLI = fileURLToPath(new URL('../bundle/cli/main.js', import.meta.url));
const dir = process.env.BENCH_STORE_DIR ?? mkdtempSync(join(tmpdir(), 'liqstream-bench-questdb-'));
mkdirSync(dir, { recursive: true });
const out = (line: string) => process.stdout.write(`${line}\n`);
const http = `127.0.0.1:${process.env.QUESTDB_HTTP_PORT ?? '9000'}`;
const pg = `127.0.0.1:${process.env.QUESTDB_PG_PORT ?? '8812'}`;
const env = { ...process.env, LIQSTREAM_LOG_LEVEL: 'error', LIQSTREAM_STORE__KIND: 'questdb', LIQSTREAM_STORE__QUESTDB__HTTP: http, LIQSTREAM_STORE__QUESTDB__PG: pg };
const config = QuestDbConfig.parse({ http, pg, queryTimeoutMs: 600_000 });

/** Wall time and CPU time of the liqstream process (user + system, from /usr/bin/time). */
function timed(args: string[]): { seconds: number; cpu: number; stdout: string } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, CLI, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`liqstream ${args.join(' ')} failed: ${r.stderr}`);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds: (performance.now() - t) / 1000, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN, stdout: r.stdout };
}

/** A connection per statement: QuestDB closes one left idle through a long import. */
const q = async (sql: string) => {
  const client = await pgClient(config);
  try {
    return (await client.query(sql)).rows as Record<string, string>[];
  } finally {
    await client.end();
  }
};
const applied = async () => {
  while (Number((await q('SELECT count() AS n FROM wal_tables() WHERE writerTxn < sequencerTxn'))[0]!.n) > 0) await new Promise((r) => setTimeout(r, 100));
};
const recording = process.env.BENCH_RECORDING ?? join(dir, 'oct10.ndjson.gz');
if (!existsSync(recording)) out(timed(['simulate', 'oct-10', '--out', recording]).stdout.trim());
if (!existsSync(join(dir, 'report', 'minutes.csv'))) {
  const plain = timed(['replay', recording, '--report-dir', join(dir, 'report'), '--force']);
  out(`replay --speed max without a store: ${plain.seconds.toFixed(1)} s (CPU ${plain.cpu.toFixed(1)} s)`);
}
const existing = new Set((await q('SELECT table_name FROM tables()')).map((r) => r.table_name));
for (const t of TABLE_NAMES) if (existing.has(t)) await q(`TRUNCATE TABLE ${t}`);

const first = timed(['store', 'import', recording]);
const t0 = performance.now();
await applied();
out(`store import into QuestDB: ${first.seconds.toFixed(1)} s (CPU ${first.cpu.toFixed(1)} s), then ${((performance.now() - t0) / 1000).toFixed(1)} s until QuestDB applied its WAL; ${first.stdout.trim()}`);

const expected = minutesCsvCells(join(dir, 'report', 'minutes.csv'));
const stored = await q(`SELECT timestamp_floor('m', event_time)::long / 1000 AS m, venue, side, sum(usd_e4) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS_ONLY_SQL}`);
const mismatches = stored.filter((r) => expected.get(`${r.m}|${r.venue}|${r.side}`) !== Number(r.usd)).length + Math.max(0, expected.size - stored.length);
out(`per minute × venue × side: ${expected.size.toLocaleString('en-US')} cells in minutes.csv, ${stored.length.toLocaleString('en-US')} in QuestDB, ${mismatches} different (to 1/10,000 USD)`);
const [{ n, ids }] = (await q('SELECT count() AS n, count_distinct(id) AS ids FROM liquidations')) as [{ n: string; ids: string }];
out(`liquidations: ${Number(n).toLocaleString('en-US')} rows (all kinds), ${Number(ids).toLocaleString('en-US')} distinct ids`);
for (const r of await q(`SELECT tableName, diskSize FROM table_storage() WHERE tableName IN (${TABLE_NAMES.map((t) => `'${t}'`).join(', ')}) ORDER BY tableName`).catch(() => [])) {
  out(`  ${r.tableName!.padEnd(14)} ${(Number(r.diskSize) / 2 ** 20).toFixed(1)} MiB on disk (QuestDB's table_storage(): columns, indexes and WAL segments not yet purged)`);
}

for (const [name, sql] of [
  ['top 20 minutes by USD', `SELECT timestamp_floor('m', event_time) AS minute, sum(usd_e4) / 10000.0 AS usd FROM liquidations WHERE kind IN ('liquidation','backstop') ORDER BY usd DESC LIMIT 20`],
  ['liquidation/OI ratio per venue per day', `WITH l AS (SELECT venue, timestamp_floor('d', event_time) AS day, sum(usd_e4) / 10000.0 AS usd FROM liquidations WHERE kind IN ('liquidation','backstop')),
     s AS (SELECT venue, timestamp_floor('d', event_time) AS day, symbol, avg(oi_usd) AS oi FROM open_interest),
     o AS (SELECT venue, day, sum(oi) AS oi FROM s)
     SELECT l.venue, l.day, l.usd / o.oi AS ratio FROM l JOIN o ON l.venue = o.venue AND l.day = o.day`],
] as const) {
  const t = performance.now();
  const rows = await q(sql);
  out(`query "${name}": ${((performance.now() - t) / 1000).toFixed(2)} s over the PostgreSQL wire (${rows.length} rows)`);
}
const before = await q(`SELECT count() AS n, sum(usd_e4) AS usd FROM liquidations`);
const again = timed(['store', 'import', recording]);
await applied();
const after = await q(`SELECT count() AS n, sum(usd_e4) AS usd FROM liquidations`);
out(`second import of the same recording: ${again.seconds.toFixed(1)} s; liquidations ${JSON.stringify(before[0])} before, ${JSON.stringify(after[0])} after`);
if (!process.env.BENCH_STORE_DIR) rmSync(dir, { recursive: true, force: true });

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { minutesCsvCells, PERPS_ONLY_SQL as PERPS, units } from '../../src/report/minutes-csv.js';
import { simulated } from '../support/simulated.js';
import { until } from '../support/until.js';


/*
 * The acceptance of the history store on a simulated slice of 10 October (about 43,000 liquidations;
 * bench/store.ts does the whole day): the store's per-minute, per-venue, per-side USD is the replay
 * report's minutes.csv to the 1/10,000 USD; importing the same recording again adds nothing; a
 * writer killed with SIGKILL mid-import and run again leaves exactly the reference rows.
 */
const dir = mkdtempSync(join(tmpdir(), 'liqstream-store-cli-'));
const store = join(dir, 'store');
/** The same simulated slice as report.cli.test.ts: made once for both (test/support/simulated.ts). */
let recording: string;
let simDir: string;
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (simDir) rmSync(simDir, { recursive: true, force: true });
});

async function query(sql: string, storeDir = store): Promise<Record<string, string>[]> {
  const r = await runCli(['query', '--store', storeDir, '--format', 'json', sql]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, string>[];
}

const parquetFiles = (root: string): string[] =>
  (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet') && f.startsWith('table=')).sort();

/** parquetFiles of a store being written: a staging folder the writer removes mid-listing is a listing taken again. */
function committedWhileWriting(root: string): number {
  for (;;) {
    try {
      return parquetFiles(root).length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

const TOTALS = `SELECT venue, kind, count(*) AS n, count(DISTINCT id) AS ids, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations GROUP BY ALL ORDER BY ALL`;

beforeAll(async () => {
  ({ dir: simDir, recording } = await simulated(['--from', '20:40', '--to', '21:00', '--accounts', '1500000']));
  const r = await runCli(['replay', recording, '--report-dir', join(dir, 'report'), '--store', store], { LIQSTREAM_LOG_LEVEL: 'error' });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^stored: liquidations [\d,]+ new of [\d,]+/m);
}, 120_000);

describe('liqstream replay --store / store import / query', () => {
  it('per minute, venue and side, the store equals the report’s minutes.csv to 1/10,000 USD (raw liquidations and the minutes table)', async () => {
    const expected = minutesCsvCells(join(dir, 'report', 'minutes.csv'));
    expect(expected.size).toBeGreaterThan(100);
    const raw = await query(
      `SELECT epoch_ms(date_trunc('minute', event_time)) AS m, venue, side, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS} GROUP BY ALL`,
    );
    expect(new Map(raw.map((r) => [`${r.m}|${r.venue}|${r.side}`, units(r.usd!)]))).toEqual(expected);
    const table = await query(`SELECT epoch_ms(minute) AS m, venue, CAST(long_usd AS VARCHAR) AS long, CAST(short_usd AS VARCHAR) AS short FROM minutes WHERE venue <> 'all'`);
    const fromTable = new Map<string, number>();
    for (const r of table) for (const side of ['long', 'short']) if (units(r[side]!) !== 0) fromTable.set(`${r.m}|${r.venue}|${side}`, units(r[side]!));
    expect(fromTable).toEqual(expected);
    const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as { totals: { count: number }; cascades: { id: string }[] };
    const [counted] = await query(`SELECT count(*) AS n FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS}`);
    expect(Number(counted!.n)).toBe(report.totals.count);
    expect((await query('SELECT id FROM cascades')).map((c) => c.id)).toEqual(report.cascades.map((c) => c.id));
  });

  it('importing the same recording again adds no row and no file', async () => {
    const before = { totals: await query(TOTALS), files: parquetFiles(store) };
    const r = await runCli(['store', 'import', '--store', store, recording], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^stored: liquidations 0 new of [\d,]+, open_interest 0 new of [\d,]+, minutes 0 new of [\d,]+, cascades 0 new of 1, onchain 0 new of [\d,]+$/m);
    expect({ totals: await query(TOTALS), files: parquetFiles(store) }).toEqual(before);
    for (const r of before.totals) expect(r.n).toBe(r.ids);
  });

  it('kill -9 of the writer mid-import, then the import again: the reference rows, each once', async () => {
    const killed = join(dir, 'killed');
    const config = join(dir, 'small-commits.yaml');
    writeFileSync(config, 'store:\n  flushRows: 3000\n');
    // Killed at different points of the import; each run continues what the last one committed.
    for (const commitsBeforeKill of [1, 4, 9]) {
      const child = spawn(process.execPath, [CLI, 'store', 'import', '--store', killed, '--config', config, recording], { stdio: 'ignore', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'silent' } });
      const exited = new Promise((r) => child.on('exit', r));
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (!existsSync(killed) || committedWhileWriting(killed) < commitsBeforeKill)) await new Promise((r) => setTimeout(r, 5));
      child.kill('SIGKILL');
      await exited;
    }
    expect(existsSync(join(killed, '_writer.lock'))).toBe(true); // left by the killed process, taken over below
    // The kills did stop it part way: some rows committed, not all.
    const [partial] = await query('SELECT count(*) AS n FROM liquidations', killed);
    const [all] = await query('SELECT count(*) AS n FROM liquidations');
    expect(Number(partial!.n)).toBeGreaterThan(0);
    expect(Number(partial!.n)).toBeLessThan(Number(all!.n));
    const r = await runCli(['store', 'import', '--store', killed, '--config', config, recording], { LIQSTREAM_LOG_LEVEL: 'error' });
    expect(r.code).toBe(0);
    const totals = await query(TOTALS, killed);
    expect(totals).toEqual(await query(TOTALS));
    for (const t of totals) expect(t.n).toBe(t.ids);
    expect(readdirSync(join(killed, '_staging'))).toEqual([]);
  }, 180_000);

  it('replay --store --metrics-port serves /api/history over what it stored; --store with --workers is refused', async () => {
    // The same recording as the store above: the same rows.
    const [all] = await query(`SELECT CAST(sum(usd) AS DOUBLE) AS usd, count(*) AS n FROM liquidations WHERE kind IN ('liquidation', 'backstop')`);
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'replay', recording, '--store', join(dir, 'served'), '--metrics-port', String(port), '--linger', '60', '--report', join(dir, 'served.json')], { stdio: 'ignore', env: { ...process.env, LIQSTREAM_LOG_LEVEL: 'silent' } });
    try {
      let rows: { usd: number; count: number }[] = [];
      // Commits land while the replay runs; all of it is there before the linger starts.
      await until(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/api/history/minutes?step=1d`).catch(() => undefined);
        rows = r?.status === 200 ? ((await r.json()) as { rows: typeof rows }).rows : [];
        return rows.reduce((a, r) => a + r.count, 0) === Number(all!.n);
      }, 'the whole replay on /api/history', 90_000);
      expect(rows.reduce((a, r) => a + r.usd, 0)).toBeCloseTo(Number(all!.usd), 2);
    } finally {
      child.kill('SIGKILL');
    }
    const refused = await runCli(['replay', recording, '--store', join(dir, 'never'), '--workers', '2']);
    expect([refused.code, refused.stderr]).toEqual([2, 'liqstream: --store cannot be combined with --workers above 1 (the store reads one aggregator)\n']);
  }, 120_000);

  it('query writes CSV and Parquet; a wrong statement exits 1 with DuckDB’s message', async () => {
    const csv = await runCli(['query', '--store', store, '--format', 'csv', "SELECT venue, count(*) AS n FROM liquidations WHERE venue = 'bybit-linear' GROUP BY venue"]);
    expect(csv.stdout).toMatch(/^venue,n\nbybit-linear,\d+\n$/);
    const out = join(dir, 'out.parquet');
    expect((await runCli(['query', '--store', store, '--format', 'parquet', '--out', out, 'SELECT * FROM cascades'])).code).toBe(0);
    const back = await query(`SELECT count(*) AS n FROM read_parquet('${out}')`);
    expect(back).toEqual([{ n: '1' }]);
    const bad = await runCli(['query', '--store', store, 'SELECT nope FROM liquidations']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Binder Error.*nope/);
  });
});

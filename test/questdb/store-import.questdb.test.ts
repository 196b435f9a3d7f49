import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestDbHistory } from '../../src/sinks/questdb/history.js';
import { DuckDbHistory } from '../../src/sinks/store/history.js';
import { StoreReader } from '../../src/sinks/store/reader.js';
import { TABLE_NAMES } from '../../src/sinks/store/tables.js';
import { historyApi, type HistoryApi } from '../../src/web/history-api.js';
import { CLI, runCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { minutesCsvCells, PERPS_ONLY_SQL as PERPS } from '../../src/report/minutes-csv.js';
import { applied, questdbConfig, questdbEnv, sql, truncateAll } from '../support/questdb.js';
import { simulated } from '../support/simulated.js';
import { until } from '../support/until.js';


/*
 * The QuestDB store's acceptance on a simulated slice of 10 October (20:40-21:00, about 43,000
 * liquidations; the whole day is measured in bench, see docs/history.md): stored through QuestDB and
 * queried per minute, venue and side it is the replay report's minutes.csv to 1/10,000 USD; /api/history
 * answers exactly as from the Parquet store of the same replay; a second import changes nothing; a
 * writer killed with SIGKILL mid-import and run again leaves the reference rows, each once.
 */
let dir = '';
let recording = '';
const log = pino({ level: 'silent' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOTALS = `SELECT venue, kind, count() AS n, count_distinct(id) AS ids, sum(usd_e4) AS usd_e4 FROM liquidations ORDER BY venue, kind`;
const counts = async () => Object.fromEntries(await Promise.all(TABLE_NAMES.map(async (t) => [t, Number((await sql(`SELECT count() AS n FROM ${t}`))[0]!.n)])));

async function importSlice(extra: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['store', 'import', recording], { LIQSTREAM_LOG_LEVEL: 'error', ...questdbEnv(), ...extra });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await applied();
  return r.stdout;
}

let reference: Record<string, unknown>[] = [];

beforeAll(async () => {
  await truncateAll();
  // The 20:40-21:00 slice, simulated once per simulator version and shared between runs (test/support/simulated.ts),
  // with the store's CLI tests too (same arguments and file name: one cache entry).
  ({ dir, recording } = await simulated(['--from', '20:40', '--to', '21:00', '--accounts', '1500000']));
  // The reference: the replay's report, and the Parquet store of the same replay.
  const r = await runCli(['replay', recording, '--report-dir', join(dir, 'report'), '--store', join(dir, 'store')], { LIQSTREAM_LOG_LEVEL: 'error' });
  expect(r.code).toBe(0);
  const out = await importSlice();
  expect(out).toMatch(/^stored in QuestDB \(each key kept once\): liquidations [\d,]+ written of [\d,]+, open_interest [\d,]+ written of [\d,]+, minutes [\d,]+ written of [\d,]+, cascades 1 written of 1, onchain [\d,]+ written of [\d,]+$/m);
  reference = await sql(TOTALS);
}, 180_000);

describe('store.kind questdb: store import, minutes.csv, /api/history, re-import, kill -9', () => {
  it('per minute, venue and side, QuestDB equals the report’s minutes.csv to 1/10,000 USD (raw liquidations and the minutes table)', async () => {
    const expected = minutesCsvCells(join(dir, 'report', 'minutes.csv'));
    expect(expected.size).toBeGreaterThan(100);
    const raw = await sql(
      `SELECT timestamp_floor('m', event_time)::long / 1000 AS m, venue, side, sum(usd_e4) AS usd FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS}`,
    );
    expect(new Map(raw.map((r) => [`${r.m}|${r.venue}|${r.side}`, Number(r.usd)]))).toEqual(expected);
    const table = await sql(`SELECT minute::long / 1000 AS m, venue, long_usd_e4 AS long, short_usd_e4 AS short FROM minutes WHERE venue <> 'all'`);
    const fromTable = new Map<string, number>();
    for (const r of table) for (const side of ['long', 'short']) if (Number(r[side]) !== 0) fromTable.set(`${r.m}|${r.venue}|${side}`, Number(r[side]));
    expect(fromTable).toEqual(expected);
    const report = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8')) as { totals: { count: number }; cascades: { id: string }[] };
    const [counted] = await sql(`SELECT count() AS n FROM liquidations WHERE kind IN ('liquidation', 'backstop') AND ${PERPS}`);
    expect(Number(counted!.n)).toBe(report.totals.count);
    expect((await sql('SELECT id FROM cascades')).map((c) => c.id)).toEqual(report.cascades.map((c) => c.id));
    for (const r of reference) expect(r.n).toBe(r.ids);
  });

  it('/api/history answers exactly as from the Parquet store of the same replay', async () => {
    const apis: HistoryApi[] = [historyApi(new QuestDbHistory(questdbConfig(), log), log), historyApi(new DuckDbHistory(await StoreReader.open(join(dir, 'store'))), log)];
    const ask = async (api: HistoryApi, path: string) => {
      const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
      expect(api.handle(new URL(`http://x/api/history/${path}`), res as never)).toBe(true);
      await until(() => res.status !== 0, path);
      return { status: res.status, body: JSON.parse(res.body) as unknown };
    };
    const from = Date.UTC(2025, 9, 10, 20, 45);
    try {
      for (const path of [
        'liquidations?limit=10000',
        'liquidations?sort=usd&limit=50',
        `liquidations?venue=binance-usdm&side=short&minUsd=100000.5&from=${from}&to=${from + 300_000}`,
        'liquidations?base=ETH&kind=adl,backstop&limit=500',
        'minutes?step=1m&by=venue,side',
        'minutes?step=1h&by=base,symbol&kind=liquidation,backstop,adl,vault',
        `minutes?step=1d&by=venue,symbol,base,side&minUsd=1000000&from=${from}`,
        'minutes?step=1m&limit=5',
        'cascades',
      ]) {
        const [q, d] = [await ask(apis[0]!, path), await ask(apis[1]!, path)];
        expect(q.status, path).toBe(200);
        expect(q, path).toEqual(d);
      }
      // Not a vacuous match: the queries found rows.
      expect(((await ask(apis[0]!, 'minutes?step=1m&by=venue,side')).body as { rows: unknown[] }).rows.length).toBeGreaterThan(100);
    } finally {
      for (const api of apis) await api.close();
    }
  });

  it('importing the same recording again changes nothing', async () => {
    const before = await counts();
    expect(before.open_interest).toBeGreaterThan(0);
    await importSlice();
    expect(await counts()).toEqual(before);
    expect(await sql(TOTALS)).toEqual(reference);
  });

  it('an import while QuestDB cannot be reached exits 1 naming the error, not with success', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await runCli(['store', 'import', recording], { LIQSTREAM_LOG_LEVEL: 'silent', ...questdbEnv(), LIQSTREAM_STORE__QUESTDB__HTTP: dead, LIQSTREAM_STORE__QUESTDB__PG: dead });
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', expect.stringMatching(/^liqstream: .*ECONNREFUSED/)]);
  });

  it('kill -9 of the writer mid-import, then the import again: the reference rows, each once', async () => {
    await truncateAll();
    // Small requests, so the kill lands between acknowledged ones.
    const env = { ...process.env, ...questdbEnv(), LIQSTREAM_LOG_LEVEL: 'silent', LIQSTREAM_STORE__QUESTDB__FLUSH_ROWS: '2000' };
    for (const rowsBeforeKill of [1, 10_000]) {
      const child = spawn(process.execPath, [CLI, 'store', 'import', recording], { stdio: 'ignore', env });
      const exited = new Promise((r) => child.on('exit', r));
      await until(async () => Number((await sql('SELECT count() AS n FROM liquidations'))[0]!.n) >= rowsBeforeKill, 'rows before the kill', 60_000);
      child.kill('SIGKILL');
      await exited;
    }
    await applied();
    const [partial] = await sql('SELECT count() AS n FROM liquidations');
    const all = reference.reduce((a, r) => a + Number(r.n), 0);
    expect(Number(partial!.n)).toBeGreaterThan(0);
    expect(Number(partial!.n)).toBeLessThan(all);
    await importSlice({ LIQSTREAM_STORE__QUESTDB__FLUSH_ROWS: '2000' });
    expect(await sql(TOTALS)).toEqual(reference);
  }, 180_000);
});

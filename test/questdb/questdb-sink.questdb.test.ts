import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuestDbHistory } from '../../src/sinks/questdb/history.js';
import { QuestDbSink } from '../../src/sinks/questdb/questdb-sink.js';
import { historyApi, type HistoryApi } from '../../src/web/history-api.js';
import { liquidation, openInterest } from '../support/events.js';
import { HOSTILE_HISTORY_PARAMS } from '../support/hostile-history.js';
import { freePort } from '../support/free-port.js';
import { applied, freezeQuestDb, questdbConfig, questdbPid, sql, truncateAll } from '../support/questdb.js';
import { until } from '../support/until.js';

/*
 * The QuestDB sink against the project's real server: a row sent again (in a batch, by another writer,
 * by a retried request) is stored once; a frozen server (SIGSTOP) costs failed flushes, counted and
 * retried, never the process, a row or a double; a buffer past its bound drops the oldest rows, counted
 * with their time range; hostile /api/history parameters are refused before any SQL.
 */
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 21, 0);
const thaw = () => process.kill(questdbPid(), 'SIGCONT');
const TOTALS = 'SELECT count() AS n, count_distinct(id) AS ids, sum(usd_e4) AS usd_e4 FROM liquidations';
const metric = async (registry: Registry, name: string) => (await registry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0);

beforeAll(truncateAll);
afterAll(() => {
  try {
    thaw(); // never leave the server frozen for the next file
  } catch {
    // not running
  }
});

describe('QuestDB sink', () => {
  it('stores a row sent twice once: within a batch, across flushes and across writers; minutes and open interest by their keys', async () => {
    const events = [
      liquidation('a', T0, 1.23456),
      liquidation('a', T0, 1.23456),
      liquidation('b', T0 + 1, 2.5, { side: 'short' }),
      liquidation('a', T0 + 2, 7, { venue: 'binance-usdm' }), // same id, another venue: another row
      liquidation('c', T0 + 86_400_000, 3), // next day
      openInterest('BTCUSDT', T0, 1e9),
      openInterest('BTCUSDT', T0, 1e9),
      { type: 'gap' as const, venue: 'okx', from: T0, to: T0 + 5_000, reason: 'reconnect' },
    ];
    const minute = { minute: T0, count: 2, byVenue: { 'bybit-linear': { long: 12_346, short: 25_000, count: 2, fidelity: 'complete' } } } as never;
    for (let writer = 0; writer < 2; writer++) {
      const sink = QuestDbSink.open(questdbConfig(), log);
      sink.onEvents(events);
      sink.onMinuteClosed(minute, 5e9);
      await sink.flush();
      sink.onEvents(events);
      await sink.close();
      expect(sink.stats.written.liquidations).toBe(10);
      expect(sink.stats.failedFlushes).toBe(0);
    }
    await applied();
    // 1.23456 is stored as the aggregator rounds it (toUnits): 1.2346.
    expect(await sql(TOTALS)).toEqual([{ n: '4', ids: '3', usd_e4: '137346' }]);
    expect(await sql('SELECT venue, long_usd_e4, short_usd_e4, count, oi_usd FROM minutes ORDER BY venue')).toEqual([
      { venue: 'all', long_usd_e4: '12346', short_usd_e4: '25000', count: 2, oi_usd: 5e9 },
      { venue: 'bybit-linear', long_usd_e4: '12346', short_usd_e4: '25000', count: 2, oi_usd: null },
    ]);
    expect(await sql('SELECT count() AS n FROM open_interest')).toEqual([{ n: '1' }]);
    expect(await sql('SELECT count() AS n FROM gaps')).toEqual([{ n: '1' }]);
  });

  it('QuestDB frozen (SIGSTOP) mid-run: flushes fail, are counted and retried; once it is back nothing is lost or doubled', async () => {
    await truncateAll();
    const registry = new Registry();
    const lines: { level: number; msg: string; downMs?: number }[] = [];
    const logged = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    const sink = QuestDbSink.open(questdbConfig({ flushMs: 100 }), logged, registry);
    const batch = (from: number) => Array.from({ length: 500 }, (_, i) => liquidation(`f${from + i}`, T0 + from + i, 1 + i / 10_000));
    sink.onEvents(batch(0));
    await sink.flush();
    try {
      await freezeQuestDb();
      sink.onEvents(batch(500));
      // The timer's flushes time out against the frozen server; the process goes on (this test is it).
      await until(() => sink.stats.failedFlushes >= 2, 'failed flushes while frozen', 20_000);
      expect(sink.buffered).toBe(500);
      sink.onEvents(batch(1000));
    } finally {
      thaw();
    }
    await until(() => sink.buffered === 0, 'the queue sent after the thaw', 30_000);
    await sink.close();
    expect(await metric(registry, 'liqstream_questdb_failed_flushes_total')).toBe(sink.stats.failedFlushes);
    expect(await metric(registry, 'liqstream_questdb_rows_dropped_total')).toBe(0);
    expect(await metric(registry, 'liqstream_questdb_buffered_rows')).toBe(0);
    // One error line for the outage however many flushes failed (at most one per 30 s), one when it is back.
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'questdb: write failed; rows kept and sent again at the next flush'],
      [40, 'questdb: writing again'],
    ]);
    expect(lines[1]!.downMs).toBeGreaterThan(500);
    await applied();
    // A request sent to the frozen server may have been applied after the thaw and sent again: stored once.
    const sum = Array.from({ length: 3 }, () => Array.from({ length: 500 }, (_, i) => 10_000 + i).reduce((a, b) => a + b, 0)).reduce((a, b) => a + b, 0);
    expect(await sql(TOTALS)).toEqual([{ n: '1500', ids: '1500', usd_e4: String(sum) }]);
  });

  it('while QuestDB does not answer, the buffer is bounded: the oldest rows are dropped, counted with their time range; the rest are stored', async () => {
    await truncateAll();
    const registry = new Registry();
    const sink = QuestDbSink.open(questdbConfig({ flushMs: 60_000, requestTimeoutMs: 300, maxBufferedRows: 5 }), log, registry);
    try {
      await freezeQuestDb();
      sink.onEvents(Array.from({ length: 8 }, (_, i) => liquidation(`d${i}`, T0 + i * 1000, 1)));
      await expect(sink.flush()).rejects.toThrow();
    } finally {
      thaw();
    }
    expect(sink.stats.dropped.liquidations).toBe(3);
    expect([sink.stats.droppedFrom, sink.stats.droppedTo]).toEqual([T0, T0 + 2000]);
    expect(await metric(registry, 'liqstream_questdb_rows_dropped_total')).toBe(3);
    // The rest is written; close says what was not (an import exits 1 on it).
    await expect(sink.close()).rejects.toThrow(
      '3 rows with event time from 2025-10-10T21:00:00.000Z to 2025-10-10T21:00:02.000Z were dropped while QuestDB did not answer (store.questdb.maxBufferedRows); write them again (store import)',
    );
    await applied();
    expect((await sql('SELECT id FROM liquidations ORDER BY id')).map((r) => r.id)).toEqual(['d3', 'd4', 'd5', 'd6', 'd7']);
  });

  it('no QuestDB at all: open does not fail, the flush and close fail (an import reports it), the rows are counted', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const sink = QuestDbSink.open(questdbConfig({ http: dead, pg: dead, flushMs: 60_000 }), log);
    sink.onEvents([liquidation('x', T0, 1)]);
    await expect(sink.flush()).rejects.toThrow(/ECONNREFUSED/);
    await expect(sink.close()).rejects.toThrow(/ECONNREFUSED/);
    expect([sink.stats.failedFlushes, sink.buffered]).toEqual([2, 1]);
  });
});

describe('/api/history over QuestDB', () => {
  let api: HistoryApi;
  const ask = async (path: string, over = api) => {
    const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
    expect(over.handle(new URL(`http://x/api/history/${path}`), res as never)).toBe(true);
    await until(() => res.status !== 0, path);
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> & { liquidations?: { id: string }[] } };
  };
  beforeAll(async () => {
    await truncateAll();
    const sink = QuestDbSink.open(questdbConfig(), log);
    // A symbol with a quote in it is stored as it came (the API refuses such text as a parameter).
    sink.onEvents([liquidation('1', T0, 5), liquidation("6'--", T0 + 2, 7, { symbol: "X'; DROP TABLE liquidations; --" })]);
    await sink.close();
    await applied();
    api = historyApi(new QuestDbHistory(questdbConfig(), log), log);
  });
  afterAll(() => api.close());

  it('refuses hostile and oversized parameters with 400 before any SQL; the table is intact', async () => {
    for (const q of HOSTILE_HISTORY_PARAMS) expect([q, (await ask(q)).status]).toEqual([q, 400]);
    const all = await ask('liquidations');
    expect([all.status, all.body.liquidations!.map((l) => l.id)]).toEqual([200, ["6'--", '1']]);
  });

  it('at most maxConcurrent queries at once (503 beyond); a query QuestDB does not answer in queryTimeoutMs is 504', async () => {
    const one = historyApi(new QuestDbHistory(questdbConfig({ maxConcurrent: 1 }), log), log);
    const hurried = historyApi(new QuestDbHistory(questdbConfig({ queryTimeoutMs: 500 }), log), log);
    try {
      const [a, b] = await Promise.all([ask('minutes?step=1h', one), ask('minutes?step=1h', one)]);
      expect([a.status, b]).toEqual([200, { status: 503, body: { error: '1 history queries are running; try again' } }]);
      try {
        await freezeQuestDb();
        const started = Date.now();
        expect(await ask('liquidations', hurried)).toEqual({ status: 504, body: { error: 'query stopped after 500 ms' } });
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        thaw();
      }
    } finally {
      await one.close();
      await hurried.close();
    }
  });

  it('QuestDB unreachable: 500 with the error logged, the process goes on', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const down = historyApi(new QuestDbHistory(questdbConfig({ pg: dead }), log), log);
    expect(await ask('minutes?step=1h', down)).toEqual({ status: 500, body: { error: 'history query failed (logged)' } });
    await down.close();
  });
});

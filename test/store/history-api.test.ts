import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { QueryTimeoutError, StoreReader } from '../../src/sinks/store/reader.js';
import { DuckDbHistory } from '../../src/sinks/store/history.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { Dataset } from '../../src/sinks/store/dataset.js';
import { historyApi, type HistoryApi } from '../../src/web/history-api.js';
import { liquidation } from '../support/events.js';
import { HOSTILE_HISTORY_PARAMS } from '../support/hostile-history.js';

const dir = mkdtempSync(join(tmpdir(), 'liqstream-history-'));
const log = pino({ level: 'silent' });
const T0 = Date.UTC(2025, 9, 10, 21, 0);
let server: Server;
let api: HistoryApi;
let base = '';

beforeAll(async () => {
  const sink = await StoreSink.open(StoreConfig.parse({ dir }), log);
  sink.onEvents([
    liquidation('1', T0, 1_000_000, { base: 'ETH', symbol: 'ETHUSDT' }),
    liquidation('2', T0 + 30_000, 2_000_000.5, { base: 'ETH', symbol: 'ETHUSDT', side: 'short', venue: 'okx' }),
    liquidation('3', T0 + 60_000, 500, { base: 'ETH', symbol: 'ETHUSDT' }),
    liquidation('4', T0 + 61_000, 3_000_000, { base: 'BTC', symbol: 'BTCUSDT', venue: 'okx' }),
    liquidation('5', T0 + 3_600_000, 4, { base: 'BTC', symbol: 'BTCUSDT', kind: 'adl' }),
    // A symbol with a quote in it is stored as it came (not from the API, which refuses such text).
    liquidation("6'--", T0 + 2, 7, { symbol: "X'; DROP TABLE liquidations; --" }),
  ]);
  sink.onCascade({ type: 'cascade', phase: 'end', id: 'cascade-1', start: T0, peakMinute: T0, peakMinuteUsd: 3, end: T0 + 60_000, totalUsd: 3, byVenue: { okx: { longUsd: 3, shortUsd: 0, lowerBound: false } }, lowerBound: false, longShare: 1, oiDrawdownUsd: null, oiDrawdownPct: null, ledBy: 'okx', baselineUsd: 1 });
  await sink.close();
  api = historyApi(new DuckDbHistory(await StoreReader.open(dir, { maxConcurrent: 4 })), log);
  server = createServer((req, res) => {
    if (!api.handle(new URL(req.url!, 'http://x'), res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  api.close();
  rmSync(dir, { recursive: true, force: true });
});

const until = async (ok: () => boolean) => {
  for (const deadline = Date.now() + 10_000; !ok() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
};

const get = async (path: string) => {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> & { liquidations?: { id: string; usd: number }[]; rows?: Record<string, unknown>[] } };
};

describe('/api/history', () => {
  it('liquidations: filters by venue, base, side, minUsd and time, largest first with sort=usd', async () => {
    const r = await get(`/api/history/liquidations?base=ETH&minUsd=1000&sort=usd&from=${T0}&to=${T0 + 3_600_000}`);
    expect(r.status).toBe(200);
    expect(r.body.liquidations!.map((l) => [l.id, l.usd])).toEqual([['2', 2_000_000.5], ['1', 1_000_000]]);
    expect((await get('/api/history/liquidations?venue=okx&side=long')).body.liquidations!.map((l) => l.id)).toEqual(['4']);
    expect((await get('/api/history/liquidations?kind=adl')).body.liquidations!.map((l) => l.id)).toEqual(['5']);
    expect((await get('/api/history/liquidations?minUsd=2500000.5')).body.liquidations!.map((l) => l.id)).toEqual(['4']);
    expect((await get('/api/history/liquidations?limit=2')).body.liquidations!.map((l) => l.id)).toEqual(['5', '4']);
    const one = (await get('/api/history/liquidations?venue=okx&base=BTC')).body.liquidations![0]!;
    expect(one).toEqual({ venue: 'okx', id: '4', kind: 'liquidation', fidelity: 'complete', symbol: 'BTCUSDT', base: 'BTC', side: 'long', price: 1, qty: 3_000_000, usd: 3_000_000, eventTime: T0 + 61_000, receiveTime: T0 + 61_000 });
  });

  it('minutes: per step and by the chosen columns, liquidations and backstops only by default', async () => {
    const m = await get('/api/history/minutes?step=1m&by=venue,side');
    expect(m.body.rows).toEqual([
      { time: T0, venue: 'bybit-linear', side: 'long', usd: 1_000_007, longUsd: 1_000_007, shortUsd: 0, count: 2 },
      { time: T0, venue: 'okx', side: 'short', usd: 2_000_000.5, longUsd: 0, shortUsd: 2_000_000.5, count: 1 },
      { time: T0 + 60_000, venue: 'bybit-linear', side: 'long', usd: 500, longUsd: 500, shortUsd: 0, count: 1 },
      { time: T0 + 60_000, venue: 'okx', side: 'long', usd: 3_000_000, longUsd: 3_000_000, shortUsd: 0, count: 1 },
    ]);
    const h = await get('/api/history/minutes?step=1h&by=base');
    expect(h.body.rows).toEqual([
      { time: T0, base: 'BTC', usd: 3_000_007, longUsd: 3_000_007, shortUsd: 0, count: 2 },
      { time: T0, base: 'ETH', usd: 3_000_500.5, longUsd: 1_000_500, shortUsd: 2_000_000.5, count: 3 },
    ]);
    expect((await get('/api/history/minutes?step=1d&kind=adl')).body.rows).toEqual([{ time: Date.UTC(2025, 9, 10), usd: 4, longUsd: 4, shortUsd: 0, count: 1 }]);
  });

  it('cascades: episodes with their venues', async () => {
    const c = await get('/api/history/cascades');
    expect(c.body.cascades).toEqual([expect.objectContaining({ id: 'cascade-1', start: T0, end: T0 + 60_000, byVenue: { okx: { longUsd: 3, shortUsd: 0, lowerBound: false } } })]);
  });

  it('refuses hostile and oversized parameters with 400 before any SQL', async () => {
    for (const q of HOSTILE_HISTORY_PARAMS) {
      const r = await get(`/api/history/${q}`);
      expect([q, r.status]).toEqual([q, 400]);
    }
    // The table is intact.
    expect((await get('/api/history/liquidations?limit=10')).body.liquidations).toHaveLength(6);
  });

  it('from/to are read as /api/minutes and the CLI read them (ISO 8601 or 13-digit ms; seconds refused); a parameter given twice is refused', async () => {
    const iso = await get('/api/history/liquidations?from=2025-10-10T21:00Z&to=2025-10-10T21:01Z');
    expect([iso.status, iso.body.liquidations!.map((l) => l.id).sort()]).toEqual([200, ['1', '2', "6'--"]]);
    expect((await get('/api/history/cascades?from=2025-10-10&to=2025-10-11')).body.cascades).toHaveLength(1);
    const seconds = await get(`/api/history/liquidations?from=${T0 / 1000}`);
    expect([seconds.status, seconds.body.error]).toEqual([400, expect.stringContaining('looks like seconds since the epoch')]);
    expect((await get(`/api/history/minutes?from=${T0 + 1}&to=${T0}`)).body.error).toBe('from: from must be before to');
    const twice = await get('/api/history/liquidations?venue=okx&venue=bybit-linear');
    expect([twice.status, twice.body.error]).toEqual([400, '"venue": given more than once']);
    expect((await get('/api/history/cascades?limit=1&limit=10000')).status).toBe(400);
  });

  it('a query past its time is stopped: 504 from the API, QueryTimeoutError from the reader', async () => {
    const slow = await StoreReader.open(dir, { timeoutMs: 200 });
    const started = Date.now();
    await expect(slow.query('SELECT count(*) FROM range(10000000000000) a, range(1000) b')).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    slow.close();
    // The API's answer to a stopped query, and to one over the concurrency bound.
    const stopped = { query: () => Promise.reject(new QueryTimeoutError('query stopped after 10000 ms')), close() {} };
    const hurried = historyApi(new DuckDbHistory(stopped as unknown as StoreReader), log);
    const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
    expect(hurried.handle(new URL('http://x/api/history/minutes?step=1d&by=venue,symbol,base,side'), res as never)).toBe(true);
    await until(() => res.status !== 0);
    expect([res.status, JSON.parse(res.body)]).toEqual([504, { error: 'query stopped after 10000 ms' }]);
    hurried.close();
  });

  it('a query that starts after its time ran out (queued behind busy threads) is stopped too', async () => {
    // The query reaches DuckDB 400 ms late, as when libuv's threads (which run DuckDB's calls) are all busy. Before,
    // the one interrupt at 200 ms found nothing running and was lost: the query ran to its end (in a unit worker
    // shared with other files, a query of hours went on burning CPU after its test had timed out).
    const original = DuckDBConnection.prototype.runAndReadAll;
    const late = vi.spyOn(DuckDBConnection.prototype, 'runAndReadAll').mockImplementation(async function (this: DuckDBConnection, ...args) {
      await new Promise((r) => setTimeout(r, 400));
      return original.apply(this, args);
    });
    const slow = await StoreReader.open(dir, { timeoutMs: 200 });
    try {
      const started = Date.now();
      await expect(slow.query('SELECT sum(hash(i) % 7) FROM range(1000000000) t(i)')).rejects.toBeInstanceOf(QueryTimeoutError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      late.mockRestore();
      slow.close();
    }
  });

  it('many clients at once while a writer commits and compacts: each answers 200 or 503, never a wrong result', async () => {
    const writer = await StoreSink.open(StoreConfig.parse({ dir, compactMinFiles: 2, maintenanceMs: 1_000 }), log);
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        writer.onEvents([liquidation(`w${i}`, T0 + 86_400_000 + i, 1)]);
        await writer.flush();
      }
    })();
    const results = [];
    for (let round = 0; round < 5; round++) results.push(...(await Promise.all(Array.from({ length: 12 }, () => get('/api/history/minutes?step=1h&kind=liquidation')))));
    writing = false;
    await writes;
    await writer.close();
    const ok = results.filter((r) => r.status === 200);
    expect(results.filter((r) => r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(ok.length).toBeGreaterThanOrEqual(20);
    // The hour written before is exact in every answer; the hour being written (and compacted) only
    // ever shows whole commits: never more rows than were written, never a row twice.
    for (const r of ok) {
      expect(r.body.rows![0]).toEqual({ time: T0, usd: 6_000_507.5, longUsd: 4_000_507, shortUsd: 2_000_000.5, count: 5 });
      const later = r.body.rows!.slice(1) as { usd: number; count: number }[];
      for (const h of later) expect(h.usd).toBe(h.count);
      expect(later.reduce((a, h) => a + h.count, 0)).toBeLessThanOrEqual(writer.stats.written.liquidations);
    }
    expect(writer.stats.written.liquidations).toBeGreaterThan(0);
  });

  it('an answer over files the store could not read says so (partial, leftOutFiles) and holds the rest; other tables’ answers do not', async () => {
    const spoiled = mkdtempSync(join(tmpdir(), 'liqstream-history-spoiled-'));
    try {
      const sink = await StoreSink.open(StoreConfig.parse({ dir: spoiled }), log);
      sink.onEvents([liquidation('a', T0, 10), liquidation('b', T0 + 1, 20, { venue: 'okx' })]);
      sink.onCascade({ type: 'cascade', phase: 'end', id: 'cascade-1', start: T0, peakMinute: T0, peakMinuteUsd: 3, end: T0 + 60_000, totalUsd: 3, byVenue: {}, lowerBound: false, longShare: 1, oiDrawdownUsd: null, oiDrawdownPct: null, ledBy: 'okx', baselineUsd: 1 });
      await sink.close();
      const [file] = new Dataset(spoiled).files('liquidations').filter((f) => f.includes('venue=okx'));
      const good = readFileSync(file!);
      writeFileSync(file!, 'not Parquet');
      const partial = historyApi(new DuckDbHistory(await StoreReader.open(spoiled)), log);
      const ask = async (path: string) => {
        const res = { status: 0, body: '', headersSent: false, writeHead(s: number) { this.status = s; return this; }, end(b: string) { this.body = b; } };
        partial.handle(new URL(`http://x${path}`), res as never);
        await until(() => res.status !== 0);
        return [res.status, JSON.parse(res.body) as Record<string, unknown>] as const;
      };
      const day = `from=${T0}&to=${T0 + 86_400_000}`;
      expect(await ask(`/api/history/minutes?step=1d&${day}`)).toEqual([200, { step: '1d', by: [], rows: [{ time: Date.UTC(2025, 9, 10), usd: 10, longUsd: 10, shortUsd: 0, count: 1 }], limit: 10_000, partial: true, leftOutFiles: 1 }]);
      expect((await ask(`/api/history/liquidations?${day}`))[1]).toMatchObject({ liquidations: [{ id: 'a' }], partial: true, leftOutFiles: 1 });
      const cascades = (await ask(`/api/history/cascades?${day}`))[1];
      expect(cascades).toMatchObject({ cascades: [{ id: 'cascade-1' }] });
      expect(cascades).not.toHaveProperty('partial');
      // Restored: whole again, and no longer flagged.
      writeFileSync(file!, good);
      const whole = (await ask(`/api/history/minutes?step=1d&${day}`))[1];
      expect(whole).toMatchObject({ rows: [{ usd: 30, count: 2 }] });
      expect(whole).not.toHaveProperty('partial');
      partial.close();
    } finally {
      rmSync(spoiled, { recursive: true, force: true });
    }
  });
});

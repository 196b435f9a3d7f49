import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConfig } from '../../src/sinks/store/config.js';
import { StoreSink } from '../../src/sinks/store/store-sink.js';
import { ColumnRows, type BufferColumn, type ColumnChunk } from '../../src/sinks/store/columns.js';
import { liquidation, openInterest } from '../support/events.js';
import { storeRows } from '../support/store-rows.js';

// The store's columnar write path (src/sinks/store/columns.ts): strings as dictionary codes, times and
// USD units as numbers, 2,048 rows a chunk; and what the sink says is durable.
const root = mkdtempSync(join(tmpdir(), 'liqstream-store-columns-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = pino({ level: 'silent' });
let n = 0;
const config = (over: Partial<StoreConfig> = {}) => StoreConfig.parse({ dir: join(root, `s${n++}`), flushMs: 60_000, ...over });
const T0 = Date.UTC(2025, 9, 10, 21, 0);

const rows = storeRows;

describe('store columns', () => {
  it('values come back exactly: quoted and odd strings, a large USD figure to 1/10,000 (units near 2^50), ms times at the ends of the range; across chunk boundaries', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    const odd = [
      liquidation('q1', T0, 123_456_789_012.3456, { symbol: "O'BRIEN-PERP", base: "O'B", source: "src';DROP TABLE x;--" }),
      liquidation('q2', T0 + 1, 0.0001, { symbol: 'Ünïcødé/€', side: 'short' }),
      liquidation('q3', 8_640_000_000_000 - 1, 1.23455, { symbol: '' }),
    ];
    // 5,000 ordinary rows between them: three chunks, the odd rows in the first and the last.
    const many = Array.from({ length: 5_000 }, (_, i) => liquidation(`m${i}`, T0 + 10 + i, 1 + i / 10_000, { symbol: `S${i % 7}USDT` }));
    sink.onEvents([odd[0]!, ...many, odd[1]!, odd[2]!]);
    sink.onEvents([openInterest('BTCUSDT', T0, 123.456, { source: 'test' })]);
    await sink.close();
    expect(sink.stats.written.liquidations).toBe(5_003);
    const got = await rows(c.dir, `SELECT id, symbol, base, side, source, CAST(usd AS VARCHAR) AS usd, epoch_ms(event_time) AS t FROM liquidations WHERE id LIKE 'q%' ORDER BY id`);
    expect(got).toEqual([
      { id: 'q1', symbol: "O'BRIEN-PERP", base: "O'B", side: 'long', source: "src';DROP TABLE x;--", usd: '123456789012.3456', t: String(T0) },
      { id: 'q2', symbol: 'Ünïcødé/€', base: 'BTC', side: 'short', source: 'test', usd: '0.0001', t: String(T0 + 1) },
      { id: 'q3', symbol: '', base: 'BTC', side: 'long', source: 'test', usd: '1.2346', t: String(8_640_000_000_000 - 1) },
    ]);
    const [sum] = await rows(c.dir, `SELECT count(*) AS n, CAST(sum(usd) AS VARCHAR) AS usd, count(DISTINCT symbol) AS symbols FROM liquidations WHERE id LIKE 'm%'`);
    // 5,000 + (0 + 1 + … + 4,999) / 10,000 = 5,000 + 1,249.75
    expect(sum).toEqual({ n: '5000', usd: '6249.7500', symbols: '7' });
    expect(await rows(c.dir, `SELECT symbol, oi_usd, source FROM open_interest`)).toEqual([{ symbol: 'BTCUSDT', oi_usd: 123.456, source: 'test' }]);
  });

  it('a minute with no open interest and a fidelity-less venue row store nulls, not codes', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onMinuteClosed({ minute: T0, count: 1, byVenue: { 'bybit-linear': { long: 10_000, short: 0, count: 1, fidelity: 'complete' } } } as never, undefined);
    await sink.close();
    expect(await rows(c.dir, `SELECT venue, fidelity, oi_usd, CAST(long_usd AS VARCHAR) AS long FROM minutes ORDER BY venue`)).toEqual([
      { venue: 'all', fidelity: null, oi_usd: null, long: '1.0000' },
      { venue: 'bybit-linear', fidelity: 'complete', oi_usd: null, long: '1.0000' },
    ]);
  });

  it('durable counts the rows received that a commit made queryable; a backfill commits by size, not by time', async () => {
    const c = config({ flushMs: 100, flushRows: 3 });
    const told: number[] = [];
    const sink = await StoreSink.open(c, log, { bySizeOnly: true, onCommitted: (d) => told.push(d.liquidations) });
    sink.onEvents([liquidation('a', T0, 1), liquidation('b', T0, 1)]);
    await new Promise((r) => setTimeout(r, 400)); // four flushMs: no commit by time
    expect(sink.stats.durable.liquidations).toBe(0);
    sink.onEvents([liquidation('c', T0, 1)]); // the third row: flushRows
    await sink.flush();
    expect(sink.stats.durable.liquidations).toBe(3);
    sink.onEvents([liquidation('a', T0, 1)]); // already stored: durable too, nothing written
    await sink.close();
    expect(sink.stats.durable.liquidations).toBe(4);
    expect(sink.stats.written.liquidations).toBe(3);
    expect(told.at(-1)).toBe(4);
    expect(await rows(c.dir, 'SELECT count(*) AS n FROM liquidations')).toEqual([{ n: '3' }]);
  });

  // stageTable writes the usual batch (no copy within it, no key the writer's index holds) straight from the
  // buffers, any other through a table of its own: both paths, and rows gathered in reused typed arrays
  // across chunk boundaries with nulls among them, against a model of what each key's first row stores.
  it("property: batches with copies within and across them store each key's first row exactly, with nulls where values were missing", async () => {
    const row = fc.record({
      id: fc.integer({ min: 0, max: 40 }),
      venue: fc.constantFrom('bybit-linear', 'okx'),
      day: fc.integer({ min: 0, max: 1 }),
      usd: fc.integer({ min: 1, max: 2 ** 40 }),
      ms: fc.integer({ min: 0, max: 86_399_999 }),
      oi: fc.option(fc.double({ min: 1, max: 1e12, noNaN: true }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(row, { maxLength: 3_000 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        const c = config();
        const sink = await StoreSink.open(c, log);
        const first = new Map<string, { usd: number; t: number }>();
        const minutes: { t: number; oi: number | undefined }[] = [];
        const minuteSeen = new Set<number>();
        for (const batch of batches) {
          for (const r of batch) {
            const t = Date.UTC(2025, 9, 10) + r.day * 86_400_000 + r.ms;
            const key = `${r.venue}|${r.day}|${r.id}`;
            if (!first.has(key)) first.set(key, { usd: r.usd, t });
            sink.onEvent(liquidation(`i${r.id}`, t, r.usd / 10_000, { venue: r.venue }));
            // Up to 2,880 minutes (two days): more than a chunk, nulls in more than one.
            if (!minuteSeen.has(t - (t % 60_000))) {
              minuteSeen.add(t - (t % 60_000));
              minutes.push({ t: t - (t % 60_000), oi: r.oi });
              sink.onMinuteClosed({ minute: t - (t % 60_000), count: 0, byVenue: {} } as never, r.oi);
            }
          }
          await sink.flush();
        }
        await sink.close();
        expect(sink.stats.written.liquidations).toBe(first.size);
        const got = await rows(c.dir, `SELECT venue, CAST(day AS VARCHAR) AS day, id, CAST(usd * 10000 AS BIGINT) AS u, epoch_ms(event_time) AS t FROM liquidations`);
        const want = [...first].map(([k, v]) => {
          const [venue, day, id] = k.split('|');
          return { venue, day: day === '0' ? '2025-10-10' : '2025-10-11', id: `i${id}`, u: String(v.usd), t: String(v.t) };
        });
        const order = (xs: { venue?: string; day?: string; id?: string }[]) => [...xs].sort((a, b) => `${a.venue}|${a.day}|${a.id}`.localeCompare(`${b.venue}|${b.day}|${b.id}`));
        expect(order(got as never)).toEqual(order(want));
        const oi = await rows(c.dir, `SELECT epoch_ms(minute) AS t, oi_usd FROM minutes ORDER BY minute`);
        expect(oi).toEqual([...minutes].sort((a, b) => a.t - b.t).map((m) => ({ t: String(m.t), oi_usd: m.oi ?? null })));
      }),
      { numRuns: 12 },
    );
  }, 120_000);
  it('an event beyond what the store keeps exactly (schema-valid, past the pipeline’s limits) is refused and counted; the rows beside it are stored', async () => {
    const c = config();
    const lines: { msg: string; reason?: string }[] = [];
    const sink = await StoreSink.open(c, pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) }));
    const huge = liquidation('huge', T0, 1e15); // 10^19 units: past DECIMAL(18,4); every commit after it failed before
    sink.onEvents([liquidation('a', T0, 10), huge, { type: 'retraction', venue: huge.venue, id: huge.id, event: huge, reason: 'removed', receiveTime: T0 }, openInterest('BTCUSDT', T0, 1e15), liquidation('b', T0 + 1, 20)]);
    await sink.flush();
    sink.onEvents([liquidation('c', T0 + 2, 30)]);
    await sink.close();
    expect(sink.stats).toMatchObject({ failedCommits: 0, refused: { liquidations: 1, retractions: 1, open_interest: 1 }, received: { liquidations: 3, retractions: 0, open_interest: 0 }, written: { liquidations: 3 } });
    expect(lines.filter((l) => /event refused/.test(l.msg))).toHaveLength(3);
    expect(lines[0]!.reason).toMatch(/exceeds limits.maxNotionalUsd/);
    expect(await rows(c.dir, `SELECT count(*) AS n, CAST(sum(usd) AS VARCHAR) AS usd FROM liquidations`)).toEqual([{ n: '3', usd: '60.0000' }]);
  });

  it('close called again while the first is committing waits for the same close', async () => {
    const c = config();
    const sink = await StoreSink.open(c, log);
    sink.onEvents([liquidation('a', T0, 10)]);
    const first = sink.close();
    await sink.close();
    expect(sink.stats.commits).toBe(1);
    expect(sink.stats.durable.liquidations).toBe(1);
    await first;
  });

  // ColumnRows alone: 16,384 rows a chunk, typed arrays given back by the writer and written again (their old
  // values still in them), drains at any row. Every row comes out of the chunks as it went in, nulls where missing.
  it('property: gathered rows come out of the chunks exactly, across chunk boundaries and recycled arrays', () => {
    const columns: BufferColumn[] = [['c', 'code'], ['t', 'text'], ['d', 'double'], ['i', 'int'], ['b', 'bool']];
    type Row = [string | undefined, string | undefined, number | undefined, number | undefined, boolean | undefined];
    const value = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 5 });
    const row = fc.tuple(value(fc.constantFrom('a', 'b', "c'd", 'é')), value(fc.string()), value(fc.double({ noNaN: true })), value(fc.integer()), value(fc.boolean()));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40_000 }), fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 4 }), fc.array(row, { minLength: 1, maxLength: 64 }), (n, drains, pattern) => {
        const out: Row[] = [];
        const dictionary: string[] = [];
        const rows: ColumnRows = new ColumnRows(columns, (chunk: ColumnChunk) => {
          chunk.dictionaries[0]?.forEach((v) => dictionary.push(v));
          const nulls = chunk.nulls.map((list) => new Set(list));
          for (let r = 0; r < chunk.rows; r++) {
            const at = (i: number) => (nulls[i]!.has(r) ? undefined : chunk.columns[i]![r]);
            const code = at(0) as number | undefined;
            const b = at(4) as number | undefined;
            out.push([code === undefined ? undefined : dictionary[code], at(1) as string | undefined, at(2) as number | undefined, at(3) as number | undefined, b === undefined ? undefined : b === 1]);
          }
          rows.recycle(chunk.columns); // as the writer does once DuckDB has the values
        });
        const want: Row[] = [];
        for (let k = 0; k < n; k++) {
          const r = pattern[k % pattern.length]!;
          want.push(r);
          rows.putCode(r[0]);
          for (let i = 1; i < 5; i++) rows.put(r[i]);
          rows.end();
          if (drains.includes(k)) rows.drain();
        }
        rows.drain();
        expect(out).toEqual(want);
      }),
      { numRuns: 25 },
    );
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { readTardisLiquidations, tardisRowParser } from '../../src/replay/tardis.js';
import { replay } from '../../src/replay/replay.js';
import { parsersFor, sourceFor } from '../../src/replay/sources.js';
import { pino } from 'pino';
import type { RecordingItem } from '../../src/replay/recording.js';
import { tempDir } from '../support/recording.js';

const RECV = 1_760_130_900_000;
const row = (exchange: string, symbol: string, sec: number, side: 'buy' | 'sell', price: string, amount: string, id = `r${sec}`) =>
  `${exchange},${symbol},${sec}000000,${sec}000050,${id},${side},${price},${amount}`;

async function venuesOf(lines: string[]): Promise<string[]> {
  const csv = join(tempDir(), 'rows.csv');
  writeFileSync(csv, ['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', ...lines].join('\n'));
  const out: string[] = [];
  for await (const item of readTardisLiquidations(csv) as AsyncGenerator<RecordingItem>) out.push(item.ok ? item.frame.venue : `bad: ${item.reason}`);
  return out;
}

const one = (r: ReturnType<ReturnType<typeof tardisRowParser>>): LiquidationEvent => {
  if (!r.ok) throw new Error(r.reason);
  expect(r.events).toHaveLength(1);
  return r.events[0] as LiquidationEvent;
};

describe('tardis rows through the venues’ instrument tables', () => {
  it('an exchange column naming an Object property (__proto__, constructor, toString) is a bad row, not a crash or a venue', async () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    expect(await venuesOf([...names.map((e) => row(e, 'BTCUSDT', 1, 'buy', '1', '1')), row('binance-futures', 'BTCUSDT', 2, 'buy', '1', '1')])).toEqual([
      ...names.map((e) => `bad: exchange ${e} is not a liqstream venue`),
      'binance-usdm',
    ]);
  });

  it('a .csv.gz cut short gives the rows it holds, then one bad line naming the cut (before: the whole input failed)', async () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => row('binance-futures', 'BTCUSDT', i + 1, 'buy', '100', '1'));
    const whole = gzipSync(['exchange,symbol,timestamp,local_timestamp,id,side,price,amount', ...rows].join('\n'));
    const csv = join(tempDir(), 'cut.csv.gz');
    writeFileSync(csv, whole.subarray(0, Math.floor(whole.length / 2)));
    const items: RecordingItem[] = [];
    for await (const item of readTardisLiquidations(csv)) items.push(item);
    const good = items.filter((i) => i.ok);
    expect(good.length).toBeGreaterThan(0);
    expect(good.length).toBeLessThan(2_000);
    // Every row read is a whole row, in order; then the one bad line.
    expect(good.map((i) => (i.ok ? i.frame.frame : ''))).toEqual(rows.slice(0, good.length));
    expect(items.length).toBe(good.length + 1);
    expect(items.at(-1)).toMatchObject({ ok: false, line: good.length + 2 });
    expect(items.at(-1)!.ok === false && items.at(-1)).toMatchObject({ reason: expect.stringMatching(/^the file ends mid-stream/) });
  });

  it('replayed with others: a cut before its first whole row is a warning, not wrong input; the cut is not judged with --max-bad-share', async () => {
    const header = 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount';
    const rows = Array.from({ length: 50 }, (_, i) => row('binance-futures', 'BTCUSDT', i + 1, 'buy', '100', '1'));
    const dir = tempDir();
    const whole = join(dir, 'whole.csv.gz');
    writeFileSync(whole, gzipSync([header, ...rows].join('\n')));
    // The header and half the first row; and one whole row, then the cut (1 bad line of 2: over 10% if judged).
    const headerOnly = join(dir, 'header-only.csv.gz');
    writeFileSync(headerOnly, gzipSync(`${header}\n${rows[0]!.slice(0, 20)}`).subarray(0, -8));
    const oneRow = join(dir, 'one-row.csv.gz');
    const other = (sec: number) => row('binance-futures', 'BTCUSDT', sec, 'buy', '100', '1');
    writeFileSync(oneRow, gzipSync(`${header}\n${other(100)}\n${other(101)}`).subarray(0, -8));
    const warnings: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void warnings.push(JSON.parse(l) as Record<string, unknown>) });
    const replayOf = (files: string[]) => replay({ files, speed: 'max', log, source: sourceFor('tardis-liquidations'), parsers: parsersFor('tardis-liquidations') });
    // Before: "header-only.csv.gz: no frames recognised in 1 lines — is --format right?", and "1 of 2 lines (50.0%)".
    const { report } = await replayOf([whole, headerOnly, oneRow]);
    expect(report.totals.count).toBe(51);
    expect(report.input.badLines).toBe(2);
    expect(warnings.filter((w) => String(w.msg).startsWith('recording holds no line')).map((w) => w.file)).toEqual([headerOnly]);
  });

  it('Bybit inverse futures (BTCUSDZ25, ETHUSDH26) are bybit-inverse, linear USDT/USDC markets bybit-linear', async () => {
    expect(
      await venuesOf([
        row('bybit', 'BTCUSDZ25', 1760130901, 'sell', '61000', '20000'),
        row('bybit', 'ETHUSDH26', 1760130902, 'buy', '3500', '5000'),
        row('bybit', 'BTCUSD', 1760130903, 'sell', '61000', '1000'),
        row('bybit', 'BTCPERP', 1760130904, 'sell', '61000', '0.5'),
        row('bybit', 'BTCUSDT-26DEC25', 1760130905, 'sell', '61000', '0.5'),
      ]),
    ).toEqual(['bybit-inverse', 'bybit-inverse', 'bybit-inverse', 'bybit-linear', 'bybit-linear']);
  });

  it('a BTCUSDZ25 row of 20,000 contracts is $20,000, not 20,000 × price', () => {
    const e = one(tardisRowParser('bybit-inverse')(row('bybit', 'BTCUSDZ25', 1760130901, 'sell', '61000', '20000'), RECV));
    expect(e).toMatchObject({ venue: 'bybit-inverse', symbol: 'BTCUSDZ25', base: 'BTC', side: 'long', price: 61000, notionalUsd: 20_000, qty: 20_000 / 61000 });
  });

  it('an ETHUSDH26 row of 5,000 contracts is $5,000', () => {
    const e = one(tardisRowParser('bybit-inverse')(row('bybit', 'ETHUSDH26', 1760130902, 'buy', '3500', '5000'), RECV));
    expect(e).toMatchObject({ base: 'ETH', side: 'short', notionalUsd: 5_000, qty: 5_000 / 3500 });
  });

  it('linear USDC perpetuals (BTCPERP) are unchanged: amount × price', () => {
    const e = one(tardisRowParser('bybit-linear')(row('bybit', 'BTCPERP', 1760130904, 'sell', '61000', '0.5'), RECV));
    expect(e).toMatchObject({ base: 'BTC', qty: 0.5, notionalUsd: 30_500 });
  });

  it('a BTC-quoted Binance contract (ETHBTC) is converted at the last BTCUSDT row within 5 minutes', () => {
    const parse = tardisRowParser('binance-usdm');
    // Without a BTCUSDT row first: no reference, so the row is refused (a bad line), not counted at face value.
    const lonely = parse(row('binance-futures', 'ETHBTC', 1760130900, 'sell', '0.0355', '10'), RECV);
    expect(lonely).toEqual({ ok: false, reason: expect.stringMatching(/^no reference price: ETHBTC is quoted in BTC/) });
    expect(one(parse(row('binance-futures', 'BTCUSDT', 1760130901, 'sell', '100000', '0.001'), RECV)).notionalUsd).toBe(100);
    const e = one(parse(row('binance-futures', 'ETHBTC', 1760130902, 'sell', '0.0355', '10'), RECV));
    expect(e).toMatchObject({ symbol: 'ETHBTC', base: 'ETH', qty: 10, price: 0.0355, side: 'long' });
    expect(e.notionalUsd).toBeCloseTo(35_500, 6);
    // 5 minutes and 1 second after the reference: stale, refused again.
    const stale = parse(row('binance-futures', 'ETHBTC', 1760130901 + 301, 'sell', '0.0355', '10'), RECV);
    expect(stale.ok).toBe(false);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTardisLiquidations, tardisRowParser } from '../../src/replay/tardis.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { binanceSocketPlan } from '../../src/venues/binance/plan.js';
import { planHyperliquidSockets } from '../../src/venues/hyperliquid/plan.js';
import { createBybitParser } from '../../src/venues/bybit/parse.js';
import { parseNodeFillsLine } from '../../src/venues/hyperliquid/node-block.js';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import type { ParseResult } from '../../src/venues/venue.js';
import { binanceFrames, fixture } from '../support/fixtures.js';
import { DEEP, deepArray } from '../support/hostile.js';
import { refusedEntry } from '../support/refusals.js';

/**
 * The hostile frames, one table per venue, each with the exact outcome. Before the fix, the deep
 * error replies threw a RangeError out of the parser, and every numeric case below either became an event
 * (with a wrong or non-finite value, or a time in microseconds) or was rejected for a different reason.
 */
const RECV = 1_739_502_303_300;
const rejected = (reason: string): ParseResult => ({ ok: false, reason });
const none: ParseResult = { ok: true, events: [] };

// Numeric strings Number() reads (as 16, 1, 1000, 0, Infinity, NaN) that no venue writes.
const NUMERIC = ['0x10', '+1', ' 1e3 ', '', '1e400', 'NaN', 'Infinity'];
const LONG_DECIMAL = `1${'0'.repeat(400)}`; // a decimal whose value is Infinity as a double
const EPOCH_MESSAGE = 'expected epoch milliseconds (at most 13 digits)';

describe('Binance: hostile frames', () => {
  const usdm = () => createBinanceParser({ venue: 'binance-usdm' });
  const { usdm: [frame] } = binanceFrames();
  const withAp = (ap: string) => frame!.replace('"ap":"9910"', `"ap":${JSON.stringify(ap)}`);
  const withZ = (z: string) => frame!.replace('"z":"0.014"', `"z":${JSON.stringify(z)}`);

  it('an error reply nested 100,000 deep is a rejected frame, not a RangeError', () => {
    const deep = `{"id":1,"error":${deepArray(DEEP)}}`;
    expect(usdm()(deep, RECV)).toEqual(rejected('subscribe error: [[[[[…]]]]]'));
    // ManagedSocket asks the plan about every frame: the refusal is reported, not lost in a caught RangeError.
    expect(binanceSocketPlan('binance-usdm').subscribeError!(deep)).toBe('[[[[[…]]]]]');
  });

  it.each(NUMERIC)('rejects %j as ap and as z (fast path and JSON path alike)', (text) => {
    expect(usdm()(withAp(text), RECV)).toEqual(rejected('invalid forceOrder: o.ap: expected a decimal string'));
    expect(usdm()(withZ(text), RECV)).toEqual(rejected('invalid forceOrder: o.z: expected a decimal string'));
    // The same with a space after a colon: JSON.parse reads it, the fast path never sees it.
    expect(usdm()(withAp(text).replace('"S":', '"S": '), RECV)).toEqual(rejected('invalid forceOrder: o.ap: expected a decimal string'));
  });

  it('rejects a decimal too long for a double', () => {
    expect(usdm()(withAp(LONG_DECIMAL), RECV)).toEqual(rejected(`non-numeric z/ap: 0.014/${LONG_DECIMAL}`.slice(0, 300) + '…'));
  });

  it.each([
    ['negative', '-1', 'invalid forceOrder: o.T: Too small: expected number to be >=0'],
    ['in microseconds', '1568014460893000', `invalid forceOrder: o.T: ${EPOCH_MESSAGE}`],
    ['fractional', '1568014460893.5', 'invalid forceOrder: o.T: Invalid input: expected int, received number'],
  ])('rejects a trade time that is %s', (_what, T, reason) => {
    expect(usdm()(frame!.replace('"T":1568014460893', `"T":${T}`), RECV)).toEqual(rejected(reason));
  });

  it('open interest: rejects a non-decimal amount and a negative time; a non-decimal mark price is not kept', () => {
    const p = usdm();
    expect(p('[{"symbol":"BTCUSDT","markPrice":"Infinity"}]', RECV)).toEqual(none);
    // No mark price is known, so the open interest waits for one instead of being valued at Infinity.
    expect(p('{"symbol":"BTCUSDT","openInterest":"10","time":1589437530011}', RECV)).toEqual(none);
    expect(p('{"symbol":"BTCUSDT","openInterest":"0x10","time":1589437530011}', RECV)).toEqual(
      rejected('invalid openInterest: openInterest: expected a decimal string'),
    );
    expect(p('{"symbol":"BTCUSDT","openInterest":"10","time":-5}', RECV)).toEqual(rejected('invalid openInterest: time: Too small: expected number to be >=0'));
  });
});

describe('Bybit: hostile frames', () => {
  const linear = () => createBybitParser({ venue: 'bybit-linear' });
  const liq = fixture('bybit-linear-allliquidation-1.json');
  const withP = (p: string) => liq.replace('"p":"0.04499"', `"p":${JSON.stringify(p)}`);

  it.each([...NUMERIC, '.5', '1.'])('rejects price %j', (text) => {
    expect(linear()(withP(text), RECV)).toEqual(refusedEntry('invalid allLiquidation: p: expected a decimal string'));
  });

  it('rejects a decimal too long for a double', () => {
    expect(linear()(withP(LONG_DECIMAL), RECV)).toEqual(
      refusedEntry(`invalid liquidation from ROSEUSDT v=20000 p=${LONG_DECIMAL}`.slice(0, 300) + '…'),
    );
  });

  it.each([
    ['negative', '-1', 'invalid allLiquidation: T: Too small: expected number to be >=0'],
    ['in microseconds', '1739502302929000', `invalid allLiquidation: T: ${EPOCH_MESSAGE}`],
  ])('rejects a trade time that is %s', (_what, T, reason) => {
    expect(linear()(liq.replace('"T":1739502302929', `"T":${T}`), RECV)).toEqual(refusedEntry(reason));
  });

  it('a ticker value too long for a double is rejected without touching the merged state', () => {
    const p = linear();
    const ticker = (type: string, data: object) => JSON.stringify({ topic: 'tickers.BTCUSDT', type, ts: 1_739_502_303_204, data });
    const first = p(ticker('snapshot', { symbol: 'BTCUSDT', openInterest: '100', markPrice: '50000' }), RECV);
    expect(first.ok && first.events.map((e) => e.type === 'open_interest' && e.oiUsd)).toEqual([5_000_000]);
    expect(p(ticker('delta', { symbol: 'BTCUSDT', openInterest: LONG_DECIMAL }), RECV)).toEqual(rejected('invalid ticker for BTCUSDT: a value does not fit a double'));
    const after = p(ticker('delta', { symbol: 'BTCUSDT', markPrice: '60000' }), RECV);
    expect(after.ok && after.events.map((e) => e.type === 'open_interest' && e.oiUsd)).toEqual([6_000_000]);
  });

  it('a huge topic makes a short reason', () => {
    const r = linear()(JSON.stringify({ topic: 'x'.repeat(5 << 20), data: deepArray(10) }), RECV);
    expect(r).toEqual(rejected(`unexpected topic ${'x'.repeat(283)}…`));
  });
});

describe('Hyperliquid: hostile frames', () => {
  const hl = () => createHyperliquidParser();
  const LIQUIDATOR = '0x2e3d94f0562703b25c83308a05046ddaf9a8dd14';
  const TRADER = '0x7ba283114573bde6fd304ad7b188a763e5402a52';
  const trade = (over: object) =>
    JSON.stringify({ channel: 'trades', data: [{ coin: 'SOL', side: 'B', px: '67.5', sz: '2', time: 1770337193454, tid: 1, users: [LIQUIDATOR, TRADER], ...over }] });
  const ctx = (over: object) => JSON.stringify({ channel: 'activeAssetCtx', data: { coin: 'ETH', ctx: { markPx: '3227.4', openInterest: '446072.075', ...over } } });

  it('an error message nested 100,000 deep is a rejected frame, not a RangeError', () => {
    const deep = `{"channel":"error","data":${deepArray(DEEP)}}`;
    expect(hl()(deep, RECV)).toEqual(rejected('venue error: [[[[[…]]]]]'));
    expect(planHyperliquidSockets(['BTC']).plans[0]!.subscribeError!(deep)).toBe('[[[[[…]]]]]');
  });

  it.each(NUMERIC)('rejects trade px %j', (text) => {
    expect(hl()(trade({ px: text }), RECV)).toEqual(refusedEntry('invalid trade 0: px: expected a decimal string'));
  });

  it('rejects decimals too long for a double (trade price, mark price)', () => {
    expect(hl()(trade({ px: LONG_DECIMAL }), RECV)).toEqual(refusedEntry('invalid trade 0: px: expected a finite decimal > 0'));
    expect(hl()(ctx({ markPx: LONG_DECIMAL }), RECV)).toEqual(rejected('invalid activeAssetCtx: ctx.markPx: expected a finite decimal > 0'));
  });

  it('rejects an open interest whose value in USD overflows', () => {
    expect(hl()(ctx({ markPx: `1${'0'.repeat(200)}`, openInterest: `1${'0'.repeat(200)}` }), RECV)).toEqual(
      rejected('invalid activeAssetCtx for ETH: oiUsd: Invalid input: expected number, received Infinity'),
    );
  });

  it.each([
    ['negative', -1, 'invalid trade 0: time: Too small: expected number to be >=0'],
    ['in microseconds', 1770337193454000, `invalid trade 0: time: ${EPOCH_MESSAGE}`],
  ])('rejects a trade time that is %s', (_what, time, reason) => {
    expect(hl()(trade({ time }), RECV)).toEqual(refusedEntry(reason));
  });

  it('node fills: rejects a fill time in microseconds, a local_time beyond 13 digits of ms, a lone surrogate coin', () => {
    const line = fixture('hyperliquid-node-fills-by-block-1.json').replace('"0xa775d1bd91ee2cc4cae6113e5fd9c0c17b355277"', '"0x5ef843ccf26810073ee689a954f6d05f5b48fccb"');
    expect(parseNodeFillsLine(line).ok).toBe(true);
    expect(parseNodeFillsLine(line.replace('"time":1782636233257', '"time":1782636233257000'))).toEqual(
      refusedEntry(`invalid node_fills_by_block fill 0: time: ${EPOCH_MESSAGE}`),
    );
    expect(parseNodeFillsLine(line.replace('"local_time":"2026', '"local_time":"9999'))).toEqual(rejected('invalid local_time "9999-06-28T08:43:53.687645997"'));
    expect(parseNodeFillsLine(line.replace('"coin":"SOL"', '"coin":"\\ud800"'))).toEqual(refusedEntry('invalid node_fills_by_block fill 0: coin "\\ud800"'));
  });
});

describe('tardis rows: hostile values', () => {
  const row = (over: Partial<Record<'ts' | 'local' | 'price' | 'amount', string>>) =>
    ['binance-futures', 'btcusdt', over.ts ?? '1599986400013000', over.local ?? '1599986400015000', '', 'sell', over.price ?? '10300.5', over.amount ?? '0.5'].join(',');
  const parse = tardisRowParser('binance-usdm');

  it('reads a plain row', () => {
    const r = parse(row({}), RECV);
    expect(r.ok && r.events.map((e) => e.type === 'liquidation' && [e.price, e.qty, e.eventTime])).toEqual([[10300.5, 0.5, 1599986400013]]);
  });

  it.each([...NUMERIC, LONG_DECIMAL])('rejects price %j', (price) => {
    expect(parse(row({ price }), RECV)).toEqual(rejected(`invalid price/amount/timestamp: ${price}/0.5/1599986400013000`.slice(0, 300) + (price === LONG_DECIMAL ? '…' : '')));
  });

  it.each(['-5000', '1e21', '0x10', '15999864000130000000000'])('rejects timestamp %j', (ts) => {
    expect(parse(row({ ts }), RECV)).toEqual(rejected(`invalid price/amount/timestamp: 10300.5/0.5/${ts}`));
  });

  it('the file reader takes a receive time only from a microsecond local_timestamp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'liqstream-tardis-'));
    try {
      const path = join(dir, 'liquidations.csv');
      const locals = ['1599986400015000', '0x10', '-5000', ' 1e3 ', '99999999999999999'];
      writeFileSync(path, locals.map((local) => row({ local })).join('\n'));
      const items: unknown[] = [];
      for await (const item of readTardisLiquidations(path)) items.push(item.ok ? item.frame.recv : item.reason);
      expect(items).toEqual([1599986400015, ...Array(4).fill('invalid local_timestamp')]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

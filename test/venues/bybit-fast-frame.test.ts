import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAllLiquidationFrame, readTickerFrame, type LiquidationSink, type TickerFields } from '../../src/venues/bybit/fast-frame.js';
import { createBybitParser } from '../../src/venues/bybit/parse.js';
import { MAX_EPOCH_MS } from '../../src/venues/fields.js';
import { LiquidationEvent } from '../../src/schema/events.js';
import { assertFastPathExact, generatedAndMutated } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';
import { HOSTILE_NUMERIC_STRINGS } from '../support/hostile.js';

const DOCS_LIQUIDATION = fixture('bybit-linear-allliquidation-1.json');
// Bybit v5 docs, "Ticker": a snapshot's layout (data, then cs and ts), shortened to the fields a delta may also carry.
const DOCS_TICKER =
  '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"17216.00","markPrice":"17217.33","indexPrice":"17227.36","openInterest":"68744.761","openInterestValue":"1183601235.91","fundingRate":"-0.000212","nextFundingTime":"1673280000000"},"cs":24987956059,"ts":1673272861686}';

/** Whether the fast path reads the frame, and the entries it hands over. */
function readLiquidations(frame: string): { symbol: string; entries: unknown[][] } | undefined {
  let symbol = '';
  const entries: unknown[][] = [];
  const sink: LiquidationSink = {
    begin: (s) => ((symbol = s), true),
    entry: (...e) => (entries.push(e), true),
  };
  return readAllLiquidationFrame(frame, sink) ? { symbol, entries } : undefined;
}
const readTicker = (frame: string): TickerFields | undefined => {
  const into: TickerFields = { topicSymbol: '', type: 'snapshot', ts: 0, data: {} };
  return readTickerFrame(frame, into) ? into : undefined;
};

const symbols = ['BTCUSDT', 'ETHUSD', 'ROSEUSDT', '1000PEPEUSDT', ''];
const symbol = fc.constantFrom(...symbols);
const decimalText = fc.tuple(fc.nat(), fc.option(fc.nat(), { nil: undefined })).map(([i, f]) => (f === undefined ? `${i}` : `${i}.${f}`));
const numericText = fc.oneof({ weight: 4, arbitrary: decimalText }, fc.constantFrom(...HOSTILE_NUMERIC_STRINGS), fc.string());
const time = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: MAX_EPOCH_MS }) }, fc.constantFrom(MAX_EPOCH_MS + 1, -1, 1.5, 0));
const entry = fc.record({ T: time, s: symbol, S: fc.constantFrom('Buy', 'Sell', 'buy'), v: numericText, p: numericText });
// Bybit batches the same symbol's entries; sometimes an entry for another symbol or an exact duplicate.
const liquidationFrame = fc
  .tuple(symbol, time, fc.array(entry, { maxLength: 4 }), fc.boolean())
  .map(([s, ts, data, dup]) => {
    const entries = data.map((e, i) => (i % 3 === 2 ? e : { ...e, s }));
    if (dup && entries.length > 0) entries.push(entries[0]!);
    return JSON.stringify({ topic: `allLiquidation.${s}`, type: 'snapshot', ts, data: entries });
  });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const tickerData = fc.record(
  {
    symbol: fc.oneof(symbol, fc.string()),
    markPrice: fc.oneof(numericText, fc.constant('')),
    openInterest: fc.oneof(numericText, fc.constant('')),
    openInterestValue: fc.oneof(numericText, fc.constant('')),
    lastPrice: decimalText,
    fundingRate: fc.constantFrom('-0.000212', '0.0001'),
    nextFundingTime: fc.constant('1673280000000'),
  },
  { requiredKeys: [] },
);
const tickerFrame = fc
  .tuple(symbol, fc.constantFrom('snapshot', 'delta', 'Delta'), tickerData, time, maybe(fc.maxSafeNat()), fc.boolean())
  .map(([s, type, data, ts, cs, tsFirst]) =>
    JSON.stringify(tsFirst ? { topic: `tickers.${s}`, type, ts, data } : { topic: `tickers.${s}`, type, data, ...(cs === undefined ? {} : { cs }), ts }),
  );
const frames = fc.array(generatedAndMutated(fc.oneof(liquidationFrame, tickerFrame, fc.constantFrom(DOCS_LIQUIDATION, DOCS_TICKER))), { minLength: 1, maxLength: 6 });

describe('Bybit fast path', () => {
  it('reads the documented frames', () => {
    expect(readLiquidations(DOCS_LIQUIDATION)).toEqual({ symbol: 'ROSEUSDT', entries: [[1739502302929, 'ROSEUSDT', 'Sell', '20000', '0.04499', '1739502302929', 20000, 0.04499]] });
    expect(readTicker(DOCS_TICKER)).toEqual({
      topicSymbol: 'BTCUSDT',
      type: 'snapshot',
      ts: 1673272861686,
      data: {
        symbol: 'BTCUSDT',
        markPrice: '17217.33',
        openInterest: '68744.761',
        openInterestValue: '1183601235.91',
        indexPrice: '17227.36',
        fundingRate: '-0.000212',
        nextFundingTime: '1673280000000',
      },
    });
  });

  it('property: takes every frame laid out as Bybit sends it', () => {
    const plain = fc.stringMatching(/^[A-Z0-9]{1,12}$/);
    const canonicalEntry = fc.record({ T: fc.integer({ min: 0, max: MAX_EPOCH_MS }), S: fc.constantFrom('Buy', 'Sell'), v: decimalText, p: decimalText });
    fc.assert(
      fc.property(plain, fc.integer({ min: 0, max: MAX_EPOCH_MS }), fc.array(canonicalEntry, { maxLength: 5 }), (s, ts, data) => {
        const read = readLiquidations(JSON.stringify({ topic: `allLiquidation.${s}`, type: 'snapshot', ts, data: data.map((e) => ({ T: e.T, s, S: e.S, v: e.v, p: e.p })) }));
        expect(read).toEqual({ symbol: s, entries: data.map((e) => [e.T, s, e.S, e.v, e.p, String(e.T), Number(e.v), Number(e.p)]) });
      }),
    );
    fc.assert(
      fc.property(plain, fc.constantFrom('snapshot', 'delta'), decimalText, decimalText, fc.integer({ min: 0, max: MAX_EPOCH_MS }), (s, type, mark, oi, ts) => {
        const read = readTicker(JSON.stringify({ topic: `tickers.${s}`, type, data: { symbol: s, markPrice: mark, openInterest: oi, fundingRate: '' }, cs: 1, ts }));
        expect(read).toEqual({ topicSymbol: s, type, ts, data: { symbol: s, markPrice: mark, openInterest: oi, fundingRate: '' } });
      }),
    );
  });

  it('declines what the schema reads differently from the text: escapes, a repeated data, a number where a decimal string belongs', () => {
    expect(readLiquidations(DOCS_LIQUIDATION.replace('"s":"ROSEUSDT"', '"s":"ROSE\\u0055SDT"'))).toBeUndefined();
    expect(readLiquidations(DOCS_LIQUIDATION.replace('"v":"20000"', '"v":20000'))).toBeUndefined();
    expect(readTicker(DOCS_TICKER.replace(',"cs"', ',"data":{},"cs"'))).toBeUndefined();
    expect(readTicker(DOCS_TICKER.replace('"markPrice":"17217.33"', '"markPrice":"1e3"'))).toBeUndefined();
  });

  it.each(['bybit-linear', 'bybit-inverse'] as const)('property: %s gives the full path result for every frame, accepted or declined', (venue) => {
    assertFastPathExact(() => createBybitParser({ venue }), frames, 1_000);
  });

  // Both paths share the entry step and its shortened event check (names and receive time settled once per market
  // and frame): every event it lets through must be one the schema accepts, huge and tiny numbers included.
  it.each(['bybit-linear', 'bybit-inverse'] as const)('property: every %s liquidation event passes the schema', (venue) => {
    const huge = fc.constantFrom('1' + '0'.repeat(400), '1' + '0'.repeat(200), '0.' + '0'.repeat(200) + '1', '0.' + '0'.repeat(400) + '1', '0', '0.0', '99999999999999999999');
    const text = fc.oneof(decimalText, huge);
    fc.assert(
      fc.property(fc.array(fc.record({ T: time, S: fc.constantFrom('Buy', 'Sell'), v: text, p: text }), { minLength: 1, maxLength: 4 }), fc.integer({ min: -1, max: 2 ** 53 }), (data, receiveTime) => {
        const parse = createBybitParser({ venue });
        const frame = JSON.stringify({ topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 1, data: data.map((e) => ({ T: e.T, s: 'BTCUSDT', S: e.S, v: e.v, p: e.p })) });
        for (const f of [frame, ` ${frame}`]) {
          const result = parse(f, receiveTime);
          if (result.ok) for (const e of result.events) expect(LiquidationEvent.safeParse(e).success).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

import { readFileSync } from 'node:fs';
import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { createBybitParser, type BybitVenue } from '../../src/venues/bybit/parse.js';

/**
 * Differential test: the same allLiquidation frames through ccxt's own Bybit parser (ccxt.pro
 * `parseWsLiquidation`) and through liqstream. ccxt reports `contracts` = raw `v`, `price` = `p`,
 * `timestamp` = `T` and leaves `side` as the lowercased raw `S`. On Bybit `S` is the side of the liquidated
 * position, so ccxt's 'buy' is liqstream's `long` (the opposite of Binance, where the raw side is the order's).
 * ccxt computes no value here: its contract size is unused by this parser, so `baseValue`/`quoteValue` stay empty.
 */
const RECV = 1_739_502_303_300;
const fixture = readFileSync(new URL('../fixtures/bybit-linear-allliquidation-1.json', import.meta.url), 'utf8').trim();

const exchange = new ccxt.pro.bybit();
const market = (id: string, base: string, venue: BybitVenue) => {
  const inverse = venue === 'bybit-inverse';
  const quote = inverse ? 'USD' : 'USDT';
  const settle = inverse ? base : 'USDT';
  return {
    id,
    symbol: `${base}/${quote}:${settle}`,
    base,
    quote,
    settle,
    baseId: base,
    quoteId: quote,
    settleId: settle,
    type: 'swap',
    spot: false,
    margin: false,
    swap: true,
    future: false,
    option: false,
    contract: true,
    linear: !inverse,
    inverse,
    active: true,
    contractSize: 1,
    precision: {},
    limits: {},
  };
};
exchange.setMarkets([market('ROSEUSDT', 'ROSE', 'bybit-linear'), market('BTCUSDT', 'BTC', 'bybit-linear'), market('BTCUSD', 'BTC', 'bybit-inverse')]);

interface RawEntry {
  T: number;
  s: string;
  S: 'Buy' | 'Sell';
  v: string;
  p: string;
}

function compare(venue: BybitVenue, frame: string) {
  const ours = createBybitParser({ venue })(frame, RECV);
  if (!ours.ok) throw new Error(ours.reason);
  const entries = (JSON.parse(frame) as { data: RawEntry[] }).data;
  const theirs = entries.map((e) => exchange.parseWsLiquidation({ ...e }, exchange.market(e.s)));
  expect(ours.events).toHaveLength(theirs.length);
  return ours.events.map((ev, i) => ({ ours: ev as LiquidationEvent, theirs: theirs[i]! }));
}

describe('Bybit allLiquidation: liqstream vs ccxt parseWsLiquidation', () => {
  it('the docs sample: same price, size and time; ccxt side "sell" is a short position', () => {
    for (const { ours, theirs } of compare('bybit-linear', fixture)) {
      expect(ours.price).toBe(theirs.price);
      expect(ours.qty).toBe(theirs.contracts);
      expect(ours.eventTime).toBe(theirs.timestamp);
      expect(theirs.side).toBe('sell');
      expect(ours.side).toBe('short');
      expect(theirs.symbol).toBe('ROSE/USDT:USDT');
    }
  });

  it('property, linear: every event agrees with ccxt, and long ⇔ ccxt "buy"', () => {
    const decimal = fc.integer({ min: 1, max: 100_000_000 }).map((n) => (n / 1000).toString());
    const entry = fc.record({ T: fc.integer({ min: 0, max: 2 ** 42 }), S: fc.constantFrom<'Buy' | 'Sell'>('Buy', 'Sell'), v: decimal, p: decimal });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), (list) => {
        const frame = JSON.stringify({ topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: 1, data: list.map((e) => ({ ...e, s: 'BTCUSDT' })) });
        for (const { ours, theirs } of compare('bybit-linear', frame)) {
          expect(ours.price).toBe(theirs.price);
          expect(ours.qty).toBe(theirs.contracts);
          expect(ours.notionalUsd).toBe(theirs.contracts! * theirs.price!);
          expect(ours.eventTime).toBe(theirs.timestamp);
          expect(ours.side === 'long').toBe(theirs.side === 'buy');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('inverse: ccxt contracts are the USD notional; liqstream converts them to coin at the price', () => {
    const frame = JSON.stringify({
      topic: 'allLiquidation.BTCUSD',
      type: 'snapshot',
      ts: 1760131200500,
      data: [
        { T: 1760131200123, s: 'BTCUSD', S: 'Buy', v: '1000', p: '62000' },
        { T: 1760131200321, s: 'BTCUSD', S: 'Sell', v: '250', p: '61950.5' },
      ],
    });
    const pairs = compare('bybit-inverse', frame);
    expect(pairs.map(({ theirs }) => theirs.side)).toEqual(['buy', 'sell']);
    for (const { ours, theirs } of pairs) {
      expect(ours.price).toBe(theirs.price);
      expect(ours.notionalUsd).toBe(theirs.contracts);
      expect(ours.qty).toBe(theirs.contracts! / theirs.price!);
      expect(ours.eventTime).toBe(theirs.timestamp);
      expect(ours.side === 'long').toBe(theirs.side === 'buy');
    }
  });
});

import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { FrameParser } from '../../src/venues/venue.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { createBitfinexParser } from '../../src/venues/bitfinex/parse.js';
import { createBitgetParser } from '../../src/venues/bitget/parse.js';
import { createBitmexParser } from '../../src/venues/bitmex/parse.js';
import { createBybitParser } from '../../src/venues/bybit/parse.js';
import { createDeribitParser } from '../../src/venues/deribit/parse.js';
import { createDydxParser } from '../../src/venues/dydx/parse.js';
import { createGateParser } from '../../src/venues/gate/parse.js';
import { createHtxParser } from '../../src/venues/htx/parse.js';
import { createHyperliquidParser } from '../../src/venues/hyperliquid/parse.js';
import { createKrakenParser } from '../../src/venues/kraken/parse.js';
import { assertFastPathExact } from '../support/fast-path.js';
import { fixture } from '../support/fixtures.js';

/**
 * The documented frames written out again the way a hostile or odd serialiser could: the same values spelt
 * otherwise (`-0`, `1E2`, `1.0`, `\u` escapes, `\/`), values JSON.parse reads but no venue sends (1e309,
 * 1e-400, 30 digits, nested objects where scalars go, numeric strings), duplicate keys before or after the
 * real one (JSON.parse keeps the last), frames cut short. Every venue's fast path must give the full path's
 * result, events and dead letters, for each.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HOSTILE_NUMBERS = ['-0', '-0.0', '0e0', '1e309', '-1e309', '1e-400', '4.9e-324', '123456789012345678901234567890', '1E2', '0.1e1', '1e21', '9007199254740993'];
const HOSTILE_VALUES = ['{"a":1}', '[]', '[1]', 'null', '"NaN"', '"0x1"', '"1e309"', '""', '" 1"', '"-0"', '"\\u0031"', '"１"', 'true'];

/** Writes `v` as JSON, `choices` deciding (now and then) another spelling or a hostile value. */
function write(v: Json, next: () => number): string {
  const roll = next() % 40;
  if (roll === 0) return HOSTILE_VALUES[next() % HOSTILE_VALUES.length]!;
  if (typeof v === 'number') {
    if (roll === 1) return HOSTILE_NUMBERS[next() % HOSTILE_NUMBERS.length]!;
    if (roll === 2) return v.toExponential().replace('e+', next() % 2 ? 'E+' : 'e');
    if (roll === 3) return Number.isInteger(v) ? `${v}.0` : `${v}0`;
    if (roll === 4 && v === 0) return '-0';
    return JSON.stringify(v);
  }
  if (typeof v === 'string') {
    if (roll === 1 && v.length > 0) return `"\\u${v.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(v).slice(2)}`;
    if (roll === 2 && v.includes('/')) return JSON.stringify(v).replaceAll('/', '\\/');
    if (roll === 3) return JSON.stringify(v.toUpperCase());
    if (roll === 4 && /^\d+(\.\d+)?$/.test(v)) return JSON.stringify(HOSTILE_NUMBERS[next() % HOSTILE_NUMBERS.length]);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => write(x, next)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const pairs = Object.entries(v).map(([k, x]) => {
      const key = roll === 1 && next() % 4 === 0 ? `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(k).slice(2, -1)}"` : JSON.stringify(k);
      const pair = `${key}:${write(x, next)}`;
      const dup = next() % 30;
      // A duplicate key: before the real pair (JSON.parse keeps the real value) or after it (it keeps the other).
      if (dup === 0) return `${JSON.stringify(k)}:${HOSTILE_VALUES[next() % HOSTILE_VALUES.length]},${pair}`;
      if (dup === 1) return `${pair},${JSON.stringify(k)}:${next() % 2 ? HOSTILE_VALUES[next() % HOSTILE_VALUES.length] : write(x, next)}`;
      return pair;
    });
    return `{${pairs.join(',')}}`;
  }
  return JSON.stringify(v);
}

const respelt = (docs: string[]) =>
  fc.tuple(fc.constantFrom(...docs), fc.array(fc.nat(), { minLength: 16, maxLength: 64 }), fc.nat({ max: 19 }), fc.nat()).map(([doc, choices, cut, at]) => {
    let i = 0;
    const text = write(JSON.parse(doc) as Json, () => choices[i++ % choices.length]!);
    return cut === 0 ? text.slice(0, at % text.length) : text;
  });
const frames = (docs: string[], before: string[] = []) => fc.array(respelt(docs), { minLength: 1, maxLength: 6 }).map((list) => [...before, ...list]);

const RUNS = 300;
const docs = (...names: string[]) => names.map((n) => JSON.stringify(JSON.parse(fixture(n))));
const venues: [string, () => FrameParser, string[], string[]?][] = [
  ['binance-usdm', () => createBinanceParser({ venue: 'binance-usdm' }), docs('binance-usdm-forceorder-1.json', 'binance-usdm-forceorder-2.json')],
  ['binance-coinm', () => createBinanceParser({ venue: 'binance-coinm' }), docs('binance-coinm-forceorder-1.json')],
  ['bybit-linear', () => createBybitParser({ venue: 'bybit-linear' }), docs('bybit-linear-allliquidation-1.json', 'bybit-linear-tickers-1.json')],
  ['bitfinex', () => createBitfinexParser(), docs('bitfinex-liquidations-1.json', 'bitfinex-liquidations-2.json', 'bitfinex-liquidations-3.json')],
  ['bitget', () => createBitgetParser(), docs('bitget-liquidation-1.json')],
  ['bitmex', () => createBitmexParser(), docs('bitmex-liquidation-1.json', 'bitmex-liquidation-2.json', 'bitmex-liquidation-3.json', 'bitmex-liquidation-4.json'), docs('bitmex-instruments-1.json')],
  ['deribit', () => createDeribitParser(), docs('deribit-trades-1.json', 'deribit-trades-2.json')],
  ['dydx', () => createDydxParser(), docs('dydx-trades-1.json')],
  ['gate-usdt', () => createGateParser({ venue: 'gate-usdt' }), docs('gate-usdt-public-liquidates-1.json')],
  ['gate-btc', () => createGateParser({ venue: 'gate-btc' }), docs('gate-btc-public-liquidates-1.json')],
  ['htx-linear', () => createHtxParser(), docs('htx-linear-liquidation-orders-1.json')],
  ['kraken-futures', () => createKrakenParser(), docs('kraken-futures-trade-1.json', 'kraken-futures-trade-2.json', 'kraken-futures-trade-3.json')],
  ['hyperliquid', () => createHyperliquidParser(), docs('hyperliquid-activeassetctx-1.json', 'hyperliquid-activeassetctx-2.json', 'hyperliquid-node-fills-by-block-1.json')],
];

describe('fast paths against hostile spellings of the documented frames', () => {
  it.each(venues)('%s: the full path result for every frame', (_, make, list, before) => assertFastPathExact(make, frames(list, before), RUNS));
});

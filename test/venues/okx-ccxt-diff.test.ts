import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOkxParser } from '../../src/venues/okx/parse.js';
import { fixture } from '../support/fixtures.js';

/**
 * Differential test: the same liquidation-orders items through ccxt's own OKX parser (ccxt.pro
 * `parseWsLiquidation`) and through liqstream. ccxt reports `contracts` = `sz`, `price` = `bkPx`,
 * `timestamp` = `ts` and `side` = the raw order side (`sell` closes a long), and values nothing (no
 * contract size reaches its `safeLiquidation`). It reads only `details[0]` of each item: a push whose item
 * carries several details loses all but the first in ccxt, while liqstream counts each one.
 */
const RECV = 1_760_130_900_000;
const exchange = new ccxt.pro.okx();

interface RawDetail {
  side: 'buy' | 'sell';
  posSide: 'long' | 'short' | 'net';
  sz: string;
  bkPx: string;
  ts: string;
}
interface RawItem {
  instId: string;
  instType: 'SWAP' | 'FUTURES';
  details: RawDetail[];
}

function compare(items: RawItem[], instType: 'SWAP' | 'FUTURES') {
  const frame = JSON.stringify({ arg: { channel: 'liquidation-orders', instType }, data: items });
  const ours = createOkxParser()(frame, RECV);
  if (!ours.ok) throw new Error(ours.reason);
  let k = 0;
  for (const item of items) {
    const theirs = exchange.parseWsLiquidation(item as unknown as Record<string, unknown>);
    const first = ours.events[k];
    k += item.details.length;
    if (item.details.length === 0) continue;
    if (first?.type !== 'liquidation') throw new Error('expected a liquidation');
    expect([first.price, first.eventTime, first.side === 'long' ? 'sell' : 'buy']).toEqual([theirs.price, theirs.timestamp, theirs.side]);
    expect(theirs.contracts).toBe(Number(item.details[0]!.sz));
    expect(theirs.quoteValue).toBeUndefined();
  }
  expect(ours.events).toHaveLength(k);
}

describe('OKX liquidation-orders: liqstream against ccxt', () => {
  it('docs sample: ccxt reads bkPx, sz, the order side and ts as liqstream does', () => {
    const item = (JSON.parse(fixture('okx-liquidation-orders-1.json')) as { data: Record<string, unknown>[] }).data[0]!;
    const theirs = exchange.parseWsLiquidation(item);
    expect([theirs.price, theirs.contracts, theirs.side, theirs.timestamp]).toEqual([0.007831, 13, 'buy', 1692266434010]);
  });

  it('property: every first detail of an item agrees; liqstream also counts the details ccxt drops', () => {
    const decimal = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 100).toString());
    const detail = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      posSide: fc.constant('net' as const),
      sz: decimal,
      bkPx: decimal,
      ts: fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }).map(String),
    });
    const item = (ids: readonly string[], instType: 'SWAP' | 'FUTURES') =>
      fc.record({ instId: fc.constantFrom(...ids), instType: fc.constant(instType), details: fc.array(detail, { minLength: 1, maxLength: 4 }) });
    fc.assert(fc.property(fc.array(item(['BTC-USDT-SWAP', 'ETH-USD-SWAP', 'SOL-USDT-SWAP', 'BTC-USDC-SWAP'], 'SWAP'), { maxLength: 5 }), (items) => compare(items, 'SWAP')));
    fc.assert(fc.property(fc.array(item(['BTC-USD-251226', 'ETH-USDT-260327'], 'FUTURES'), { maxLength: 5 }), (items) => compare(items, 'FUTURES')));
  });
});

import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { createBinanceParser } from '../../src/venues/binance/parse.js';
import { binanceFrames } from '../support/fixtures.js';

/**
 * Differential test: the same forceOrder frames through ccxt's own Binance parser (ccxt.pro
 * `parseWsLiquidation` on the `o` object) and through liqstream. Both take `contracts`/qty from `z` (filled
 * accumulated quantity, not the order size `q`), `price` from `ap` (average price, not the limit price `p`)
 * and time from `T`. Where they legitimately differ: ccxt leaves `side` as the lowercased order side
 * ('sell'), while liqstream reports the liquidated *position* (SELL closes a long → 'long'); and on COIN-M
 * liqstream converts contracts to base units (qty = z × contract USD / ap), which ccxt leaves as contracts.
 */
const exchange = new ccxt.pro.binanceusdm();
const RECV = 1_700_000_000_000;

function both(frame: string) {
  const ours = createBinanceParser({ venue: 'binance-usdm' })(frame, RECV);
  if (!ours.ok) throw new Error(ours.reason);
  const event = ours.events[0] as LiquidationEvent;
  const data = (JSON.parse(frame) as { data?: { o: unknown }; o?: unknown }).data ?? (JSON.parse(frame) as { o: unknown });
  const theirs = exchange.parseWsLiquidation((data as { o: Record<string, unknown> }).o) as unknown as { contracts: number; price: number; timestamp: number; side: string };
  return { event, theirs };
}

describe('Binance forceOrder: liqstream vs ccxt', () => {
  it.each(Object.entries(binanceFrames().raw).filter(([k]) => k.startsWith('usdm')))('%s: same quantity, price and time; side is the position side', (_name, frame) => {
    const { event, theirs } = both(frame);
    expect(event.qty).toBe(theirs.contracts);
    expect(event.price).toBe(theirs.price);
    expect(event.eventTime).toBe(theirs.timestamp);
    expect(event.side).toBe(theirs.side === 'sell' ? 'long' : 'short');
  });

  it('property: agree on every well-formed frame', () => {
    const decimal = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 1000).toString());
    fc.assert(
      fc.property(fc.constantFrom('BUY', 'SELL'), decimal, decimal, fc.integer({ min: 1, max: 2 ** 42 }), (S, z, ap, T) => {
        const frame = JSON.stringify({ stream: '!forceOrder@arr', data: { e: 'forceOrder', E: T, o: { s: 'BTCUSDT', S, o: 'LIMIT', f: 'IOC', q: z, p: ap, ap, X: 'FILLED', l: z, z, T } } });
        const { event, theirs } = both(frame);
        expect([event.qty, event.price, event.eventTime, event.side]).toEqual([theirs.contracts, theirs.price, theirs.timestamp, theirs.side === 'sell' ? 'long' : 'short']);
      }),
      { numRuns: 200 },
    );
  });
});

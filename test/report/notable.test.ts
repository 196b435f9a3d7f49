import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toUnits, toUsd } from '../../src/aggregate/fixed-point.js';
import { NotableLiquidations } from '../../src/report/notable.js';
import type { LiquidationEvent, NormalizedEvent } from '../../src/schema/events.js';
import { marketOf } from '../../src/venues/market.js';

/** The plain version it replaced: a `venue|symbol` key per event, and the list of the largest re-sorted on each entry. */
class PlainNotable {
  readonly symbols = new Map<string, { venue: string; symbol: string; longUnits: number; shortUnits: number; count: number }>();
  top: LiquidationEvent[] = [];
  add(event: NormalizedEvent): void {
    if (event.type !== 'liquidation' || (event.kind !== 'liquidation' && event.kind !== 'backstop')) return;
    if (marketOf(event) === 'lending') return;
    const key = `${event.venue}|${event.symbol}`;
    let s = this.symbols.get(key);
    if (!s) this.symbols.set(key, (s = { venue: event.venue, symbol: event.symbol, longUnits: 0, shortUnits: 0, count: 0 }));
    if (event.side === 'long') s.longUnits += toUnits(event.notionalUsd);
    else s.shortUnits += toUnits(event.notionalUsd);
    s.count += 1;
    const smallest = this.top[this.top.length - 1];
    if (this.top.length < 20 || (smallest && larger(event, smallest))) {
      this.top.push(event);
      this.top.sort((a, b) => (larger(a, b) ? -1 : larger(b, a) ? 1 : 0));
      if (this.top.length > 20) this.top.length = 20;
    }
  }
}
const larger = (a: LiquidationEvent, b: LiquidationEvent) => a.notionalUsd > b.notionalUsd || (a.notionalUsd === b.notionalUsd && a.id < b.id);

// Few venues, symbols, ids and sizes: equal sizes, equal ids (a copy with other fields), keys that meet across `|`.
const event = fc.record({
  venue: fc.constantFrom('binance-usdm', 'bybit-linear', 'hyperliquid', 'aave-v3', 'a|b', 'a'),
  symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'b|c', 'c'),
  id: fc.constantFrom('1', '2', '3', '10', 'x'),
  side: fc.constantFrom('long' as const, 'short' as const),
  notionalUsd: fc.oneof(fc.constantFrom(1, 100, 1_000, 5e6), fc.double({ min: 0.0001, max: 1e9, noNaN: true })),
  kind: fc.constantFrom('liquidation' as const, 'backstop' as const, 'adl' as const, 'vault' as const),
  price: fc.constantFrom(1, 2, 3),
  at: fc.integer({ min: 0, max: 1_000 }),
});
type Drawn = typeof event extends fc.Arbitrary<infer T> ? T : never;
const toEvent = (e: Drawn): LiquidationEvent =>
  ({ type: 'liquidation', venue: e.venue, symbol: e.symbol, base: 'X', id: e.id, side: e.side, price: e.price, qty: e.notionalUsd / e.price, notionalUsd: e.notionalUsd, eventTime: e.at, receiveTime: e.at, fidelity: 'complete', kind: e.kind, source: 'test' }) as LiquidationEvent;

describe('NotableLiquidations', () => {
  it('property: the same symbols (in the same order), sums and largest liquidations as the plain version, also across a merge', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), fc.array(event, { maxLength: 60 }), (xs, ys) => {
        const ours = new NotableLiquidations();
        const plain = new PlainNotable();
        for (const x of xs.map(toEvent)) {
          ours.add(x);
          plain.add(x);
        }
        expect(ours.state()).toEqual({ symbols: [...plain.symbols.values()], top: plain.top });
        // A worker's share merged in, then more events: the lookup by venue must find the merged totals.
        const share = new NotableLiquidations();
        for (const y of ys.map(toEvent)) share.add(y);
        ours.merge(share.state());
        for (const x of xs.slice(0, 30).map(toEvent)) ours.add(x);
        const again = new PlainNotable();
        for (const x of [...xs, ...ys, ...xs.slice(0, 30)].map(toEvent)) again.add(x);
        expect(ours.bySymbol()).toEqual(
          [...again.symbols.entries()]
            .map(([key, s]) => ({ key, units: s.longUnits + s.shortUnits, s }))
            .sort((a, b) => b.units - a.units || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
            .slice(0, 50)
            .map(({ s }) => ({ venue: s.venue, symbol: s.symbol, longUsd: toUsd(s.longUnits), shortUsd: toUsd(s.shortUnits), count: s.count })),
        );
        expect(ours.largest().map((e) => e.id + e.notionalUsd)).toEqual(again.top.map((e) => e.id + e.notionalUsd));
      }),
      { numRuns: 300 },
    );
  });
});

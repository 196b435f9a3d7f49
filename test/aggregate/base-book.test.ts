import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { liquidation } from '../support/events.js';

const T0 = Date.UTC(2025, 9, 10, 21);
const view = (a: Aggregator, base: string) => a.byBase.view(base, a.windowNames, a.windowEnd());

describe('per-coin state (BaseBook)', () => {
  it('is bounded: coins past maxBases are counted under `other`, so the coins still add up to the total', () => {
    const a = new Aggregator({ clock: 'watermark', maxBases: 3 });
    ['A', 'B', 'C', 'D', 'E'].forEach((b, i) => a.apply(liquidation(`x${i}`, T0 + i, 10 * (i + 1), { base: b })));
    expect([...a.byBase.names()].sort()).toEqual(['A', 'B', 'C', 'other']);
    expect(view(a, 'other')).toMatchObject({ count: 2, usd: 40 + 50 });
    expect(view(a, 'A')!.usd + view(a, 'B')!.usd + view(a, 'C')!.usd + view(a, 'other')!.usd).toBe(a.totalsSnapshot().usd);
  });

  it('a rebalance rebuilds windows and minutes from re-read events without counting them again', () => {
    const a = new Aggregator({ clock: 'watermark' });
    a.apply(liquidation('a', T0, 100, { base: 'BTC' }));
    a.apply(liquidation('b', T0 + 1_000, 50, { base: 'BTC', side: 'short' }));
    a.resetState();
    expect(view(a, 'BTC')!.windows['24h']).toEqual({ usd: 0, longUsd: 0, shortUsd: 0, count: 0 });
    a.apply(liquidation('a', T0, 100, { base: 'BTC' }), true);
    a.apply(liquidation('b', T0 + 1_000, 50, { base: 'BTC', side: 'short' }), true);
    expect(view(a, 'BTC')).toMatchObject({ count: 2, usd: 150, windows: { '24h': { usd: 150, count: 2 }, '1m': { usd: 150, count: 2 } } });
  });

  it('property: whatever the order events arrive in (Kafka interleaves partitions), every coin’s figures are the same', () => {
    const event = fc.record({ base: fc.constantFrom('BTC', 'ETH', 'PEPE'), usd: fc.integer({ min: 1, max: 10_000_000 }).map((c) => c / 100), dt: fc.integer({ min: 0, max: 7_200_000 }), long: fc.boolean() });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 60 }), fc.infiniteStream(fc.nat()), (events, seeds) => {
        const liqs = events.map((e, i) => liquidation(`e${i}`, T0 + e.dt, e.usd, { base: e.base, side: e.long ? 'long' : 'short' }));
        const shuffled = [...liqs].sort(() => (seeds.next().value % 3) - 1);
        const [x, y] = [liqs, shuffled].map((list) => {
          const a = new Aggregator({ clock: 'watermark' });
          for (const l of list) a.apply(l);
          return JSON.stringify(['BTC', 'ETH', 'PEPE'].map((b) => [view(a, b), a.byBase.minutes(b, 0)]));
        });
        expect(y).toBe(x);
      }),
      { numRuns: 50 },
    );
  });
});

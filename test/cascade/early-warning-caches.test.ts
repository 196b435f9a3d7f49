import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EarlyWarningParams, pushLiq, pushPrice, warningParts, type WarningParts } from '../../src/cascade/early-warning.js';

/** Every part the same number (Object.is: a NaN or a -0 would show). */
const same = (a: WarningParts, b: WarningParts): boolean => (Object.keys(a) as (keyof WarningParts)[]).every((k) => Object.is(a[k], b[k]));

describe('early warning: the histories kept with their caches (sorted baseline, log returns)', () => {
  it('property: after every minute pushed, the parts from the caches equal those recomputed from the plain histories, and the histories are the plain ones', () => {
    // Short histories, so that minutes leave them within a run; few distinct values, so that ties and zeros are common.
    const params = fc.record({
      baselineMinutes: fc.integer({ min: 10, max: 14 }),
      recentMinutes: fc.integer({ min: 1, max: 5 }),
      velocityMinutes: fc.integer({ min: 1, max: 4 }),
      volatilityMinutes: fc.integer({ min: 30, max: 33 }),
      floorUsd: fc.constantFrom(1, 250_000),
    });
    const usd = fc.oneof(fc.constantFrom(0, 1, 250_000, 300_000, 2e6), fc.double({ min: 0, max: 1e10, noNaN: true }));
    const price = fc.oneof(fc.constantFrom(4000, 4001, 3999.5, 8000, 1e-6), fc.double({ min: 1e-8, max: 1e7, noNaN: true }));
    const minute = fc.record({ usd, price: fc.option(price, { nil: undefined }) });
    fc.assert(
      fc.property(params, fc.array(minute, { minLength: 1, maxLength: 120 }), fc.array(fc.double({ min: 1, max: 1e9, noNaN: true }), { maxLength: 20 }), (q, minutes, ois) => {
        const p = EarlyWarningParams.parse(q);
        const h = { liq: [] as number[], prices: [] as number[], sortedBefore: [] as number[], returns: [] as number[] };
        let liq: number[] = [];
        let prices: number[] = [];
        const funding = new Map([['v:1', 0.00003]]);
        for (const m of minutes) {
          pushLiq(p, h, m.usd);
          liq = [...liq, m.usd].slice(-(p.baselineMinutes + p.recentMinutes));
          if (m.price !== undefined) {
            pushPrice(p, h, m.price);
            prices = [...prices, m.price].slice(-(p.volatilityMinutes + p.velocityMinutes + 1));
          }
          expect(h.liq).toEqual(liq);
          expect(h.prices).toEqual(prices);
          expect(h.sortedBefore).toEqual(liq.slice(0, Math.max(0, liq.length - p.recentMinutes)).sort((a, b) => a - b));
          expect(h.returns).toEqual(prices.slice(1).map((x, i) => Math.log(x / prices[i]!)));
          const plain = warningParts(p, { liq, prices, oiTotals: ois, funding });
          const cached = warningParts(p, { liq: h.liq, prices: h.prices, oiTotals: ois, funding }, h);
          if (!same(cached, plain)) expect(cached).toEqual(plain);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the oldest minute leaves the sorted baseline by value: a history of equal minutes and one spike', () => {
    const p = EarlyWarningParams.parse({ baselineMinutes: 10, recentMinutes: 2 });
    const h = { liq: [] as number[], sortedBefore: [] as number[] };
    for (const usd of [5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) pushLiq(p, h, usd);
    // 13 pushed, 12 kept: the 5 left first; the last two minutes are the recent ones.
    expect(h.liq).toEqual(Array(12).fill(1));
    expect(h.sortedBefore).toEqual(Array(10).fill(1));
  });
});

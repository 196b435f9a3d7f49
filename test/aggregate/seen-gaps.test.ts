import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { SeenGaps } from '../../src/aggregate/seen-gaps.js';
import type { GapEvent } from '../../src/schema/events.js';

const T = 1_760_130_000_000;
const gap = (from: number, to: number, reason = 'disconnected', venue: GapEvent['venue'] = 'binance-usdm'): GapEvent => ({ type: 'gap', venue, from: T + from, to: T + to, reason });
const gapsOf = (a: Aggregator) => ({ total: a.totalsSnapshot().gaps, byVenue: Object.fromEntries(a.metricsView.gaps()) });

describe('a gap written twice (a re-sent publish) is one gap', () => {
  it('counts a copy of a gap once, in the total and the seconds, whether the first was live or re-read, also after resetState', () => {
    const a = new Aggregator();
    expect(a.apply(gap(0, 30_000))).toBe(true);
    expect(a.apply(gap(0, 30_000))).toBe(false);
    expect(gapsOf(a)).toEqual({ total: 1, byVenue: { 'binance-usdm': { count: 1, seconds: 30 } } });
    // Another hole of the venue, another venue's same hole, another reason for the same time: each a gap of its own.
    expect(a.apply(gap(0, 31_000))).toBe(true);
    expect(a.apply(gap(0, 30_000, 'disconnected', 'okx'))).toBe(true);
    expect(a.apply(gap(0, 30_000, 'spill write failed (ENOSPC): frames lost'))).toBe(true);
    expect(gapsOf(a)).toEqual({ total: 4, byVenue: { 'binance-usdm': { count: 3, seconds: 91 }, okx: { count: 1, seconds: 30 } } });
    // Re-read after a restart (counted by the process before), then its copy arrives live: nothing more.
    const b = new Aggregator();
    expect(b.apply(gap(60_000, 65_000), true)).toBe(true);
    expect(b.apply(gap(60_000, 65_000))).toBe(false);
    b.resetState();
    expect(b.apply(gap(60_000, 65_000))).toBe(false);
    expect(gapsOf(b)).toEqual({ total: 0, byVenue: {} });
  });

  it('remembers the latest gaps only (a bound whatever the reasons), by digest', () => {
    const seen = new SeenGaps(2);
    const [x, y, z] = [gap(0, 1), gap(1, 2, 'r'.repeat(1_000_000)), gap(2, 3)];
    expect([seen.add(x), seen.add(y), seen.add(x), seen.add(z)]).toEqual([true, true, false, true]);
    expect(seen.add(x)).toBe(true); // the oldest was let go (y and z held), and now y is
    expect(seen.add(z)).toBe(false);
    expect(seen.add(y)).toBe(true);
  });

  it('any mix of gaps and copies: the count and the seconds are those of the distinct gaps', () => {
    const arb = fc.array(fc.record({ from: fc.integer({ min: 0, max: 20 }), len: fc.integer({ min: 0, max: 3 }), reason: fc.constantFrom('a', 'b'), venue: fc.constantFrom('okx' as const, 'bybit-linear' as const) }), { maxLength: 60 });
    fc.assert(
      fc.property(arb, (gaps) => {
        const a = new Aggregator();
        for (const g of gaps) a.apply(gap(g.from * 1000, (g.from + g.len) * 1000, g.reason, g.venue));
        const distinct = new Map(gaps.map((g) => [JSON.stringify(g), g]));
        expect(a.totalsSnapshot().gaps).toBe(distinct.size);
        const seconds = (venue: string) => [...distinct.values()].filter((g) => g.venue === venue).reduce((s, g) => s + g.len, 0);
        for (const venue of ['okx', 'bybit-linear']) expect(a.metricsView.gaps().get(venue as GapEvent['venue'])?.seconds ?? 0).toBe(seconds(venue));
      }),
      { seed: 20_261_205, numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { compareRounds, median, pairedRatios } from '../../bench/stats.js';

// The venue table's method (bench/venues.ts): a median of paired, interleaved rounds, timed alike for every contender.
describe('bench stats', () => {
  it('takes the median of odd and even counts, and pairs rounds by index', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(pairedRatios([2, 9], [1, 3])).toEqual([2, 3]);
  });

  it('times every contender once per round on every item, a fresh function per pass, after one untimed warm-up', () => {
    const made = { a: 0, b: 0 };
    const seen = { a: 0, b: 0 };
    const order: string[] = [];
    const contender = (k: 'a' | 'b') => () => {
      made[k] += 1;
      order.push(k);
      return () => (seen[k] += 1);
    };
    const r = compareRounds([1, 2, 3], { a: contender('a'), b: contender('b') }, 4, 0);
    expect(r.a.wall).toHaveLength(4);
    expect(r.b.cpu).toHaveLength(4);
    for (const k of ['a', 'b'] as const) {
      expect(seen[k]).toBe(made[k] * 3);
      expect(r[k].wall.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    }
    // minMs 0: one pass over the items per turn. Warm-up a, b; then the rounds alternate who goes first.
    expect(order).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  });

  it('with three or more contenders, each of two neighbours runs right after the other as often (no contender always follows the same one)', () => {
    const order: string[] = [];
    const contender = (k: string) => () => (order.push(k), () => 0);
    compareRounds([1], { json: contender('json'), liqstream: contender('liqstream'), ccxt: contender('ccxt') }, 6, 0);
    const timed = order.slice(3);
    const follows = (a: string, b: string) => timed.filter((k, i) => i > 0 && k === b && timed[i - 1] === a).length;
    expect(follows('json', 'liqstream')).toBeGreaterThan(0);
    expect(follows('liqstream', 'json')).toBeGreaterThan(0);
    expect(Math.abs(follows('json', 'liqstream') - follows('liqstream', 'json'))).toBeLessThanOrEqual(1);
    // Every contender still timed once per round.
    for (let r = 0; r < 6; r++) expect([...timed.slice(r * 3, r * 3 + 3)].sort()).toEqual(['ccxt', 'json', 'liqstream']);
  });
});

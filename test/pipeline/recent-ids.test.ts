import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/pipeline/recent-ids.js';

/** The behaviour, written as plainly as possible: the last `capacity` ids that were new. */
function model(capacity: number) {
  const window: string[] = [];
  return (id: string): boolean => {
    if (window.includes(id)) return true;
    window.push(id);
    if (window.length > capacity) window.shift();
    return false;
  };
}

describe('RecentIds', () => {
  it('answers exactly as a list of the last `capacity` new ids does', () => {
    // A small alphabet makes repeats, evictions and shared buckets frequent.
    const id = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ':', '1'), maxLength: 4 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(id, { maxLength: 300 }), fc.boolean(), (capacity, ids, bothHalves) => {
        const recent = new RecentIds(capacity, bothHalves);
        const expected = model(capacity);
        for (const x of ids) expect(recent.seen(x)).toBe(expected(x));
      }),
      { numRuns: 500 },
    );
  });

  it('forgets an id only after `capacity` newer ones', () => {
    const recent = new RecentIds(3);
    expect(['a', 'b', 'c', 'a'].map((x) => recent.seen(x))).toEqual([false, false, false, true]);
    expect(recent.seen('d')).toBe(false); // evicts a
    expect(['b', 'c', 'd', 'a'].map((x) => recent.seen(x))).toEqual([true, true, true, false]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(/capacity/);
    expect(() => new RecentIds(1.5)).toThrow(/capacity/);
  });
});

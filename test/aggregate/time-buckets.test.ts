import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeBuckets } from '../../src/aggregate/time-buckets.js';

describe('TimeBuckets', () => {
  it('answers as buckets deleted at every step would: the same bucket per key, none past the horizon, values() only those kept', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 300 }), (bucketMs, horizonMs, times) => {
        let made = 0;
        const buckets = new TimeBuckets(bucketMs, horizonMs, () => ({ n: made++ }));
        const model = new Map<number, { n: number }>();
        let oldest = -Infinity;
        for (const t of times) {
          oldest = Math.max(oldest, Math.floor((t - horizonMs) / bucketMs));
          for (const k of model.keys()) if (k < oldest) model.delete(k);
          const key = Math.floor(t / bucketMs);
          const got = buckets.at(t);
          if (key < oldest) expect(got).toBeUndefined();
          else {
            if (!model.has(key)) model.set(key, got!);
            expect(got).toBe(model.get(key));
          }
        }
        expect([...buckets.values()]).toEqual([...model.values()]);
      }),
      { numRuns: 500 },
    );
  });

  it('deletes what is past the horizon before values() lists it, even between two prunings', () => {
    const buckets = new TimeBuckets(1, 0, () => ({}));
    for (let t = 0; t < 5; t++) buckets.at(t);
    // The oldest moved by 4 buckets since the first call: fewer than the steps between two prunings.
    expect([...buckets.values()]).toHaveLength(1);
  });
});

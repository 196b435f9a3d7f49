import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeOrdered, mergeOrderedRuns } from '../../src/replay/merge.js';

async function* items<T>(values: T[]): AsyncGenerator<T> {
  yield* values;
}
async function* batches<T>(values: T[][]): AsyncGenerator<T[]> {
  yield* values;
}

/** Sorted keys tagged with their source and place, cut into batches (empty ones too) at the given points. */
const source = fc
  .array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 })
  .chain((keys) => fc.tuple(fc.constant([...keys].sort((a, b) => a - b)), fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 8 })));

function cut<T>(values: T[], points: number[]): T[][] {
  const at = [...new Set(points.map((p) => Math.min(p, values.length)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let start = 0;
  for (const p of at) {
    out.push(values.slice(start, p));
    start = p;
  }
  out.push(values.slice(start));
  return out;
}

describe('mergeOrderedRuns', () => {
  it('property: the runs, read in turn, are mergeOrdered of the same items (ties to the earlier source), each run of its own source', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(source, { minLength: 1, maxLength: 5 }), async (spec) => {
        const tagged = spec.map(([keys], s) => keys.map((k, i) => ({ k, s, i })));
        const expected: unknown[] = [];
        for await (const x of mergeOrdered(tagged.map((t) => items(t)), (x) => x.k)) expected.push(x);
        const got: unknown[] = [];
        for await (const run of mergeOrderedRuns(
          tagged.map((t, s) => batches(cut(t, spec[s]![1]))),
          (x) => x.k,
        )) {
          expect(run.items.length).toBeGreaterThan(0);
          for (const x of run.items) expect(x.s).toBe(run.source);
          got.push(...run.items);
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('closes every source when the reader stops early', async () => {
    const closed: number[] = [];
    async function* closing(s: number): AsyncGenerator<number[]> {
      try {
        yield [s, s + 10];
        yield [s + 20];
      } finally {
        closed.push(s);
      }
    }
    for await (const run of mergeOrderedRuns([closing(0), closing(1)], (x) => x)) if (run.items.length > 0) break;
    expect(closed.sort()).toEqual([0, 1]);
  });
});

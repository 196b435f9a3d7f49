import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSameResult } from './fast-path.js';

describe('expectSameResult', () => {
  it('property: where node strict deep equality passes, toEqual passes too (the shortcut never lets through what toEqual would refuse)', () => {
    const value = fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true, withTypedArray: true, withDate: true });
    fc.assert(
      fc.property(value, value, (a, b) => {
        if (isDeepStrictEqual(a, b)) expect(a).toEqual(b);
        const copy = structuredClone(a);
        if (isDeepStrictEqual(a, copy)) expect(a).toEqual(copy);
      }),
      { numRuns: 2_000 },
    );
  });

  it('what toEqual refuses fails, with its diff; what only toEqual accepts (an undefined property) passes', () => {
    expect(() => expectSameResult({ ok: true, events: [{ qty: 1 }] }, { ok: true, events: [{ qty: 2 }] }, 'frame')).toThrow(/frame/);
    expect(() => expectSameResult({ qty: 0 }, { qty: -0 })).toThrow();
    expect(() => expectSameResult({ a: 1, b: undefined }, { a: 1 })).not.toThrow();
  });
});

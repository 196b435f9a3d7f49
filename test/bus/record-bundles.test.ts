import { describe, expect, it } from 'vitest';
import { PACK_HEADER, PACK_LAYOUT_HEADER, unpackRecord } from '../../src/bus/record-packing.js';

const bundle = (count: number) => ({ [PACK_HEADER]: String(count), [PACK_LAYOUT_HEADER]: 'records' });
/** A column pack in which every column is shared: no rows, no numbers, whatever `count` says. */
const allShared = (count: number) => `{"count":${count},"keys":["a"],"varying":[],"numeric":[],"head":[1],"rows":[],"numbers":""}`;
const columnsOf = (count: number) => JSON.stringify({ [PACK_HEADER]: String(count), [PACK_LAYOUT_HEADER]: 'columns' });

describe('hostile bundles (unpackRecord)', () => {
  it('a bundle entry claiming 2^53 - 1 messages does not throw: it reaches validation', () => {
    const n = Number.MAX_SAFE_INTEGER;
    const text = `[["a",${columnsOf(n)},${allShared(n)}],["b",{},1]]`;
    // Before the fix: RangeError (Invalid array length) out of decodeColumns, through toBusMessages into the batch
    // handler, retried for ever (test/bus/kafka-bundles.kafka.test.ts).
    expect(() => unpackRecord('k', text, bundle(2), 7)).not.toThrow();
  });

  it('a record of a few hundred characters does not become a million messages (docs/kafka.md: the count is checked before anything is built)', () => {
    const n = 1_000_000;
    const text = `[["a",${columnsOf(n)},${allShared(n)}],["b",{},1]]`;
    expect(text.length).toBeLessThan(200);
    // Before the fix: 1,000,001 objects.
    expect(unpackRecord('k', text, bundle(2)).length).toBeLessThanOrEqual(text.length);
  });

  it('an empty bundle reaches validation (one message), rather than vanishing', () => {
    // Before the fix: [] for each. A bundle of no records is never written by bundleRecords, so it is not one of ours.
    for (const count of ['0', '', ' '])
      expect(unpackRecord('k', '[]', { [PACK_HEADER]: count, [PACK_LAYOUT_HEADER]: 'records' }, 3)).toEqual([{ key: 'k', value: [], headers: {}, offset: 3 }]);
  });
});

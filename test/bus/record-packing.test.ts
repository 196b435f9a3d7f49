import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { PACK_HEADER, packRecords, unpackRecord } from '../../src/bus/record-packing.js';

const headersOf = (m: BusMessage) => m.headers ?? {};
const liquidation = { 'schema-version': '1', type: 'liquidation' };
const gap = { 'schema-version': '1', type: 'gap' };

const messages = fc.array(
  fc.record({
    key: fc.constantFrom('binance-usdm:BTCUSDT', 'bybit-linear:ETHUSDT', 'hyperliquid:kPEPE'),
    value: fc.jsonValue(),
    headers: fc.constantFrom(liquidation, gap),
  }),
  { maxLength: 60 },
);
const unpackAll = (records: ReturnType<typeof packRecords>) => records.flatMap((r) => unpackRecord(r.key, r.value, r.headers));
const byKey = (ms: BusMessage[]) => {
  const out: Record<string, unknown[]> = {};
  for (const m of ms) (out[m.key] ??= []).push([m.value, m.headers]);
  return out;
};

describe('Kafka record packing', () => {
  it('packs consecutive messages of one key into a JSON array record, marked with its size', () => {
    const records = packRecords(
      [
        { key: 'a', value: { n: 1 }, headers: liquidation },
        { key: 'b', value: { n: 2 }, headers: liquidation },
        { key: 'a', value: { n: 3 }, headers: liquidation },
      ],
      { maxMessages: 500, maxChars: 250_000 },
      headersOf,
    );
    expect(records).toEqual([
      { key: 'a', value: '[{"n":1},{"n":3}]', headers: { ...liquidation, [PACK_HEADER]: '2' } },
      { key: 'b', value: '[{"n":2}]', headers: { ...liquidation, [PACK_HEADER]: '1' } },
    ]);
  });

  it('property: unpacking gives back every message, in order per key, within the limits', () => {
    fc.assert(
      fc.property(messages, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 400 }), (ms, maxMessages, maxChars) => {
        const records = packRecords(ms, { maxMessages, maxChars }, headersOf);
        // JSON itself turns -0 into 0: compare with what JSON carries.
        const carried = ms.map((m) => ({ ...m, value: JSON.parse(JSON.stringify(m.value)) as unknown }));
        expect(byKey(unpackAll(records))).toEqual(byKey(carried));
        for (const r of records) {
          const n = r.headers[PACK_HEADER] === undefined ? 1 : Number(r.headers[PACK_HEADER]);
          expect(n).toBeLessThanOrEqual(maxMessages);
          // A single message larger than the limit still travels, alone.
          if (n > 1) expect(r.value.length).toBeLessThanOrEqual(maxChars);
        }
      }),
    );
  });

  it('maxMessages 1 writes plain records, which read back as one message each', () => {
    const records = packRecords([{ key: 'a', value: 'x#1', headers: gap }], { maxMessages: 1, maxChars: 250_000 }, headersOf);
    expect(records).toEqual([{ key: 'a', value: '"x#1"', headers: gap }]);
    expect(unpackAll(records)).toEqual([{ key: 'a', value: 'x#1', headers: gap }]);
  });

  it('a record from another producer that is not JSON, or a pack that is not an array, reaches validation whole', () => {
    expect(unpackRecord('k', 'not json', {})).toEqual([{ key: 'k', value: 'not json', headers: {} }]);
    expect(unpackRecord('k', '{"a":1}', { [PACK_HEADER]: '1' })).toEqual([{ key: 'k', value: { a: 1 }, headers: {} }]);
  });
});

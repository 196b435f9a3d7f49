import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { PACK_HEADER, PACK_LAYOUT_HEADER, bundleRecords, packRecords, unpackRecord, type KafkaRecord } from '../../src/bus/record-packing.js';

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
  it('packs the messages of one key into one record, marked with their count; objects with the same keys in columns', () => {
    const records = packRecords(
      [
        { key: 'a', value: { venue: 'x', n: 1 }, headers: liquidation },
        { key: 'b', value: 'two', headers: liquidation },
        { key: 'a', value: { venue: 'x', n: 3 }, headers: liquidation },
        { key: 'b', value: 'four', headers: liquidation },
        { key: 'c', value: { n: 5 }, headers: liquidation },
      ],
      { maxMessages: 500, maxChars: 250_000 },
      headersOf,
    );
    expect(records).toEqual([
      {
        key: 'a',
        // n travels as the float64s 1 and 3.
        value: '{"count":2,"keys":["venue","n"],"varying":[],"numeric":[1],"head":["x",null],"rows":[],"numbers":"AAAAAAAA8D8AAAAAAAAIQA=="}',
        headers: { ...liquidation, [PACK_HEADER]: '2', [PACK_LAYOUT_HEADER]: 'columns' },
      },
      { key: 'b', value: '["two","four"]', headers: { ...liquidation, [PACK_HEADER]: '2' } },
      { key: 'c', value: '[{"n":5}]', headers: { ...liquidation, [PACK_HEADER]: '1' } },
    ]);
    expect(unpackAll(records)).toEqual([
      { key: 'a', value: { venue: 'x', n: 1 }, headers: liquidation },
      { key: 'a', value: { venue: 'x', n: 3 }, headers: liquidation },
      { key: 'b', value: 'two', headers: liquidation },
      { key: 'b', value: 'four', headers: liquidation },
      { key: 'c', value: { n: 5 }, headers: liquidation },
    ]);
  });

  it('objects the column layout cannot carry exactly travel as a JSON array', () => {
    const pack = (values: unknown[]) => packRecords(values.map((value) => ({ key: 'k', value, headers: gap })), { maxMessages: 500, maxChars: 250_000 }, headersOf)[0]!;
    expect(pack([{ a: 1 }, { a: 2, b: 3 }]).value).toBe('[{"a":1},{"a":2,"b":3}]'); // different keys
    expect(pack([{ a: 1, b: 2 }, { a: 1, c: 2 }]).value).toBe('[{"a":1,"b":2},{"a":1,"c":2}]'); // same count, other key
    // Same keys in another order: columns would give the second object the first one's order.
    expect(pack([{ a: 1, b: 2 }, { b: 2, a: 1 }]).value).toBe('[{"a":1,"b":2},{"b":2,"a":1}]');
    // An enumerable inherited key is none of JSON's, but no column either.
    const inherits = Object.assign(Object.create({ c: 3 }) as object, { a: 1, b: 2 });
    expect(pack([{ a: 1, b: 2 }, inherits]).value).toBe('[{"a":1,"b":2},{"a":1,"b":2}]');
    expect(pack([{ a: 1, b: undefined }, { a: 2, b: 1 }]).value).toBe('[{"a":1},{"a":2,"b":1}]'); // undefined is omitted, not null
    expect(pack([{ a: 1, b: 1 }, { a: 2, b: () => 0 }]).value).toBe('[{"a":1,"b":1},{"a":2}]'); // so is a function
    expect(pack([{ a: 1, toString: 1 }, { a: 2, b: 1 }]).value).toBe('[{"a":1,"toString":1},{"a":2,"b":1}]'); // inherited toString is no own key
    expect(pack([JSON.parse('{"__proto__":1}'), JSON.parse('{"__proto__":2}')]).headers[PACK_LAYOUT_HEADER]).toBeUndefined();
    expect(pack([[1], [2]]).value).toBe('[[1],[2]]');
    // A toJSON may drop its property or read its key (an index in an array); only Date's is trusted.
    const dropped = { toJSON: () => undefined };
    expect(pack([{ a: 1, b: dropped }, { a: 2, b: dropped }]).value).toBe('[{"a":1},{"a":2}]');
    const named = { toJSON: (k: string) => k };
    expect(pack([{ a: named }, { a: named }]).value).toBe('[{"a":"a"},{"a":"a"}]');
    const when = new Date(Date.UTC(2025, 9, 10, 21, 15));
    expect(unpackAll([pack([{ t: when }, { t: when }])]).map((m) => m.value)).toEqual([{ t: '2025-10-10T21:15:00.000Z' }, { t: '2025-10-10T21:15:00.000Z' }]);
  });

  it('objects all alike still write one column row by row, so that the record\'s size bounds its count', () => {
    const [record] = packRecords([1, 2].map(() => ({ key: 'k', value: { a: 'x', b: 1 }, headers: gap })), { maxMessages: 500, maxChars: 250_000 }, headersOf);
    expect(record!.value).toBe('{"count":2,"keys":["a","b"],"varying":[0],"numeric":[],"head":[null,1],"rows":["x","x"],"numbers":""}');
    expect(unpackAll([record!]).map((m) => m.value)).toEqual([{ a: 'x', b: 1 }, { a: 'x', b: 1 }]);
    expect(packRecords([{}, {}].map((value) => ({ key: 'k', value, headers: gap })), { maxMessages: 500, maxChars: 250_000 }, headersOf)[0]!.value).toBe('[{},{}]');
  });

  it('reads each property once, as JSON.stringify does', () => {
    let reads = 0;
    const counted = {
      get a() {
        return ++reads;
      },
    };
    const records = packRecords([counted, { a: 1 }].map((value) => ({ key: 'k', value, headers: gap })), { maxMessages: 500, maxChars: 250_000 }, headersOf);
    expect(unpackAll(records).map((m) => m.value)).toEqual([{ a: 1 }, { a: 1 }]);
    expect(reads).toBe(1);
  });

  it('refuses message headers that would read as packing headers', () => {
    for (const maxMessages of [1, 500])
      for (const reserved of [PACK_HEADER, PACK_LAYOUT_HEADER])
        expect(() => packRecords([{ key: 'k', value: [1, 2], headers: { [reserved]: '2' } }], { maxMessages, maxChars: 250_000 }, headersOf)).toThrow('reserved');
  });

  it('property: objects with the same keys round-trip through the column layout', () => {
    const row = fc.record({ venue: fc.constantFrom('binance-usdm', 'bybit-linear'), price: fc.double({ noNaN: true, noDefaultInfinity: true }), id: fc.string(), nested: fc.jsonValue() });
    fc.assert(
      fc.property(fc.array(row, { minLength: 2, maxLength: 40 }), (values) => {
        const records = packRecords(values.map((value) => ({ key: 'k', value, headers: liquidation })), { maxMessages: 500, maxChars: 250_000 }, headersOf);
        expect(records.every((r) => r.headers[PACK_LAYOUT_HEADER] === 'columns')).toBe(true);
        expect(unpackAll(records).map((m) => m.value)).toEqual(JSON.parse(JSON.stringify(values)));
        // Key for key in the same order, too (the decoder copies one template per pack and sets its columns).
        expect(JSON.stringify(unpackAll(records).map((m) => m.value))).toBe(JSON.stringify(values));
      }),
    );
  });

  it('each unpacked object is its own, with the keys in the order they were packed (integer-like keys as JSON orders them)', () => {
    const values = [
      { z: 1, a: 'x', '2': true, id: 'p' },
      { z: 2, a: 'x', '2': true, id: 'q' },
    ];
    const [record] = packRecords(values.map((value) => ({ key: 'k', value, headers: liquidation })), { maxMessages: 500, maxChars: 250_000 }, headersOf);
    const out = unpackRecord(record!.key, record!.value, record!.headers).map((m) => m.value as Record<string, unknown>);
    expect(out.map((o) => Object.keys(o))).toEqual([Object.keys(values[0]!), Object.keys(values[1]!)]);
    out[0]!.a = 'changed';
    expect(out[1]!.a).toBe('x');
    expect(Object.getPrototypeOf(out[0])).toBe(Object.prototype);
  });

  it('with an offset, every message of the record carries it (the Kafka consumer passes the record offset)', () => {
    const records = packRecords([1, 2, 3].map((n) => ({ key: 'k', value: { n }, headers: gap })), { maxMessages: 500, maxChars: 250_000 }, headersOf);
    expect(unpackRecord(records[0]!.key, records[0]!.value, records[0]!.headers, 41)).toEqual([1, 2, 3].map((n) => ({ key: 'k', value: { n }, headers: gap, offset: 41 })));
    expect(unpackRecord('k', 'not json', {}, 7)).toEqual([{ key: 'k', value: 'not json', headers: {}, offset: 7 }]);
    expect(unpackRecord('k', '[1]', {}).every((m) => !('offset' in m))).toBe(true);
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

  it('a record from another producer that is not JSON, or a malformed pack, reaches validation whole', () => {
    expect(unpackRecord('k', 'not json', {})).toEqual([{ key: 'k', value: 'not json', headers: {} }]);
    expect(unpackRecord('k', '{"a":1}', { [PACK_HEADER]: '1' })).toEqual([{ key: 'k', value: { a: 1 }, headers: {} }]);
    const columns = { [PACK_HEADER]: '2', [PACK_LAYOUT_HEADER]: 'columns' };
    const two = 'AAAAAAAA8D8AAAAAAAAAQA=='; // the float64s 1 and 2
    expect(unpackRecord('k', `{"count":2,"keys":["a"],"varying":[],"numeric":[0],"head":[null],"rows":[],"numbers":"${two}"}`, columns).map((m) => m.value)).toEqual([{ a: 1 }, { a: 2 }]);
    for (const bad of [
      '[1,2]',
      '{"count":2,"keys":["a"],"varying":[0],"numeric":[],"head":[null],"rows":[1],"numbers":""}', // a row missing
      '{"count":1,"keys":["a","a"],"varying":[],"numeric":[],"head":[1,1],"rows":[],"numbers":""}', // duplicate key
      '{"count":1,"keys":["__proto__"],"varying":[],"numeric":[],"head":[{}],"rows":[],"numbers":""}',
      '{"count":1,"keys":["a"],"varying":[1],"numeric":[],"head":[null],"rows":[1],"numbers":""}', // column out of range
      '{"count":5000000000,"keys":[],"varying":[],"numeric":[],"head":[],"rows":[],"numbers":""}', // not the header's count
      '{"count":2,"keys":["a"],"varying":[0],"numeric":[],"head":[7],"rows":[1,2],"numbers":""}', // a value in a varying column's head
      '{"count":2,"keys":["a"],"varying":[],"numeric":[],"head":[1],"rows":[],"numbers":"","more":1}', // a field the layout has not
      '{"count":2,"keys":["a"],"varying":[],"numeric":[],"head":[1],"rows":[],"numbers":""}', // no column varies: nothing bounds the count
      '{"count":2,"keys":["a"],"varying":[],"head":[1],"rows":[]}', // fields missing
      `{"count":2,"keys":["a"],"varying":[0],"numeric":[0],"head":[null],"rows":[1,2],"numbers":"${two}"}`, // a column in both
      `{"count":2,"keys":["a"],"varying":[],"numeric":[0],"head":[null],"rows":[],"numbers":"${two.slice(0, 12)}"}`, // a number missing
      `{"count":2,"keys":["a"],"varying":[],"numeric":[0],"head":[null],"rows":[],"numbers":"${two.slice(0, 20)}!!!!"}`, // not base64
      '{"count":2,"keys":["a"],"varying":[],"numeric":[0],"head":[null],"rows":[],"numbers":"AAAAAAAA8D8AAAAAAADwfw=="}', // 1 and Infinity, which JSON cannot carry
      '{"count":2,"keys":["a"],"varying":[],"numeric":[0],"head":[null],"rows":[],"numbers":"AAAAAAAA8D8AAAAAAAAAgA=="}', // 1 and -0, which JSON reads as 0
    ])
      expect(unpackRecord('k', bad, columns)).toEqual([{ key: 'k', value: JSON.parse(bad) as unknown, headers: {} }]);
    expect(unpackRecord('k', '[1,2,3]', { [PACK_HEADER]: '2' })).toEqual([{ key: 'k', value: [1, 2, 3], headers: {} }]); // count differs
  });

  describe('bundles of one partition\'s records', () => {
    const partitionOf = (n: number) => (key: string) => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7) % n;

    it('property: every message comes back once, in order per key, each record on the partition of every key in it, within the size limit', () => {
      fc.assert(
        fc.property(messages, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 20, max: 600 }), (ms, maxMessages, partitions, maxChars) => {
          const packed = packRecords(ms, { maxMessages, maxChars: 250_000 }, headersOf);
          const bundled = bundleRecords(packed, partitionOf(partitions), maxChars);
          const carried = ms.map((m) => ({ ...m, value: JSON.parse(JSON.stringify(m.value)) as unknown }));
          expect(byKey(unpackAll(bundled))).toEqual(byKey(carried));
          for (const r of bundled) {
            expect(r.partition).toBeDefined();
            for (const m of unpackRecord(r.key, r.value, r.headers)) expect(partitionOf(partitions)(m.key)).toBe(r.partition);
            if (r.headers[PACK_LAYOUT_HEADER] === 'records') expect(r.value.length).toBeLessThanOrEqual(maxChars);
          }
          // Per partition, the records' messages in the order the packed records had them (bundles keep it).
          const inPartition = (rs: KafkaRecord[], p: number) => unpackAll(rs.filter((r) => partitionOf(partitions)(r.key) === p));
          for (let p = 0; p < partitions; p++) expect(inPartition(bundled, p)).toEqual(inPartition(packed, p));
        }),
      );
    });

    it('one record per partition: the bundle marked with its count, its key the first record\'s, its records as they were', () => {
      const packed = packRecords(
        [
          { key: 'a', value: { n: 1 }, headers: liquidation },
          { key: 'b', value: { n: 2 }, headers: gap },
          { key: 'c', value: 'x', headers: liquidation },
        ],
        { maxMessages: 500, maxChars: 250_000 },
        headersOf,
      );
      const bundled = bundleRecords(packed, (key) => (key === 'b' ? 1 : 0), 250_000);
      expect(bundled).toEqual([
        {
          key: 'a',
          value: `[["a",${JSON.stringify(packed[0]!.headers)},[{"n":1}]],["c",${JSON.stringify(packed[2]!.headers)},["x"]]]`,
          headers: { [PACK_HEADER]: '2', [PACK_LAYOUT_HEADER]: 'records' },
          partition: 0,
        },
        // Alone in its partition: the record itself.
        { ...packed[1]!, partition: 1 },
      ]);
      expect(unpackAll(bundled)).toEqual([
        { key: 'a', value: { n: 1 }, headers: liquidation },
        { key: 'c', value: 'x', headers: liquidation },
        { key: 'b', value: { n: 2 }, headers: gap },
      ]);
      expect(unpackRecord(bundled[0]!.key, bundled[0]!.value, bundled[0]!.headers, 9).map((m) => m.offset)).toEqual([9, 9]);
    });

    it('a malformed bundle reaches validation whole, its packing headers taken off', () => {
      const bundle = { [PACK_HEADER]: '2', [PACK_LAYOUT_HEADER]: 'records' };
      const nested = JSON.stringify([['a', bundle, []], ['b', {}, 1]]);
      for (const bad of [
        '[["a",{},1]]', // count differs
        '[["a",{},1],["b",{}]]', // a record not [key, headers, value]
        '[["a",{},1],[2,{},1]]', // a key not text
        '[["a",{},1],["b",{"h":1},1]]', // a header not text
        '[["a",{},1],["b",[],1]]', // headers not an object
        '[["a",{},1],["b",null,1]]',
        '{"a":1}',
        nested, // a bundle in a bundle
      ])
        expect(unpackRecord('k', bad, bundle, 3)).toEqual([{ key: 'k', value: JSON.parse(bad) as unknown, headers: {}, offset: 3 }]);
      expect(unpackRecord('k', 'not json', bundle)).toEqual([{ key: 'k', value: 'not json', headers: {} }]);
    });
  });
});

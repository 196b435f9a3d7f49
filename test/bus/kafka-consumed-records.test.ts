import { describe, expect, it } from 'vitest';
import { toBusMessages } from '../../src/bus/kafka-bus.js';
import { packRecords } from '../../src/bus/record-packing.js';

const headers = { 'schema-version': '1', type: 'liquidation' };

describe('a consumed Kafka record as bus messages', () => {
  it('unpacks a packed record into its messages, each with the record offset and the headers other than packing', () => {
    const [record] = packRecords([1, 2].map((n) => ({ key: 'v:s', value: { id: `i${n}`, n }, headers })), { maxMessages: 500, maxChars: 250_000 }, (m) => m.headers!);
    const consumed = {
      key: Buffer.from(record!.key),
      value: Buffer.from(record!.value),
      headers: Object.fromEntries(Object.entries(record!.headers).map(([k, v]) => [k, Buffer.from(v)])),
      offset: '17',
    };
    expect(toBusMessages(consumed)).toEqual([
      { key: 'v:s', value: { id: 'i1', n: 1 }, headers, offset: 17 },
      { key: 'v:s', value: { id: 'i2', n: 2 }, headers, offset: 17 },
    ]);
  });

  it('takes the last of a repeated header, skips an absent one, and reads a record without key or value', () => {
    const consumed = { key: null, value: null, headers: { type: [Buffer.from('a'), Buffer.from('b')], none: undefined }, offset: '3' };
    expect(toBusMessages(consumed)).toEqual([{ key: '', value: '', headers: { type: 'b' }, offset: 3 }]);
  });
});

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeColumns, encodeColumns } from '../../src/bus/column-pack.js';
import { toBusMessages } from '../../src/bus/kafka-bus.js';
import { PACK_HEADER, PACK_LAYOUT_HEADER, packRecords, unpackRecord } from '../../src/bus/record-packing.js';

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

const require = createRequire(import.meta.url);

/**
 * A column pack of `width` keys, all but the first shared, and `count` objects: each object costs the record two
 * characters (`0,` in rows) but gets `width` properties, so the objects built grow as count × width, the square of
 * the record's size.
 */
function widePack(width: number, count: number): string {
  const keys = Array.from({ length: width }, (_, i) => i.toString(36).padStart(2, '_'));
  const head = keys.map((_, i) => (i === 0 ? null : 0));
  return JSON.stringify({ count, keys, varying: [0], numeric: [], head, rows: new Array<number>(count).fill(0), numbers: '' });
}

describe('the Kafka consumer\'s decoding: what a column pack builds is bounded by the record', () => {
  it('a pack of 1,000 keys × 1,000 objects (≈ 10 kB) does not build a million properties', () => {
    const text = widePack(1_000, 1_000);
    expect(text.length).toBeLessThan(12_000);
    const messages = unpackRecord('k', text, { [PACK_HEADER]: '1000', [PACK_LAYOUT_HEADER]: 'columns' });
    let properties = 0;
    for (const m of messages) properties += typeof m.value === 'object' && m.value !== null ? Object.keys(m.value).length : 1;
    // Linear in the record: a legitimate pack builds about one property per character or fewer (13 keys, ≥ 8 bytes
    // of numbers or a row cell per event). Before the key bound: 1,000,000 properties from 10,048 characters (20 kB → 187 MB of
    // heap and ≈ 1 s; the writer's own 250,000-character limit would ask for ≈ 10^10).
    expect(properties).toBeLessThanOrEqual(20 * text.length);
  });

  it('objects of more than 64 keys are not written in columns (the reader would refuse the pack)', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i === 0 ? n : 0]));
    expect(encodeColumns([wide(1), wide(2)])).toBeUndefined();
    const narrow = (n: number) => Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i === 0 ? n : 0]));
    expect(decodeColumns(JSON.parse(encodeColumns([narrow(1), narrow(2)])!), 2)).toEqual([narrow(1), narrow(2)]);
  });

  it('the writer and reader agree on a pack they both accept (encode → decode round-trips)', () => {
    const values = [
      { a: 1, b: 'x', c: 2.5 },
      { a: 1, b: 'y', c: 3.5 },
    ];
    const text = encodeColumns(values)!;
    expect(decodeColumns(JSON.parse(text), 2)).toEqual(values);
  });
});

describe('the Kafka consumer\'s decoding: toBusMessages and header values kafkajs decodes as null', () => {
  // kafkajs's record decoder reads a header value of length -1 (any producer may write one: Kafka headers are
  // nullable; Java's `new RecordHeader("h", null)`, librdkafka, kcat -H h) as null, not as a Buffer.
  function consumedWithNullHeader(): { key: Buffer | null; value: Buffer | null; headers: Record<string, unknown>; offset: string } {
    const { default: Encoder } = { default: require('kafkajs/src/protocol/encoder') } as { default: new () => any };
    const { default: Decoder } = { default: require('kafkajs/src/protocol/decoder') } as { default: new (b: Buffer) => any };
    const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: unknown, ctx: object) => any;
    const header = new Encoder().writeVarIntString('h').writeVarIntBytes(null);
    const body = new Encoder()
      .writeInt8(0)
      .writeVarLong(0)
      .writeVarInt(0)
      .writeVarIntBytes(Buffer.from('v:s'))
      .writeVarIntBytes(Buffer.from('{"id":"a"}'))
      .writeVarIntArray([header]);
    const r = decodeRecord(new Decoder(body.buffer), { firstOffset: '41', firstTimestamp: '0', magicByte: 2 });
    return { key: r.key, value: r.value, headers: r.headers, offset: r.offset };
  }

  it('kafkajs gives null for such a header value', () => {
    expect(consumedWithNullHeader().headers).toEqual({ h: null });
  });

  it('a record with a null header value is handed over, not thrown on (a throw fails the batch on every redelivery)', () => {
    const consumed = consumedWithNullHeader();
    expect(() => toBusMessages(consumed as never)).not.toThrow();
    expect(toBusMessages(consumed as never)).toEqual([{ key: 'v:s', value: { id: 'a' }, headers: {}, offset: 41 }]);
  });

  it('nor when the null one is the last of a repeated header', () => {
    const consumed = { key: Buffer.from('k'), value: Buffer.from('1'), headers: { h: [Buffer.from('a'), null] }, offset: '3' };
    expect(() => toBusMessages(consumed as never)).not.toThrow();
  });
});

import type { BusMessage } from './bus.js';

/** Marks a Kafka record whose value is a JSON array of messages sharing its key and headers. */
export const PACK_HEADER = 'liqstream-pack';

export interface KafkaRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface PackLimits {
  /** Messages per record; 1 writes one record per message. */
  maxMessages: number;
  /** Characters of JSON per record: at most 3 UTF-8 bytes each, so 250,000 stays under the broker's default message.max.bytes (1 MiB). */
  maxChars: number;
}

/**
 * Packs consecutive messages of one key (and the same headers) into one record. kafkajs spends
 * tens of microseconds per record encoding and decoding, far more than the JSON, so packing is what
 * lets a single client process carry 100k+ events/s. Order within a key is the order given; a
 * key's messages never leave their partition.
 */
export function packRecords(messages: BusMessage[], limits: PackLimits, headersOf: (m: BusMessage) => Record<string, string>): KafkaRecord[] {
  const open = new Map<string, { record: { key: string; headers: Record<string, string> }; parts: string[]; chars: number; signature: string }>();
  const out: { record: { key: string; headers: Record<string, string> }; parts: string[] }[] = [];
  for (const m of messages) {
    const json = JSON.stringify(m.value) ?? 'null';
    const headers = headersOf(m);
    const signature = headerSignature(headers);
    let pack = open.get(m.key);
    if (!pack || pack.signature !== signature || pack.parts.length >= limits.maxMessages || pack.chars + json.length + 1 > limits.maxChars) {
      pack = { record: { key: m.key, headers }, parts: [], chars: 2, signature };
      open.set(m.key, pack);
      out.push(pack);
    }
    pack.parts.push(json);
    pack.chars += json.length + 1;
  }
  return out.map(({ record, parts }) =>
    limits.maxMessages === 1
      ? { ...record, value: parts[0]! }
      : { key: record.key, value: `[${parts.join(',')}]`, headers: { ...record.headers, [PACK_HEADER]: String(parts.length) } },
  );
}

/** The messages in a consumed record: a packed record's elements, otherwise the record itself. */
export function unpackRecord(key: string, text: string, headers: Record<string, string>): BusMessage[] {
  if (headers[PACK_HEADER] === undefined) return [{ key, value: jsonValue(text), headers }];
  const { [PACK_HEADER]: _count, ...own } = headers;
  const value = jsonValue(text);
  // A pack that is not an array is passed on whole, so the consumer's validation reports it.
  if (!Array.isArray(value)) return [{ key, value, headers: own }];
  return value.map((v: unknown) => ({ key, value: v, headers: own }));
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

// Header objects are usually shared per record type (messageHeaders), so their signature is cached.
const signatures = new WeakMap<object, string>();
function headerSignature(h: Record<string, string>): string {
  let s = signatures.get(h);
  if (s === undefined) signatures.set(h, (s = JSON.stringify(Object.entries(h).sort())));
  return s;
}

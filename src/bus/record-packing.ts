import type { BusMessage } from './bus.js';
import { decodeColumns, encodeColumns } from './column-pack.js';

/** Marks a Kafka record that carries several messages sharing its key and headers; the value is their count. */
export const PACK_HEADER = 'liqstream-pack';
/**
 * `columns` when the pack is in the column layout (column-pack.ts); `records` when the record bundles whole records of
 * one partition (bundleRecords); absent for a JSON array of the messages.
 */
export const PACK_LAYOUT_HEADER = 'liqstream-pack-layout';
const COLUMNS = 'columns';
const RECORDS = 'records';

export interface KafkaRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
  /** The partition chosen by bundleRecords; absent, the producer's partitioner chooses by key. */
  partition?: number;
  /** With `partition`: the topic's partition count it was chosen for (the producer refuses it at another). */
  partitions?: number;
}

export interface PackLimits {
  /** Messages per record; 1 writes one record per message. */
  maxMessages: number;
  /**
   * Characters of JSON per record: at most 3 UTF-8 bytes each, so a 250,000-character record fits the
   * broker's default message.max.bytes (1 MiB). That limit applies to a partition's whole batch in one
   * request, which the publisher's batch size bounds.
   */
  maxChars: number;
}

/**
 * Packs the messages of one key (and the same headers) into one record. kafkajs spends tens of
 * microseconds per record encoding and decoding, far more than the JSON, so packing took the Kafka
 * path from 18k to over 50k events/s. Order within a key is the order given; a key's messages never
 * leave their partition.
 */
export function packRecords(messages: BusMessage[], limits: PackLimits, headersOf: (m: BusMessage) => Record<string, string>): KafkaRecord[] {
  if (limits.maxMessages === 1) return messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) ?? 'null', headers: ownHeaders(m, headersOf) }));
  const open = new Map<string, Pack>();
  const packs: Pack[] = [];
  for (const m of messages) {
    const headers = ownHeaders(m, headersOf);
    const signature = headerSignature(headers);
    let pack = open.get(m.key);
    if (!pack || pack.signature !== signature || pack.values.length >= limits.maxMessages) {
      pack = { key: m.key, headers, signature, values: [] };
      open.set(m.key, pack);
      packs.push(pack);
    }
    pack.values.push(m.value);
  }
  const out: KafkaRecord[] = [];
  for (const pack of packs) serialise(pack, pack.values, limits.maxChars, out);
  return out;
}

interface Pack {
  key: string;
  headers: Record<string, string>;
  signature: string;
  values: unknown[];
}

// One serialisation per pack is about half the cost of one per message; the rare pack over the
// size limit is halved until it fits (a single message larger than the limit still travels, alone).
function serialise(pack: Pack, values: unknown[], maxChars: number, out: KafkaRecord[]): void {
  // One object gains nothing from columns.
  const columns = values.length > 1 ? encodeColumns(values) : undefined;
  const value = columns ?? JSON.stringify(values);
  if (value.length > maxChars && values.length > 1) {
    const half = values.length >> 1;
    serialise(pack, values.slice(0, half), maxChars, out);
    serialise(pack, values.slice(half), maxChars, out);
    return;
  }
  const headers = { ...pack.headers, [PACK_HEADER]: String(values.length) };
  out.push({ key: pack.key, value, headers: columns === undefined ? headers : { ...headers, [PACK_LAYOUT_HEADER]: COLUMNS } });
}

/**
 * Bundles the records bound for one partition into one record: its value a JSON array of the records, each
 * `[key, headers, value]` with the value's JSON as it was (not escaped again), its headers the two packing ones
 * (`liqstream-pack`: how many records; `liqstream-pack-layout: records`), its key the first record's, its
 * partition the one `partitionOf` gives every key in it — the producer's own choice by key, so a key's messages
 * stay on the partition they would have taken unbundled. kafkajs's cost is per record: packs by key left ≈ 43
 * records per 1,000 events of the real venue mix, bundles leave one per partition and request (docs/kafka.md).
 *
 * Records keep their order within a partition (a bundle is placed where its first record was, and one is closed
 * before the next for its partition opens); a bundle holds at most `maxChars` characters, and a record that does
 * not fit one alone, or a bundle of one record, travels as the record itself with its partition set.
 */
export function bundleRecords(records: KafkaRecord[], partitionOf: (key: string) => number, maxChars: number): KafkaRecord[] {
  const open = new Map<number, Bundle>();
  const order: (Bundle | KafkaRecord)[] = [];
  for (const r of records) {
    const partition = partitionOf(r.key);
    const entry = `[${JSON.stringify(r.key)},${JSON.stringify(r.headers)},${r.value}]`;
    if (entry.length + 2 > maxChars) {
      open.delete(partition);
      order.push({ ...r, partition });
      continue;
    }
    let bundle = open.get(partition);
    if (!bundle || bundle.chars + entry.length + 1 > maxChars) {
      bundle = { first: r, partition, entries: [], chars: 1 };
      open.set(partition, bundle);
      order.push(bundle);
    }
    bundle.entries.push(entry);
    bundle.chars += entry.length + 1;
  }
  return order.map((b): KafkaRecord => {
    if (!('entries' in b)) return b;
    if (b.entries.length === 1) return { ...b.first, partition: b.partition };
    return {
      key: b.first.key,
      value: `[${b.entries.join(',')}]`,
      headers: { [PACK_HEADER]: String(b.entries.length), [PACK_LAYOUT_HEADER]: RECORDS },
      partition: b.partition,
    };
  });
}

interface Bundle {
  first: KafkaRecord;
  partition: number;
  entries: string[];
  chars: number;
}

/**
 * The messages in a consumed record: a packed record's elements, otherwise the record itself. A pack
 * whose contents do not match its header (count, layout) is passed on whole, so the consumer's
 * validation reports it.
 */
export function unpackRecord(key: string, text: string, headers: Record<string, string>, offset?: number): BusMessage[] {
  const value = jsonValue(text);
  if (headers[PACK_HEADER] === undefined || headers[PACK_LAYOUT_HEADER] !== RECORDS) return unpackValue(key, value, headers, offset);
  // A bundle (bundleRecords): each of its records unpacked as if it had come alone. One that is not well formed
  // (count, shape, a bundle in a bundle) is passed on whole, so the consumer's validation reports it.
  const { [PACK_HEADER]: countText, [PACK_LAYOUT_HEADER]: _layout, ...own } = headers;
  if (!Array.isArray(value) || value.length === 0 || value.length !== Number(countText) || !value.every(bundledRecord)) return [messageOf(key, offset)(value, own)];
  const out: BusMessage[] = [];
  for (const [k, h, v] of value) for (const m of unpackValue(k, v, h, offset)) out.push(m);
  return out;
}

/**
 * Builds the messages of one key. With an offset, each message is built with it at once (the Kafka consumer's case):
 * copying every message again to add it was one more object per event.
 */
const messageOf = (key: string, offset: number | undefined): ((value: unknown, headers: Record<string, string>) => BusMessage) =>
  offset === undefined ? (value, headers) => ({ key, value, headers }) : (value, headers) => ({ key, value, headers, offset });

/** `[key, headers, value]` with string headers, none of them a bundle's. */
function bundledRecord(r: unknown): r is [string, Record<string, string>, unknown] {
  if (!Array.isArray(r) || r.length !== 3 || typeof r[0] !== 'string') return false;
  const h: unknown = r[1];
  if (typeof h !== 'object' || h === null || Array.isArray(h) || Object.getPrototypeOf(h) !== Object.prototype) return false;
  for (const k in h) if (typeof (h as Record<string, unknown>)[k] !== 'string') return false;
  return (h as Record<string, string>)[PACK_LAYOUT_HEADER] !== RECORDS;
}

/** The messages of one record whose value is parsed: a pack's (columns or a JSON array), otherwise the value itself. */
function unpackValue(key: string, value: unknown, headers: Record<string, string>, offset: number | undefined): BusMessage[] {
  const message = messageOf(key, offset);
  if (headers[PACK_HEADER] === undefined) return [message(value, headers)];
  const { [PACK_HEADER]: countText, [PACK_LAYOUT_HEADER]: layout, ...own } = headers;
  const count = Number(countText);
  // A pack of none is not one a writer makes: it goes to validation rather than vanish.
  const messages =
    count < 1 ? undefined : layout === COLUMNS ? decodeColumns(value, count) : layout === undefined && Array.isArray(value) && value.length === count ? (value as unknown[]) : undefined;
  if (messages === undefined) return [message(value, own)];
  const out = new Array<BusMessage>(messages.length);
  for (let i = 0; i < messages.length; i++) out[i] = message(messages[i], own);
  return out;
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A message's headers, which must leave the packing headers to the packer: a reader would take them for a pack. */
function ownHeaders(m: BusMessage, headersOf: (m: BusMessage) => Record<string, string>): Record<string, string> {
  const h = headersOf(m);
  if (PACK_HEADER in h || PACK_LAYOUT_HEADER in h) throw new Error(`bus message headers must not use the reserved names ${PACK_HEADER} and ${PACK_LAYOUT_HEADER}`);
  return h;
}

// Header objects are usually shared and frozen per record type (messageHeaders), so their signature
// is cached; an object that could still change is read each time.
const signatures = new WeakMap<object, string>();
function headerSignature(h: Record<string, string>): string {
  if (!Object.isFrozen(h)) return JSON.stringify(Object.entries(h).sort());
  let s = signatures.get(h);
  if (s === undefined) signatures.set(h, (s = JSON.stringify(Object.entries(h).sort())));
  return s;
}

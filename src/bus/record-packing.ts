import type { BusMessage } from './bus.js';
import { decodeColumns, encodeColumns } from './column-pack.js';

/** Marks a Kafka record that carries several messages sharing its key and headers; the value is their count. */
export const PACK_HEADER = 'liqstream-pack';
/** `columns` when the pack is in the column layout (column-pack.ts); absent for a JSON array of the messages. */
export const PACK_LAYOUT_HEADER = 'liqstream-pack-layout';

export interface KafkaRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
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
  out.push({ key: pack.key, value, headers: columns === undefined ? headers : { ...headers, [PACK_LAYOUT_HEADER]: 'columns' } });
}

/**
 * The messages in a consumed record: a packed record's elements, otherwise the record itself. A pack
 * whose contents do not match its header (count, layout) is passed on whole, so the consumer's
 * validation reports it.
 */
export function unpackRecord(key: string, text: string, headers: Record<string, string>, offset?: number): BusMessage[] {
  // With an offset, each message is built with it at once (the Kafka consumer's case): copying every message
  // again to add it was one more object per event.
  const message = offset === undefined ? (value: unknown, h: Record<string, string>): BusMessage => ({ key, value, headers: h }) : (value: unknown, h: Record<string, string>): BusMessage => ({ key, value, headers: h, offset });
  if (headers[PACK_HEADER] === undefined) return [message(jsonValue(text), headers)];
  const { [PACK_HEADER]: countText, [PACK_LAYOUT_HEADER]: layout, ...own } = headers;
  const count = Number(countText);
  const value = jsonValue(text);
  const messages =
    layout === 'columns' ? decodeColumns(value, count) : layout === undefined && Array.isArray(value) && value.length === count ? (value as unknown[]) : undefined;
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

import { SCHEMA_HEADER, type BusMessage } from '../bus/bus.js';
import { SCHEMA_VERSION, symbolOf, type DeadLetter, type NormalizedEvent, type RawFrame } from '../schema/events.js';

const byType = new Map<string, Readonly<Record<string, string>>>();
/** Headers every record carries: the schema version and the record type. Shared, never mutated. */
export function messageHeaders(type: string): Readonly<Record<string, string>> {
  let h = byType.get(type);
  if (!h) byType.set(type, (h = Object.freeze({ [SCHEMA_HEADER]: String(SCHEMA_VERSION), type })));
  return h;
}

/** The headers of each event type, looked up once: every published event carries its type's. */
const EVENT_HEADERS: Readonly<Record<NormalizedEvent['type'], Readonly<Record<string, string>>>> = {
  liquidation: messageHeaders('liquidation'),
  open_interest: messageHeaders('open_interest'),
  gap: messageHeaders('gap'),
  funding: messageHeaders('funding'),
  retraction: messageHeaders('retraction'),
};

/** Normalized events are keyed venue:symbol so that one symbol's events stay in order on one partition. */
export function eventMessage(event: NormalizedEvent): BusMessage {
  const symbol = symbolOf(event);
  const key = symbol === undefined ? event.venue : `${event.venue}:${symbol}`;
  return { key, value: event, headers: EVENT_HEADERS[event.type] };
}

/** Raw frames keep the recording line format, so the raw topic can be dumped straight to a recording. */
export function rawMessage(frame: RawFrame): BusMessage {
  return { key: frame.venue, value: frame, headers: messageHeaders('raw') };
}

export function deadLetterMessage(letter: DeadLetter): BusMessage {
  return { key: letter.venue, value: letter, headers: messageHeaders('dead-letter') };
}

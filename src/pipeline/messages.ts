import { SCHEMA_HEADER, type BusMessage } from '../bus/bus.js';
import { SCHEMA_VERSION, type DeadLetter, type NormalizedEvent, type RawFrame } from '../schema/events.js';

const headers = (type: string) => ({ [SCHEMA_HEADER]: String(SCHEMA_VERSION), type });

/** Normalized events are keyed venue:symbol so that one symbol's events stay in order on one partition. */
export function eventMessage(event: NormalizedEvent): BusMessage {
  const key = event.type === 'gap' ? event.venue : `${event.venue}:${event.symbol}`;
  return { key, value: JSON.stringify(event), headers: headers(event.type) };
}

/** Raw frames keep the recording line format, so the raw topic can be dumped straight to a recording. */
export function rawMessage(frame: RawFrame): BusMessage {
  return { key: frame.venue, value: JSON.stringify(frame), headers: headers('raw') };
}

export function deadLetterMessage(letter: DeadLetter): BusMessage {
  return { key: letter.venue, value: JSON.stringify(letter), headers: headers('dead-letter') };
}

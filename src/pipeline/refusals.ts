import { z } from 'zod';
import type { BusMessage } from '../bus/bus.js';
import { messageHeaders } from './messages.js';

/**
 * A bus message the consumer refused (it failed validation): on the dead-letter topic beside the
 * connectors' bad frames, told apart by the `type` header `bus-refusal`, with where it was read, so
 * that it can be found and re-processed. Keyed by the topic it was read from.
 */
export const BusRefusal = z.object({
  type: z.literal('bus-refusal'),
  topic: z.string(),
  partition: z.number().int(),
  /** The record's offset; null on the embedded bus. */
  offset: z.number().int().nullable(),
  key: z.string(),
  reason: z.string(),
  /** The message as JSON text, cut at 64 KiB. */
  value: z.string(),
});
export type BusRefusal = z.infer<typeof BusRefusal>;

const MAX_VALUE_CHARS = 65_536;

export function busRefusalMessage(where: { topic: string; partition: number }, m: BusMessage, reason: string): BusMessage {
  const text = typeof m.value === 'string' ? m.value : (JSON.stringify(m.value) ?? String(m.value));
  const value: BusRefusal = {
    type: 'bus-refusal',
    topic: where.topic,
    partition: where.partition,
    offset: m.offset ?? null,
    key: m.key,
    reason,
    value: text.slice(0, MAX_VALUE_CHARS),
  };
  return { key: where.topic, value, headers: messageHeaders('bus-refusal') };
}

import { NormalizedEvent } from '../schema/events.js';
import { compileValidator } from '../schema/validator.js';
import { plainlyValid } from '../venues/venue.js';

const normalizedEvent = compileValidator(NormalizedEvent);

/**
 * The bus schema's answer for an event built in this process: the written-out check for the common events
 * (`plainlyValid`, held to the compiled check by a property test), the compiled check for the rest. For an
 * object only: a value read from a bus goes through `validBusValue`.
 */
export const validEvent = (event: NormalizedEvent): boolean => plainlyValid(event) || normalizedEvent.is(event);

/**
 * The same answer for a value read from a bus (JSON: any value, not only an event object): `plainlyValid` for an
 * object, the compiled check for everything else and for what `plainlyValid` leaves to it. `plainlyValid` accepts only
 * what the compiled check accepts (test/venues/check-event.test.ts); both read the fields they know and let others
 * be, so a value with more keys gets the same answer either way (test/pipeline/bus-valid.test.ts). The compiled check
 * alone was ≈ 0.4 µs and 270 bytes of garbage per event on the Kafka path.
 */
export const validBusValue = (value: unknown): value is NormalizedEvent =>
  (typeof value === 'object' && value !== null && plainlyValid(value as NormalizedEvent)) || normalizedEvent.is(value);

/**
 * Batches whose every message is an event that passed `validEvent` after its last change, in this process: the
 * ingestor marks a batch it publishes on the embedded bus (it checks after base mapping, which computes new
 * numbers), and the consumer does not check those messages a second time. The mark is the array's identity in
 * this module, so nothing that crosses a process boundary can carry it: Kafka and the disk spill build new arrays
 * from bytes, and those batches are validated message by message as ever. One invalid event leaves its whole batch
 * unmarked, so the consumer refuses and dead-letters it exactly as without the mark. Marked arrays must not change.
 */
const checked = new WeakSet<readonly unknown[]>();

export const markChecked = (messages: readonly unknown[]): void => void checked.add(messages);
export const wasChecked = (messages: readonly unknown[]): boolean => checked.has(messages);

/**
 * Beside a marked batch, the ingestor's hash of each liquidation's id (idHash's halves at 2i and 2i + 1; 0, 0 for a
 * message without one), so the aggregator's duplicate filter does not hash the id a second time. Same identity rule
 * as the mark: Kafka and the spill build new arrays, whose ids the filter hashes itself. Read only when its length is
 * the batch's.
 */
const idHashes = new WeakMap<readonly unknown[], Int32Array>();

export const markIdHashes = (messages: readonly unknown[], hashes: Int32Array): void => void idHashes.set(messages, hashes);
export const idHashesOf = (messages: readonly unknown[]): Int32Array | undefined => {
  const hashes = idHashes.get(messages);
  return hashes !== undefined && hashes.length === 2 * messages.length ? hashes : undefined;
};

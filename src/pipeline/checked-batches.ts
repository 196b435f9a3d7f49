import { NormalizedEvent } from '../schema/events.js';
import { compileValidator } from '../schema/validator.js';
import { plainlyValid } from '../venues/venue.js';

const normalizedEvent = compileValidator(NormalizedEvent);

/**
 * The bus schema's answer for an event built in this process: the written-out check for the common events
 * (`plainlyValid`, held to the compiled check by a property test), the compiled check for the rest. For an
 * object only: a value read from a bus goes through the compiled check alone.
 */
export const validEvent = (event: NormalizedEvent): boolean => plainlyValid(event) || normalizedEvent.is(event);

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

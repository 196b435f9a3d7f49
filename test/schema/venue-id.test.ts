import { describe, expect, it } from 'vitest';
import { NormalizedEvent, RawFrame, VenueId } from '../../src/schema/events.js';
import { compileValidator } from '../../src/schema/validator.js';
import { liquidation } from '../support/events.js';

// Venue ids read from the bus key plain objects (the aggregator's fidelity, per-venue open-interest totals,
// minute partials). An id that Object.prototype already has reads an inherited function where "nothing yet" was
// expected: one event of venue "constructor" made the aggregator's fidelity for it the Object function and
// would add its open interest to a function. Such an id is therefore not a venue id.
describe('a venue id is never an Object.prototype key', () => {
  const inherited = Object.getOwnPropertyNames(Object.prototype);

  it('refuses every inherited name, in zod and in the compiled check the consumer applies', () => {
    const event = compileValidator(NormalizedEvent);
    for (const name of inherited) {
      expect(VenueId.safeParse(name).success, name).toBe(false);
      expect(event.is(liquidation('x', 1_000, 1, { venue: name })), name).toBe(false);
      expect(RawFrame.safeParse({ recv: 1, venue: name, frame: '{}' }).success, name).toBe(false);
    }
    expect(inherited).toContain('constructor');
  });

  it('keeps ordinary ids, including ones that start with an inherited name', () => {
    for (const id of ['gate-usdt', 'acme-perp', 'constructors', 'constructor-x', 'htx-linear']) expect(VenueId.safeParse(id).success, id).toBe(true);
    expect(compileValidator(NormalizedEvent).is(liquidation('x', 1_000, 1, { venue: 'constructor-x' }))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { LENDING_VENUES, marketOf } from '../../src/venues/market.js';
import { VENUE_MODULES, venueAbout } from '../../src/venues/registry.js';

describe('venue markets (perp or lending)', () => {
  it("every registered module's about.market agrees with market.ts (the aggregator reads market.ts, not the registry)", () => {
    for (const [venue, m] of Object.entries(VENUE_MODULES)) expect([venue, m.about.market ?? 'perp']).toEqual([venue, marketOf(venue)]);
  });

  it('the lending protocols of issue 20 are lending; any other id, registered or not, is a perp', () => {
    expect(LENDING_VENUES.map(marketOf)).toEqual(LENDING_VENUES.map(() => 'lending'));
    expect(marketOf('binance-usdm')).toBe('perp');
    expect(marketOf('some-new-venue')).toBe('perp');
    expect(venueAbout('morpho-blue').market).toBe('lending');
  });
});

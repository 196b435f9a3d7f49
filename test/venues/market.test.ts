import { describe, expect, it } from 'vitest';
import { marketOf } from '../../src/venues/market.js';
import { VENUE_MODULES } from '../../src/venues/registry.js';
import { defiLiquidation } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';

describe('venue markets (perp or lending)', () => {
  it('an on-chain liquidation (onchain set) is lending, any other a perp, whatever its venue id', () => {
    expect(marketOf(defiLiquidation(1, 0, 100))).toBe('lending');
    expect(marketOf(liquidation('x', 0, 100))).toBe('perp');
    expect(marketOf(liquidation('y', 0, 100, { venue: 'some-new-venue' }))).toBe('perp');
  });

  it('the registered lending protocols say so in their about (pages and reports list them apart)', () => {
    const lending = Object.entries(VENUE_MODULES).filter(([, m]) => m.about.market === 'lending').map(([v]) => v).sort();
    expect(lending).toEqual(['aave-v3', 'compound-v3', 'euler-v2', 'fluid', 'kamino', 'maker', 'morpho-blue', 'spark']);
  });
});

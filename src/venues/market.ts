import type { VenueId } from '../schema/events.js';

/**
 * What a venue's liquidations are: `perp` (an exchange's derivatives; every total liqstream had before issue 20)
 * or `lending` (an on-chain lending protocol: collateral seized from a borrower). Lending totals are kept apart
 * from perps everywhere people read them (the `defi` block of /api/totals, the report's DeFi section, the
 * `liqstream_defi_*` metrics): a perps total never includes them.
 */
export type Market = 'perp' | 'lending';

/**
 * The lending protocols' venue ids (docs/notes evm contract: one folder each under src/venues/). Kept here, not
 * read from the registry, so that the aggregator, which a bare `replay` loads, does not load every venue module;
 * test/venues/market.test.ts checks that every registered module's `about.market` agrees with this list.
 */
export const LENDING_VENUES: readonly VenueId[] = ['aave-v3', 'spark', 'morpho-blue', 'compound-v3', 'maker', 'euler-v2', 'fluid'];
const LENDING = new Set<VenueId>(LENDING_VENUES);

/** A venue's market: lending for the protocols above, perp for every other id (registered or not). */
export const marketOf = (venue: VenueId): Market => (LENDING.has(venue) ? 'lending' : 'perp');

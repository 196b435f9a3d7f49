import type { LiquidationEvent } from '../schema/events.js';

/**
 * What a liquidation is: `perp` (an exchange's derivatives; every total liqstream had before issue 20) or
 * `lending` (an on-chain lending protocol: collateral seized from a borrower). Lending totals are kept apart
 * from perps everywhere people read them (the `defi` block of /api/totals, the report's DeFi section, the
 * `liqstream_defi_*` metrics): a perps total never includes them.
 */
export type Market = 'perp' | 'lending';

/**
 * Decided by the event itself: only an on-chain protocol's parser sets `onchain` (src/venues/evm), so no list
 * of venue ids is kept outside their folders (a new protocol is its folder and a registry line), and the
 * aggregator, which a bare `replay` loads, needs no venue module to tell.
 */
export const marketOf = (event: Pick<LiquidationEvent, 'onchain'>): Market => (event.onchain === undefined ? 'perp' : 'lending');

import type { VenueId } from '../schema/events.js';
import { binanceVenue } from './binance/index.js';
import { bitgetVenue } from './bitget/index.js';
import { bitmexVenue } from './bitmex/index.js';
import { bitfinexVenue } from './bitfinex/index.js';
import { bybitVenue } from './bybit/index.js';
import { deribitVenue } from './deribit/index.js';
import { dydxVenue } from './dydx/index.js';
import { gateVenue } from './gate/index.js';
import { htxVenue } from './htx/index.js';
import { hyperliquidVenue } from './hyperliquid/index.js';
import { krakenFuturesVenue } from './kraken/index.js';
import { okxVenue } from './okx/index.js';
import type { VenueAbout, VenueModule } from './venue.js';
// On-chain lending protocols (src/venues/evm/).
import { aaveV3Venue } from './aave-v3/index.js';
import { compoundV3Venue } from './compound-v3/index.js';
import { eulerV2Venue } from './euler-v2/index.js';
import { fluidVenue } from './fluid/index.js';
import { kaminoVenue } from './kamino/index.js';
import { makerVenue } from './maker/index.js';
import { morphoBlueVenue } from './morpho-blue/index.js';
import { sparkVenue } from './spark/index.js';

/**
 * Every venue liqstream can connect to, in the order reports and pages list them. Adding a venue is its
 * folder plus one line here (docs/adding-a-venue.md); test/venues/one-folder.test.ts keeps that true.
 */
const MODULES: readonly VenueModule[] = [
  binanceVenue('binance-usdm'),
  binanceVenue('binance-coinm'),
  bybitVenue('bybit-linear'),
  bybitVenue('bybit-inverse'),
  hyperliquidVenue(),
  okxVenue(),
  htxVenue(),
  gateVenue('gate-usdt'),
  gateVenue('gate-btc'),
  deribitVenue(),
  dydxVenue(),
  bitmexVenue(),
  krakenFuturesVenue(),
  bitfinexVenue(),
  bitgetVenue(),
  // On-chain lending protocols (src/venues/evm/): every liquidation is a log.
  aaveV3Venue(),
  sparkVenue(),
  morphoBlueVenue(),
  compoundV3Venue(),
  makerVenue(),
  eulerV2Venue(),
  fluidVenue(),
  // Solana (src/venues/solana/): a liquidation is an instruction, read from its transaction.
  kaminoVenue(),
];

export const VENUE_MODULES: Readonly<Record<VenueId, VenueModule>> = Object.fromEntries(MODULES.map((m) => [m.venue, m]));
export const VENUES: readonly VenueId[] = MODULES.map((m) => m.venue);

export function venueModule(venue: VenueId): VenueModule {
  const m = VENUE_MODULES[venue];
  if (!m) throw new Error(`venue ${venue} is not implemented`);
  return m;
}

/** What a report or page says of a venue id; an id no module has (a newer connector's) gets a neutral entry. */
export function venueAbout(venue: VenueId): VenueAbout {
  return VENUE_MODULES[venue]?.about ?? { name: venue, exchange: venue, colour: '#888888', fidelity: 'complete', doc: '' };
}

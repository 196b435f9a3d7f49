import type { VenueId } from '../schema/events.js';
import { binanceVenue } from './binance/index.js';
import { bybitVenue } from './bybit/index.js';
import { hyperliquidVenue } from './hyperliquid/index.js';
import type { VenueModule } from './venue.js';

/** Every venue liqstream can connect to. Adding a venue: see docs/adding-a-venue.md. */
export const VENUE_MODULES: Partial<Record<VenueId, VenueModule>> = {
  'binance-usdm': binanceVenue('binance-usdm'),
  'binance-coinm': binanceVenue('binance-coinm'),
  'bybit-linear': bybitVenue('bybit-linear'),
  'bybit-inverse': bybitVenue('bybit-inverse'),
  hyperliquid: hyperliquidVenue(),
};

export function venueModule(venue: VenueId): VenueModule {
  const m = VENUE_MODULES[venue];
  if (!m) throw new Error(`venue ${venue} is not implemented`);
  return m;
}

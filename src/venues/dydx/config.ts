import { z } from 'zod';
import { venueConfig } from '../venue-config.js';
import { DEFAULT_MARKETS_PER_CONNECTION } from './plan.js';

/** `venues.dydx`: the common keys plus how many markets share one connection (docs/venues/dydx.md). */
export const DydxConfig = venueConfig({
  /**
   * `v4_trades` subscriptions per connection. The indexer refuses every one past its per-connection limit
   * (`V4_TRADES_CHANNEL_LIMIT`, 32), so more than 32 leaves markets unwatched (the venue then reads `partial`).
   */
  marketsPerConnection: z.number().int().min(1).max(1_000).default(DEFAULT_MARKETS_PER_CONNECTION),
});

import type { VenueModule } from '../venue.js';
import { fetchBybitPerpetuals, watchInstruments, type BybitCategory } from './instruments.js';
import { createBybitParser, type BybitVenue } from './parse.js';
import { bybitSocketPlans } from './plan.js';

export const BYBIT_CATEGORY: Record<BybitVenue, BybitCategory> = { 'bybit-linear': 'linear', 'bybit-inverse': 'inverse' };

/** Used when discovery is off or failed: the largest markets of each category. */
export const DEFAULT_BYBIT_SYMBOLS: Record<BybitVenue, readonly string[]> = {
  'bybit-linear': ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT', 'HYPEUSDT', 'AVAXUSDT', 'LINKUSDT', '1000PEPEUSDT', 'BTCPERP', 'ETHPERP'],
  'bybit-inverse': ['BTCUSD', 'ETHUSD', 'XRPUSD'],
};

/**
 * Bybit v5 public streams, one module per category: `allLiquidation` (every liquidation, batched per 500 ms) and
 * `tickers` (open interest) for every trading perpetual. No pollers: the ticker stream carries open interest.
 */
export function bybitVenue(venue: BybitVenue): VenueModule {
  return {
    venue,
    async discover({ restUrl }) {
      const instruments = await fetchBybitPerpetuals(BYBIT_CATEGORY[venue], { baseUrl: restUrl });
      return { symbols: instruments.map((i) => i.symbol) };
    },
    parser() {
      return createBybitParser({ venue });
    },
    plans(meta, { url }) {
      const symbols = meta.symbols?.length ? meta.symbols : DEFAULT_BYBIT_SYMBOLS[venue];
      return bybitSocketPlans({ venue, symbols, url });
    },
    watch(meta, { url, restUrl, log, options }, addPlans) {
      const intervalMs = Number(options?.refreshMs ?? 0);
      if (!meta.symbols?.length || intervalMs <= 0) return undefined;
      let batch = 0;
      const stop = watchInstruments(
        BYBIT_CATEGORY[venue],
        intervalMs,
        ({ added }) => {
          if (added.length === 0) return;
          batch += 1;
          const plans = bybitSocketPlans({ venue, symbols: added.map((i) => i.symbol), url });
          addPlans(plans.map((p) => ({ ...p, name: `${p.name}-listed${batch}` })));
        },
        { known: meta.symbols, baseUrl: restUrl, onError: (err) => log.warn({ venue, err: err.message }, 'instrument refresh failed') },
      );
      return { stop: async () => stop() };
    },
  };
}

import type { VenueAbout, VenueModule } from '../venue.js';
import { instrumentLookup } from '../instruments.js';
import { bybitListedInstrument, fetchBybitContracts, watchInstruments, type BybitCategory } from './instruments.js';
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
 * `tickers` (open interest) for every trading perpetual and delivery future. No pollers: the ticker stream
 * carries open interest. Without a market list (discovery off or failed) it watches DEFAULT_BYBIT_SYMBOLS, and
 * its events are `partial` until a refresh lists the markets.
 */
const ABOUT: Record<BybitVenue, VenueAbout> = {
  'bybit-linear': { name: 'Bybit USDT/USDC perpetuals and futures', exchange: 'bybit', colour: '#f4a261', fidelity: 'complete', doc: 'docs/venues/bybit.md' },
  'bybit-inverse': { name: 'Bybit inverse perpetuals and futures', exchange: 'bybit', colour: '#e76f51', fidelity: 'complete', doc: 'docs/venues/bybit.md' },
};

export function bybitVenue(venue: BybitVenue): VenueModule {
  return {
    venue,
    about: ABOUT[venue],
    async discover({ restUrl }) {
      const instruments = await fetchBybitContracts(BYBIT_CATEGORY[venue], { baseUrl: restUrl });
      return {
        symbols: instruments.map((i) => i.symbol),
        instruments: Object.fromEntries(instruments.map((i) => [i.symbol, bybitListedInstrument(i, BYBIT_CATEGORY[venue])])),
      };
    },
    parser(meta) {
      return createBybitParser({ venue, fidelity: () => (meta.partial?.active ? 'partial' : 'complete'), instruments: instrumentLookup(meta.instruments) });
    },
    plans(meta, { url }) {
      if (!meta.symbols?.length) meta.partial ??= { active: true };
      return bybitSocketPlans({ venue, symbols: meta.symbols?.length ? meta.symbols : DEFAULT_BYBIT_SYMBOLS[venue], url });
    },
    watch(meta, { url, restUrl, log, options }, addPlans) {
      const intervalMs = Number(options?.refreshMs ?? 0);
      // Discovery off: the list is never read, and the built-in subset stays `partial`.
      if (intervalMs <= 0 || options?.discover === false) return undefined;
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
        {
          known: meta.symbols?.length ? meta.symbols : DEFAULT_BYBIT_SYMBOLS[venue],
          baseUrl: restUrl,
          onError: (err) =>
            log.warn({ venue, err: err.message, partial: meta.partial?.active === true }, meta.partial?.active ? 'instrument list still unavailable; totals are partial' : 'instrument refresh failed'),
          onListed: () => {
            if (!meta.partial?.active) return;
            meta.partial.active = false;
            log.info({ venue }, 'instrument list read: every market watched, totals complete again');
          },
        },
      );
      return { stop: async () => stop() };
    },
  };
}

import { instrumentLookup } from '../instruments.js';
import { startRestPoll } from '../rest-poll.js';
import type { VenueModule } from '../venue.js';
import { memberRule } from '../snapshot-rules.js';
import { DEFAULT_KRAKEN_PRODUCTS, KRAKEN_FUTURES_REST_URL, fetchKrakenInstruments } from './instruments.js';
import { VENUE, createKrakenParser } from './parse.js';
import { krakenSocketPlans } from './plan.js';

/**
 * Kraken Futures (multi-collateral linear PF_/FF_, inverse PI_/FI_): liquidations are trades of type `liquidation`
 * on the per-product `trade` feed; open interest from polling /derivatives/api/v3/tickers. Without the product list
 * (discovery off or failed) it watches DEFAULT_KRAKEN_PRODUCTS and its events are `partial` for the run.
 */
export function krakenFuturesVenue(): VenueModule {
  return {
    venue: VENUE,
    about: { name: 'Kraken Futures (multi-collateral and inverse)', exchange: 'kraken', colour: '#c2368f', fidelity: 'complete', doc: 'docs/venues/kraken-futures.md' },
    async discover({ restUrl }) {
      const instruments = await fetchKrakenInstruments({ baseUrl: restUrl });
      return { symbols: instruments.map((i) => i.symbol), instruments: Object.fromEntries(instruments.map((i) => [i.symbol, i])) };
    },
    // `trade_snapshot`: the product's recent trades on subscribe, with no age bound.
    snapshots: memberRule('feed', 'trade_snapshot'),
    parser(meta) {
      return createKrakenParser({ instruments: instrumentLookup(meta.instruments), fidelity: () => (meta.partial?.active ? 'partial' : 'complete') });
    },
    plans(meta, { url }) {
      if (!meta.symbols?.length) meta.partial ??= { active: true };
      return krakenSocketPlans(meta.symbols?.length ? meta.symbols : DEFAULT_KRAKEN_PRODUCTS, url);
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const base = (ctx.restUrl ?? KRAKEN_FUTURES_REST_URL).replace(/\/+$/, '');
      return [startRestPoll({ venue: VENUE, url: `${base}/derivatives/api/v3/tickers`, sink: ctx.sink, log: ctx.log, intervalMs: ctx.intervalMs })];
    },
  };
}

import type { VenueAbout, VenueModule } from '../venue.js';
import { fetchBinanceMarkets, listedInstruments } from './markets.js';
import { instrumentLookup } from '../instruments.js';
import { startBinanceOiPoller } from './oi-poller.js';
import { createBinanceParser, type BinanceVenue } from './parse.js';
import { binanceSocketPlan } from './plan.js';

const ABOUT: Record<BinanceVenue, VenueAbout> = {
  'binance-usdm': { name: 'Binance USDⓈ-M futures', exchange: 'binance', colour: '#e9c46a', fidelity: 'sampled', doc: 'docs/venues/binance.md' },
  'binance-coinm': { name: 'Binance COIN-M futures', exchange: 'binance', colour: '#b08a2e', fidelity: 'sampled', doc: 'docs/venues/binance.md' },
};

export function binanceVenue(venue: BinanceVenue): VenueModule {
  return {
    venue,
    about: ABOUT[venue],
    async discover({ restUrl }) {
      const markets = await fetchBinanceMarkets(venue, { baseUrl: restUrl });
      return {
        symbols: markets.filter((m) => m.perpetual).map((m) => m.symbol),
        contractUsd: Object.fromEntries(markets.map((m) => [m.symbol, m.contractSize])),
        instruments: listedInstruments(venue, markets),
      };
    },
    parser(meta, { log }) {
      const sizes = meta.contractUsd ?? {};
      return createBinanceParser({
        venue,
        instruments: instrumentLookup(meta.instruments),
        contractUsd: (key) => sizes[key] ?? Object.entries(sizes).find(([s]) => s.split('_')[0] === key)?.[1],
        onContractFallback: (symbol, usd) =>
          log.warn({ venue, symbol, usdPerContract: usd }, 'no exchangeInfo contract size; using Binance documented value'),
      });
    },
    plans(_meta, { url }) {
      return [binanceSocketPlan(venue, url)];
    },
    pollers(meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      return [
        startBinanceOiPoller({
          venue,
          // An explicit list restricts it; otherwise every listed contract, as the liquidation stream covers.
          symbols: configuredSymbols(ctx.options),
          budget: ctx.budget('binance'),
          sink: ctx.sink,
          log: ctx.log,
          baseUrl: ctx.restUrl,
          intervalMs: ctx.intervalMs,
        }),
      ];
    },
  };
}

function configuredSymbols(options: Record<string, unknown> | undefined): string[] | undefined {
  const symbols = options?.symbols;
  return Array.isArray(symbols) ? symbols.filter((s): s is string => typeof s === 'string') : undefined;
}

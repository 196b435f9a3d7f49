import { instrumentLookup } from '../instruments.js';
import type { VenueModule } from '../venue.js';
import { startRestPoll } from '../rest-poll.js';
import { DERIBIT_CURRENCIES, DERIBIT_REST_URL, fetchDeribitFutures } from './instruments.js';
import { createDeribitParser } from './parse.js';
import { deribitSocketPlan } from './plan.js';

/**
 * Deribit futures (inverse BTC/ETH, linear USDC/USDT): liquidations are public trades flagged `liquidation`,
 * all of them on one channel, so the stream is complete with or without a market list; discovery only names
 * each market's type and currencies (the name table gives the same for today's names). Open interest is polled.
 */
export function deribitVenue(): VenueModule {
  return {
    venue: 'deribit',
    about: { name: 'Deribit futures (inverse and USDC/USDT linear)', exchange: 'deribit', colour: '#0db39e', fidelity: 'complete', doc: 'docs/venues/deribit.md' },
    async discover({ restUrl }) {
      const instruments = await fetchDeribitFutures({ baseUrl: restUrl });
      return { instruments: Object.fromEntries(instruments.map((i) => [i.symbol, i])) };
    },
    parser(meta) {
      return createDeribitParser({ instruments: instrumentLookup(meta.instruments) });
    },
    plans(_meta, { url }) {
      return [deribitSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      // One book summary per currency and sweep (4 requests a minute by default, far inside the public credit
      // limits); a ticker subscription per market would push the same figure ten times a second.
      const base = (ctx.restUrl ?? DERIBIT_REST_URL).replace(/\/+$/, '');
      const urls = DERIBIT_CURRENCIES.map((c) => `${base}/api/v2/public/get_book_summary_by_currency?currency=${c}&kind=future`);
      return [startRestPoll({ venue: 'deribit', url: urls, sink: ctx.sink, log: ctx.log, intervalMs: ctx.intervalMs })];
    },
  };
}

import { instrumentLookup } from '../instruments.js';
import type { VenueModule } from '../venue.js';
import { fetchDeribitFutures } from './instruments.js';
import { startDeribitOiPoller } from './oi-poller.js';
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
      return [startDeribitOiPoller({ sink: ctx.sink, log: ctx.log, baseUrl: ctx.restUrl, intervalMs: ctx.intervalMs })];
    },
  };
}

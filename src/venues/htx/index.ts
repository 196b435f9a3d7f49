import { startRestPoll } from '../rest-poll.js';
import type { VenueModule } from '../venue.js';
import { createHtxParser } from './parse.js';
import { htxSocketPlan } from './plan.js';

export const HTX_REST_URL = 'https://api.hbdm.com';

/**
 * HTX USDT-margined swaps and futures: liquidations from `public.*.liquidation_orders` on the notification
 * endpoint (gzip frames, server pings answered), open interest from polling `swap_open_interest` for every
 * contract. Nothing to discover: the notional comes with each order (`trade_turnover`). docs/venues/htx.md.
 */
export function htxVenue(): VenueModule {
  return {
    venue: 'htx-linear',
    about: { name: 'HTX USDT-margined swaps and futures', exchange: 'htx', colour: '#8e6cc8', fidelity: 'complete', doc: 'docs/venues/htx.md' },
    async discover() {
      return {};
    },
    parser() {
      return createHtxParser();
    },
    plans(_meta, { url }) {
      return [htxSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const base = (ctx.restUrl ?? HTX_REST_URL).replace(/\/+$/, '');
      return [startRestPoll({ venue: 'htx-linear', url: `${base}/linear-swap-api/v1/swap_open_interest?business_type=all`, sink: ctx.sink, log: ctx.log, intervalMs: ctx.intervalMs })];
    },
  };
}

import { instrumentLookup } from '../instruments.js';
import type { VenueModule } from '../venue.js';
import { fetchOkxInstruments } from './instruments.js';
import { startOkxOiPoller } from './oi-poller.js';
import { createOkxParser, OKX_VENUE } from './parse.js';
import { okxSocketPlan } from './plan.js';

/**
 * OKX v5 public data: `liquidation-orders` for perpetuals and expiry futures (linear USDT/USDC and
 * coin-margined), one socket; open interest from the REST endpoint, polled every `oiPollMs`. Discovery
 * reads the instrument list for contract values; without it the built-in table values the largest
 * markets and the rest are dead-lettered. See docs/venues/okx.md.
 */
export function okxVenue(): VenueModule {
  return {
    venue: OKX_VENUE,
    async discover({ restUrl }) {
      const instruments = await fetchOkxInstruments({ baseUrl: restUrl });
      return { symbols: Object.keys(instruments).sort(), instruments };
    },
    parser(meta) {
      return createOkxParser({ instruments: instrumentLookup(meta.instruments) });
    },
    plans(_meta, { url }) {
      return [okxSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      return [startOkxOiPoller({ sink: ctx.sink, log: ctx.log, baseUrl: ctx.restUrl, intervalMs: ctx.intervalMs })];
    },
  };
}

import { startRestPoll } from '../rest-poll.js';
import type { VenueModule } from '../venue.js';
import { createBitfinexParser } from './parse.js';
import { bitfinexSocketPlan } from './plan.js';

export const BITFINEX_REST_URL = 'https://api-pub.bitfinex.com';

/**
 * Bitfinex: every liquidation (perpetuals and margin positions) on the one `liq:global` status channel, so no
 * market list is needed and pairs are read from their names; open interest and marks from polling
 * /v2/status/deriv?keys=ALL.
 */
export function bitfinexVenue(): VenueModule {
  return {
    venue: 'bitfinex',
    about: { name: 'Bitfinex perpetuals and margin', exchange: 'bitfinex', colour: '#8cbf26', fidelity: 'complete', doc: 'docs/venues/bitfinex.md' },
    discover() {
      return Promise.resolve({});
    },
    parser() {
      return createBitfinexParser();
    },
    plans(_meta, { url }) {
      return [bitfinexSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const base = (ctx.restUrl ?? BITFINEX_REST_URL).replace(/\/+$/, '');
      return [startRestPoll({ venue: 'bitfinex', url: `${base}/v2/status/deriv?keys=ALL`, sink: ctx.sink, log: ctx.log, intervalMs: ctx.intervalMs })];
    },
  };
}

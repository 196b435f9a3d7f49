import { DEFAULT_REFERENCE_MAX_AGE_MS, instrumentLookup } from '../instruments.js';
import { startRestPoll } from '../rest-poll.js';
import type { VenueModule } from '../venue.js';
import { memberRule } from '../snapshot-rules.js';
import { BITMEX_REST_URL, INSTRUMENT_PATH, fetchBitmexInstruments } from './instruments.js';
import { BITMEX_VENUE, createBitmexParser } from './parse.js';
import { bitmexSocketPlan } from './plan.js';

/**
 * The instrument poll's interval. The poll also states the BTC price quanto and XBT-quoted contracts are valued
 * with, which the parser trusts for DEFAULT_REFERENCE_MAX_AGE_MS: a longer `oiPollMs` would leave their
 * liquidations without a price between polls, so the poll runs at least twice within that age.
 */
export const bitmexPollMs = (oiPollMs: number): number => Math.min(oiPollMs, DEFAULT_REFERENCE_MAX_AGE_MS / 2);

/**
 * BitMEX perpetuals and futures (inverse XBTUSD, USDT linear, XBT-settled quanto): the public `liquidation`
 * table on one socket, counted when the engine enters a liquidation order (`inferred`); open interest, contract
 * values and the BTC reference price from one REST poll of the active instruments every `oiPollMs`, as frames
 * the parser reads (so a replay needs no network). See docs/venues/bitmex.md.
 */
export function bitmexVenue(): VenueModule {
  return {
    venue: BITMEX_VENUE,
    about: { name: 'BitMEX perpetuals and futures', exchange: 'bitmex', colour: '#e4312b', fidelity: 'inferred', doc: 'docs/venues/bitmex.md' },
    async discover({ restUrl }) {
      return { instruments: await fetchBitmexInstruments({ baseUrl: restUrl }) };
    },
    // `partial`: the orders resting in the book when the subscription began (not counted by the parser either).
    snapshots: memberRule('action', 'partial'),
    parser(meta) {
      return createBitmexParser({ instruments: instrumentLookup(meta.instruments) });
    },
    plans(_meta, { url }) {
      return [bitmexSocketPlan(url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const url = `${(ctx.restUrl ?? BITMEX_REST_URL).replace(/\/+$/, '')}${INSTRUMENT_PATH}`;
      return [startRestPoll({ venue: BITMEX_VENUE, url, sink: ctx.sink, log: ctx.log, intervalMs: bitmexPollMs(ctx.intervalMs) })];
    },
  };
}

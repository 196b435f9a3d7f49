import { instrumentLookup } from '../instruments.js';
import { startRestPoll } from '../rest-poll.js';
import type { VenueAbout, VenueModule } from '../venue.js';
import { GATE_REST_URL, GATE_SETTLE, fetchGateContracts, type GateVenue } from './instruments.js';
import { createGateParser } from './parse.js';
import { gateSocketPlan } from './plan.js';

/**
 * Contracts per page of the polled list: the whole USDT list (600+ contracts of ~1.5 KB) would be about one
 * bus record's limit, so it travels in pages of ~150 KB. A page shorter than this is the last; a longer one
 * means Gate ignored `limit` and answered everything at once, which also ends the sweep.
 */
export const CONTRACTS_PAGE = 100;

/** Rows of a contract-list answer, undefined when it is not a JSON array. */
function listLength(text: string): number | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return Array.isArray(json) ? json.length : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gate perpetual futures, one module per settle currency (`gate-usdt` linear, `gate-btc` inverse BTC_USD):
 * liquidations from `futures.public_liquidates` `!all` (sampled by Gate: at most one per contract per second),
 * open interest and contract values from polling the public contract list. docs/venues/gate.md.
 */
const ABOUT: Record<GateVenue, VenueAbout> = {
  'gate-usdt': { name: 'Gate USDT perpetuals', exchange: 'gate', colour: '#5b8def', fidelity: 'sampled', doc: 'docs/venues/gate.md' },
  'gate-btc': { name: 'Gate BTC-settled perpetual (inverse)', exchange: 'gate', colour: '#2f5fb3', fidelity: 'sampled', doc: 'docs/venues/gate.md' },
};

export function gateVenue(venue: GateVenue): VenueModule {
  const settle = GATE_SETTLE[venue];
  return {
    venue,
    about: ABOUT[venue],
    async discover({ restUrl }) {
      const instruments = await fetchGateContracts(settle, restUrl);
      return { instruments };
    },
    parser(meta) {
      return createGateParser({ venue, instruments: instrumentLookup(meta.instruments) });
    },
    plans(_meta, { url }) {
      return [gateSocketPlan(venue, url)];
    },
    pollers(_meta, ctx) {
      if (ctx.intervalMs <= 0) return [];
      const base = (ctx.restUrl ?? GATE_REST_URL).replace(/\/+$/, '');
      return [
        startRestPoll({
          venue,
          url: (page) => `${base}/api/v4/futures/${settle}/contracts?limit=${CONTRACTS_PAGE}&offset=${page * CONTRACTS_PAGE}`,
          nextPage: (text) => listLength(text) === CONTRACTS_PAGE,
          sink: ctx.sink,
          log: ctx.log,
          intervalMs: ctx.intervalMs,
        }),
      ];
    },
  };
}

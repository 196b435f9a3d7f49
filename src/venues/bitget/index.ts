import type { VenueModule } from '../venue.js';
import { memberRule } from '../snapshot-rules.js';
import { BITGET_VENUE, createBitgetParser } from './parse.js';
import { bitgetSocketPlan } from './plan.js';

/**
 * Bitget futures through the unified (v3) public WebSocket: the `liquidation` topic of USDT-M, coin-M and
 * USDC-M futures on one socket, each platform-wide, so there is no market list to discover (the rows state
 * quote amounts; no contract value is needed). No open interest yet. See docs/venues/bitget.md.
 */
export function bitgetVenue(): VenueModule {
  return {
    venue: BITGET_VENUE,
    about: { name: 'Bitget USDT-M, coin-M and USDC-M futures', exchange: 'bitget', colour: '#9c6644', fidelity: 'sampled', doc: 'docs/venues/bitget.md' },
    async discover() {
      return {};
    },
    // `snapshot`: what the channel holds at subscribe time (docs: "snapshot: full data").
    snapshots: memberRule('action', 'snapshot'),
    parser() {
      return createBitgetParser();
    },
    plans(_meta, { url }) {
      return [bitgetSocketPlan(url)];
    },
  };
}

import type { VenueId } from '../../schema/events.js';
import type { VenueAbout, VenueModule } from '../venue.js';
import { solanaParser, type SolanaProtocol } from './parser.js';
import { solanaVenueConfig } from './settings.js';

/** The connection code (and `ws` under it), loaded by `load` only where the venue connects: not by a parse or a replay. */
let connector: typeof import('./rpc/connector.js') | undefined;

export interface SolanaVenueSpec {
  venue: VenueId;
  about: Omit<VenueAbout, 'fidelity'>;
  protocol: SolanaProtocol;
  /** Clusters it runs on (`solana`). */
  chains: readonly string[];
  /** Bytes of each price account the protocol reads (the connection asks for no more). */
  priceBytes: number;
}

/**
 * A Solana lending protocol as a venue: every liquidation is an instruction of a transaction the connection reads,
 * so fidelity is `complete`. The connection (logsSubscribe, getTransaction, backfill, finality) is src/venues/solana/rpc/.
 */
export function solanaVenue(spec: SolanaVenueSpec): VenueModule {
  return {
    venue: spec.venue,
    // `market: 'lending'` keeps their totals apart from the perps' (src/venues/market.ts).
    about: { ...spec.about, fidelity: 'complete', market: 'lending' } as VenueAbout,
    config: solanaVenueConfig(),
    // Prices come with each liquidation (its reserves read at its slot): nothing to discover.
    discover: async () => ({}),
    parser: () => solanaParser(spec.venue, spec.protocol, spec.chains),
    plans: () => [],
    load: async () => {
      connector ??= await import('./rpc/connector.js');
    },
    connect: (_meta, ctx) => {
      if (!connector) throw new Error(`${spec.venue}: load() must complete before connect()`);
      return connector.solanaConnections(spec.venue, spec.chains, spec.protocol, spec.priceBytes, ctx);
    },
  };
}

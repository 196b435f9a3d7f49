import type { VenueId } from '../../schema/events.js';
import type { VenueAbout, VenueModule } from '../venue.js';
import { evmVenueConfig, type EvmChainConfig } from './config.js';
import { discoverEvm, withConfirmations } from './discover.js';
import type { EvmMetadata } from './metadata.js';
import { evmParser, type AnyProtocolEvent } from './parser.js';
import { evmConnections, evmWatches } from './rpc/connector.js';

export interface EvmVenueSpec {
  venue: VenueId;
  about: Omit<VenueAbout, 'fidelity'>;
  events: readonly AnyProtocolEvent[];
  /** The venue's data-only plan as metadata (every chain it runs on), before discovery. */
  metadata(): EvmMetadata;
}

/**
 * A lending protocol as a venue: every liquidation is a log, so fidelity is `complete`. The connection (logs and
 * newHeads subscriptions, backfill) is the EVM connector's (src/venues/evm/rpc/).
 */
export function evmVenue(spec: EvmVenueSpec): VenueModule & { evm: EvmVenueSpec } {
  return {
    venue: spec.venue,
    // `market: 'lending'` keeps their totals apart from the perps' (src/venues/market.ts where it exists).
    about: { ...spec.about, fidelity: 'complete', market: 'lending' } as VenueAbout,
    config: evmVenueConfig(),
    evm: spec,
    discover: async (ctx) => ({ evm: await discoverEvm(spec.metadata(), ctx.options?.chains as Record<string, EvmChainConfig> | undefined) }),
    parser: (meta, ctx) => evmParser(spec.venue, spec.events, withConfirmations(meta.evm ?? spec.metadata(), ctx.options?.chains as Record<string, EvmChainConfig> | undefined)),
    plans: () => [],
    // Request/response (backfill, reorg re-read, oracle look-back): the EVM connector's own connections.
    connect: (meta, ctx) => evmConnections(spec.venue, evmWatches((meta.evm ?? spec.metadata()).chains, spec.events.map((e) => e.topic0)), ctx),
  };
}

import type { VenueId } from '../../schema/events.js';
import type { VenueAbout, VenueModule } from '../venue.js';
import { evmVenueConfig, type EvmChainConfig } from './config.js';
import { discoverEvm, httpEthCall, withConfirmations, type CreationSource } from './discover.js';
import type { EvmMetadata } from './metadata.js';
import { evmParser, type AnyProtocolEvent, type CallAnswer } from './parser.js';
import { evmWatches } from './rpc/watches.js';

/** The RPC connection code (and `ws` under it), loaded by `load` only where a venue connects: not by a parse or a replay. */
let connector: typeof import('./rpc/connector.js') | undefined;

export interface EvmVenueSpec {
  venue: VenueId;
  about: Omit<VenueAbout, 'fidelity'>;
  events: readonly AnyProtocolEvent[];
  /** The venue's data-only plan as metadata (every chain it runs on), before discovery. */
  metadata(): EvmMetadata;
  /** Per chain, where its contracts or markets are created (factories, Morpho's CreateMarket): discovered at start and watched live. */
  creations?: Record<string, readonly CreationSource[]>;
  /** What the venue learns from eth_call answers (a Fluid vault's tokens, an EVault's share rate). */
  answers?: readonly CallAnswer[];
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
    discover: async (ctx) => ({
      evm: await discoverEvm(spec.metadata(), ctx.options?.chains as Record<string, EvmChainConfig> | undefined, httpEthCall, {
        creations: spec.creations ?? {},
        events: spec.events,
        answers: spec.answers ?? [],
        log: ctx.log,
      }),
    }),
    parser: (meta, ctx) => evmParser(spec.venue, spec.events, withConfirmations(meta.evm ?? spec.metadata(), ctx.options?.chains as Record<string, EvmChainConfig> | undefined), spec.answers),
    plans: () => [],
    // Request/response (backfill, reorg re-read, oracle look-back): the EVM connector's own connections.
    load: async () => {
      connector ??= await import('./rpc/connector.js');
    },
    connect: (meta, ctx) => {
      if (!connector) throw new Error(`${spec.venue}: load() must complete before connect()`);
      return connector.evmConnections(spec.venue, evmWatches((meta.evm ?? spec.metadata()).chains, spec.events.map((e) => e.topic0), spec.creations), ctx);
    },
  };
}

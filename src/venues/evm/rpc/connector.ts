import type { ConnectorContext, VenueConnection } from '../../venue.js';
import { EvmChainConnection, type ChainWatch } from './chain-connection.js';
import { EvmSettings } from './settings.js';

/**
 * What an on-chain venue's `connect` returns: one connection per chain it watches that has an RPC URL in the
 * config (`evm.chains.<chain>.url`); a chain without one is named once in the log and not watched. The protocol
 * folders build the watches from their plan.ts (contract addresses and topic0s per chain, Chainlink aggregators).
 */
export function evmConnections(venue: string, watches: ChainWatch[], ctx: ConnectorContext): VenueConnection[] {
  const settings = ctx.evm ?? EvmSettings.parse({});
  const out: EvmChainConnection[] = [];
  const missing: string[] = [];
  for (const watch of watches) {
    const chain = settings.chains[watch.chain];
    if (!chain) {
      missing.push(watch.chain);
      continue;
    }
    const hooks = {} as ReturnType<ConnectorContext['attach']>;
    const connection = new EvmChainConnection(venue, watch, chain.url, settings, hooks, ctx.log, ctx.socketOptions);
    Object.assign(hooks, ctx.attach(connection));
    connection.start();
    out.push(connection);
  }
  if (missing.length > 0) ctx.log.warn({ venue, chains: missing }, 'no RPC URL configured for these chains (evm.chains.<chain>.url): not watched');
  return out;
}

import type { ConnectorContext, VenueConnection } from '../../venue.js';
import { EvmChainConnection, type ChainWatch } from './chain-connection.js';
import { EvmSettings } from './settings.js';

/** `chains.<chain>.url` of the venue's own block, else `evm.chains.<chain>.url` (one URL for every on-chain venue). */
export function urlOf(chain: string, options: ConnectorContext['options'], settings: EvmSettings): string | undefined {
  const own = (options?.chains as Record<string, { url?: unknown }> | undefined)?.[chain]?.url;
  return typeof own === 'string' ? own : settings.chains[chain]?.url;
}

/**
 * What an on-chain venue's `connect` returns: one connection per chain it watches that has an RPC URL in the
 * config; a chain without one is named once in the log and not watched.
 */
export function evmConnections(venue: string, watches: ChainWatch[], ctx: ConnectorContext): VenueConnection[] {
  const settings = ctx.evm ?? EvmSettings.parse({});
  const out: EvmChainConnection[] = [];
  const missing: string[] = [];
  for (const watch of watches) {
    const url = urlOf(watch.chain, ctx.options, settings);
    if (url === undefined) {
      missing.push(watch.chain);
      continue;
    }
    // The hooks are filled in once the connection exists (attach registers it), before it starts.
    const hooks = {} as ReturnType<ConnectorContext['attach']>;
    const observer = { count: (what: string, n?: number) => ctx.count(watch.chain, what, n), head: (n: number) => ctx.position(watch.chain, n) };
    const connection = new EvmChainConnection(venue, watch, url, settings, hooks, ctx.log, ctx.socketOptions, observer);
    Object.assign(hooks, ctx.attach(connection));
    connection.start();
    out.push(connection);
  }
  // None configured is the usual perps-only set-up (one info line); some but not all is likely a mistake.
  if (out.length === 0) ctx.log.info({ venue, chains: missing }, 'on-chain venue not watched: no RPC URL configured for its chains (evm.chains.<chain>.url)');
  else if (missing.length > 0) ctx.log.warn({ venue, chains: missing }, 'no RPC URL configured for these chains (evm.chains.<chain>.url or venues.<venue>.chains.<chain>.url): not watched');
  return out;
}

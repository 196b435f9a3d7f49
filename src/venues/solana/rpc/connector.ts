import type { ConnectorContext, VenueConnection } from '../../venue.js';
import type { SolanaProtocol } from '../parser.js';
import { SolanaSettings } from '../settings.js';
import { SolanaConnection } from './connection.js';

/** `chains.<chain>` of the venue's own block, else `solana.chains.<chain>` (one pair of endpoints for every Solana venue). */
export function endpointsOf(chain: string, options: ConnectorContext['options'], settings: SolanaSettings): { url: string; httpUrl: string } | undefined {
  const own = (options?.chains as Record<string, { url?: unknown; httpUrl?: unknown }> | undefined)?.[chain];
  const url = typeof own?.url === 'string' ? own.url : settings.chains[chain]?.url;
  const httpUrl = typeof own?.httpUrl === 'string' ? own.httpUrl : settings.chains[chain]?.httpUrl;
  return url !== undefined && httpUrl !== undefined ? { url, httpUrl } : undefined;
}

/** A Solana venue's connections: one per cluster it runs on that has both endpoints configured. */
export function solanaConnections(venue: string, chains: readonly string[], protocol: SolanaProtocol, priceBytes: number, ctx: ConnectorContext): VenueConnection[] {
  const settings = ctx.solana ?? SolanaSettings.parse({});
  const out: VenueConnection[] = [];
  const missing: string[] = [];
  for (const chain of chains) {
    const endpoints = endpointsOf(chain, ctx.options, settings);
    if (endpoints === undefined) {
      missing.push(chain);
      continue;
    }
    const hooks = {} as ReturnType<ConnectorContext['attach']>;
    const observer = { count: (what: string, n?: number) => ctx.count(chain, what, n), head: (n: number) => ctx.position(chain, n) };
    const connection = new SolanaConnection(venue, chain, protocol, priceBytes, endpoints.url, endpoints.httpUrl, settings, hooks, ctx.log, ctx.socketOptions, observer);
    Object.assign(hooks, ctx.attach(connection));
    connection.start();
    out.push(connection);
  }
  if (out.length === 0) ctx.log.info({ venue, chains: missing }, 'Solana venue not watched: no RPC endpoints configured (solana.chains.<chain>.url and httpUrl)');
  else if (missing.length > 0) ctx.log.warn({ venue, chains: missing }, 'no RPC endpoints configured for these clusters: not watched');
  return out;
}

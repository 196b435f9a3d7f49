import { z } from 'zod';
import { venueConfig } from '../venue-config.js';

/**
 * An on-chain venue's config block: the common keys plus its chains. `url` is the chain's RPC WebSocket (for the
 * connector, src/venues/evm/rpc/), `httpUrl` the JSON-RPC HTTP endpoint discovery reads token and feed facts from
 * (eth_call), `confirmations` overrides the chain's default (src/venues/evm/chains.ts). URLs often carry API
 * keys: they are never logged.
 */
export const EvmChainConfig = z.strictObject({
  url: z.url().optional(),
  httpUrl: z.url().optional(),
  confirmations: z.number().int().min(0).max(10_000).optional(),
});
export const evmVenueConfig = () => venueConfig({ chains: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), EvmChainConfig).optional() });
export type EvmChainConfig = z.infer<typeof EvmChainConfig>;

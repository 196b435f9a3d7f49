import { z } from 'zod';

/** The raw shapes of the EVM frames (docs/notes contract: `{"chain":…,"rpc":<JSON-RPC message as received>}`). */

const hexQuantity = z.string().regex(/^0x(0|[1-9a-f][0-9a-f]{0,12})$/i, 'expected a hex quantity');
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte hash');
const addr = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 20-byte address');

/** A log as eth_subscribe("logs") and eth_getLogs give it (extra keys allowed: nodes add transactionIndex, blockTimestamp…). */
export const RpcLog = z.object({
  address: addr,
  topics: z.array(hash).max(4),
  data: z.string().regex(/^0x([0-9a-fA-F]{2})*$/, 'expected hex data').max(65_536),
  blockNumber: hexQuantity,
  blockHash: hash,
  transactionHash: hash,
  logIndex: hexQuantity,
  removed: z.boolean().optional(),
  /** Recent nodes (and anvil) include it; used when the block's head was not seen. */
  blockTimestamp: hexQuantity.optional(),
});
export type RpcLog = z.infer<typeof RpcLog>;

/** A block header (newHeads notification, or an eth_getBlockByNumber result). */
export const RpcHead = z.object({ number: hexQuantity, hash, parentHash: hash, timestamp: hexQuantity });
export type RpcHead = z.infer<typeof RpcHead>;

/**
 * `call`: on an eth_call answer, the request it answers (the connector adds it, since the answer alone does not say
 * what was asked): the contract and calldata, so a parser learns from it (a vault's tokens) in a replay as live.
 */
export const EthCallRequest = z.object({ to: addr, data: z.string().regex(/^0x([0-9a-fA-F]{2}){4,1024}$/, 'expected calldata') });
export const EvmFrame = z.object({ chain: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a chain name'), rpc: z.record(z.string(), z.unknown()), call: EthCallRequest.optional() });

/** The JSON-RPC envelopes: a subscription notification, or a response (result or error). */
export const Notification = z.object({ method: z.literal('eth_subscription'), params: z.object({ subscription: z.string(), result: z.unknown() }) });
export const RpcError = z.object({ error: z.object({ code: z.number(), message: z.string() }).loose() });
export const Response = z.object({ id: z.union([z.number(), z.string(), z.null()]), result: z.unknown() });

export const hexNumber = (q: string): number => Number.parseInt(q, 16);

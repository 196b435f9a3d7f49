import { z } from 'zod';

/** A chain name as config, frames and event ids spell it: `ethereum`, `arbitrum`, `base`. */
export const CHAIN_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** One chain's connection. The URL usually carries the provider's API key: it is never logged (src/log.ts redacts it) and `liqstream config` masks it. */
export const EvmChainConfig = z.strictObject({
  /** The node's JSON-RPC WebSocket endpoint (wss://…); a chain without one is not watched. */
  url: z.url(),
  /** Blocks on top of an event's block before it is final (the parser's `provisional`); absent: the protocol parser's default for the chain. */
  confirmations: z.number().int().min(0).max(10_000).optional(),
});
export type EvmChainConfig = z.infer<typeof EvmChainConfig>;

/**
 * `evm` in the config: the RPC endpoint per chain, shared by every on-chain venue, and how the connector reads
 * ranges. Defaults stated here, next to the code that uses them (src/venues/evm/rpc/chain-connection.ts).
 */
export const EvmSettings = z.strictObject({
  chains: z.record(z.string().regex(CHAIN_NAME), EvmChainConfig).default({}),
  /** At start, the oracle look-back: AnswerUpdated logs of the configured feeds over this many blocks (about 17 h on Ethereum). */
  lookbackBlocks: z.number().int().min(0).default(5_000),
  /** The widest eth_getLogs range asked at once; halved (down to one block) while a provider refuses a range as too large. */
  maxRangeBlocks: z.number().int().min(1).default(2_000),
  /** A backfill fetches the headers (timestamp, hash) of at most this many of its last blocks; older logs take `blockTimestamp`. */
  maxHeaderBlocks: z.number().int().min(1).default(1_000),
  /** How deep a reorg the connector follows back (stored hashes per chain). */
  reorgDepth: z.number().int().min(1).max(10_000).default(64),
  /** A request (eth_getLogs, eth_getBlockByNumber) unanswered this long fails. */
  requestTimeoutMs: z.number().int().min(100).max(2 ** 31 - 1).default(60_000),
  /** WebSocket ping interval; a connection with no frame and no pong for `silenceTimeoutMs` is replaced. */
  pingIntervalMs: z.number().int().min(10).max(2 ** 31 - 1).default(10_000),
  silenceTimeoutMs: z.number().int().min(50).max(2 ** 31 - 1).default(30_000),
});
export type EvmSettings = z.infer<typeof EvmSettings>;

import { z } from 'zod';
import { venueConfig } from '../venue-config.js';

const CHAIN_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One Solana cluster's endpoints: `url` the RPC WebSocket (logsSubscribe), `httpUrl` the JSON-RPC HTTP endpoint
 * (getTransaction, getMultipleAccounts, getSignaturesForAddress, getSignatureStatuses, getSlot: a Solana node
 * serves only subscriptions on its WebSocket). Both usually carry the provider's API key: never logged.
 */
export const SolanaChainConfig = z.strictObject({ url: z.url(), httpUrl: z.url() });
export type SolanaChainConfig = z.infer<typeof SolanaChainConfig>;

/** `solana` in the config: the endpoints per cluster (`solana`), shared by every Solana venue, and the connection's timing. Defaults stated here only. */
export const SolanaSettings = z.strictObject({
  chains: z.record(z.string().regex(CHAIN_NAME), SolanaChainConfig).default({}),
  /** An HTTP request unanswered this long fails (asked again up to 3 times). */
  requestTimeoutMs: z.number().int().min(100).max(MAX_TIMER_MS).default(30_000),
  /** WebSocket ping interval; no frame and no pong for `silenceTimeoutMs` replaces the connection. */
  pingIntervalMs: z.number().int().min(10).max(MAX_TIMER_MS).default(10_000),
  silenceTimeoutMs: z.number().int().min(50).max(MAX_TIMER_MS).default(60_000),
  /** How often provisional liquidations are checked for finality (getSlot finalized, then getSignatureStatuses). */
  finalityCheckMs: z.number().int().min(10).max(MAX_TIMER_MS).default(5_000),
  /** A backfill after a reconnect reads at most this many of the program's signatures; an outage with more is a gap. */
  maxBackfillSignatures: z.number().int().min(1).max(1_000_000).default(20_000),
  /** Notified liquidation transactions waiting to be fetched, at most; beyond, a notification storm is read by a backfill instead (memory stays bounded). */
  maxQueuedFetches: z.number().int().min(1).max(1_000_000).default(10_000),
});
export type SolanaSettings = z.infer<typeof SolanaSettings>;

/** A Solana venue's config block: the common keys plus its own endpoints per cluster, over `solana.chains`. */
export const solanaVenueConfig = () =>
  venueConfig({ chains: z.record(z.string().regex(CHAIN_NAME), z.strictObject({ url: z.url().optional(), httpUrl: z.url().optional() })).optional() });

import type { CreationSource } from '../discover.js';
import type { ChainWatch } from './chain-connection.js';

/** What the watches are built from: per chain, the venue's contracts and the aggregators that price it (EvmMetadata's shape). */
export interface WatchedChains {
  [chain: string]: { contracts: Record<string, unknown>; feeds: Record<string, unknown> };
}

/**
 * Per chain: the protocol's contracts filtered on its topic0s (the creators among them: their creation logs come on
 * the same filter), its feeds (AnswerUpdated, read back at start), and its creation sources (new contracts are
 * added to the filter as they are created).
 */
export const evmWatches = (chains: WatchedChains, topic0s: readonly string[], creations: Record<string, readonly CreationSource[]> = {}): ChainWatch[] =>
  Object.entries(chains).map(([chain, m]) => ({
    chain,
    filters: [{ address: [...new Set([...Object.keys(m.contracts), ...(creations[chain] ?? []).map((c) => c.address)])], topics: [[...new Set(topic0s)]] }],
    feeds: Object.keys(m.feeds),
    ...(creations[chain] && creations[chain].length > 0 ? { creations: creations[chain] } : {}),
  }));

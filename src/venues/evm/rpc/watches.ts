import type { ChainWatch } from './chain-connection.js';

/** What the watches are built from: per chain, the venue's contracts and the aggregators that price it (EvmMetadata's shape). */
export interface WatchedChains {
  [chain: string]: { contracts: Record<string, unknown>; feeds: Record<string, unknown> };
}

/** Per chain: the protocol's contracts filtered on its topic0s, and its feeds (AnswerUpdated, read back at start). */
export const evmWatches = (chains: WatchedChains, topic0s: readonly string[]): ChainWatch[] =>
  Object.entries(chains).map(([chain, m]) => ({
    chain,
    filters: [{ address: Object.keys(m.contracts), topics: [[...new Set(topic0s)]] }],
    feeds: Object.keys(m.feeds),
  }));

import { lower, type ChainMetadata, type FeedInfo, type TokenInfo } from './metadata.js';

/**
 * Data-only plan shared by the on-chain venues: per chain, the tokens they liquidate (decimals as the token
 * contracts return them) and the Chainlink USD feed of each, by its PROXY address (docs/venues/evm.md gives the
 * sources: the token contracts and data.chain.link). AnswerUpdated is emitted by the aggregator behind the proxy,
 * which Chainlink replaces from time to time: discover() reads `aggregator()` from each proxy and keys the feed by
 * it. Without discovery the feed is keyed by the proxy address (what the simulator writes), so a live run without
 * discovery finds no prices and refuses its liquidations rather than valuing them at a guess.
 */
export interface ChainPlan {
  confirmations: number;
  tokens: Record<string, { symbol: string; decimals: number; feedProxy?: string }>;
  feeds: Record<string, FeedInfo>;
}

const ETH_USD = { description: 'ETH / USD', decimals: 8 };
const BTC_USD = { description: 'BTC / USD', decimals: 8 };
const USDC_USD = { description: 'USDC / USD', decimals: 8 };
const USDT_USD = { description: 'USDT / USD', decimals: 8 };
const DAI_USD = { description: 'DAI / USD', decimals: 8 };

/**
 * Confirmations: Ethereum reorgs deeper than a few blocks are rare and finality comes after two epochs (64 blocks);
 * 12 is the customary "safe" depth. The L2s here order blocks by one sequencer (no reorgs of their own in normal
 * operation) but make blocks every 0.25–2 s, so 20 blocks is still only seconds.
 */
export const CHAINS: Record<string, ChainPlan> = {
  ethereum: {
    confirmations: 12,
    tokens: {
      '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2': { symbol: 'WETH', decimals: 18, feedProxy: '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419' },
      '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599': { symbol: 'WBTC', decimals: 8, feedProxy: '0xf4030086522a5beea4988f8ca5b36dbc97bee88c' },
      '0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf': { symbol: 'cbBTC', decimals: 8, feedProxy: '0xf4030086522a5beea4988f8ca5b36dbc97bee88c' },
      '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48': { symbol: 'USDC', decimals: 6, feedProxy: '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6' },
      '0xdac17f958d2ee523a2206206994597c13d831ec7': { symbol: 'USDT', decimals: 6, feedProxy: '0x3e7d1eab13ad0104d2750b8863b489d65364e32d' },
      '0x6b175474e89094c44da98b954eedeac495271d0f': { symbol: 'DAI', decimals: 18, feedProxy: '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9' },
    },
    feeds: {
      '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419': ETH_USD,
      '0xf4030086522a5beea4988f8ca5b36dbc97bee88c': BTC_USD,
      '0x8fffffd4afb6115b954bd326cbe7b4ba576818f6': USDC_USD,
      '0x3e7d1eab13ad0104d2750b8863b489d65364e32d': USDT_USD,
      '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9': DAI_USD,
    },
  },
  arbitrum: {
    confirmations: 20,
    tokens: {
      '0x82af49447d8a07e3bd95bd0d56f35241523fbab1': { symbol: 'WETH', decimals: 18, feedProxy: '0x639fe6ab55c921f74e7fac1ee960c0b6293ba612' },
      '0x2f2a2543b76a4166549f7aab2e75bef0aefc5b0f': { symbol: 'WBTC', decimals: 8, feedProxy: '0x6ce185860a4963106506c203335a2910413708e9' },
      '0xaf88d065e77c8cc2239327c5edb3a432268e5831': { symbol: 'USDC', decimals: 6, feedProxy: '0x50834f3163758fcc1df9973b6e91f0f0f0434ad3' },
    },
    feeds: {
      '0x639fe6ab55c921f74e7fac1ee960c0b6293ba612': ETH_USD,
      '0x6ce185860a4963106506c203335a2910413708e9': BTC_USD,
      '0x50834f3163758fcc1df9973b6e91f0f0f0434ad3': USDC_USD,
    },
  },
  base: {
    confirmations: 20,
    tokens: {
      '0x4200000000000000000000000000000000000006': { symbol: 'WETH', decimals: 18, feedProxy: '0x71041dddad3595f9ced3dccfbe3d1f4b0a16bb70' },
      '0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf': { symbol: 'cbBTC', decimals: 8, feedProxy: '0x64c911996d3c6ac71f9b455b1e8e7266bcbd848f' },
      '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': { symbol: 'USDC', decimals: 6, feedProxy: '0x7e860098f58bbfc8648a4311b374b1d669a2bc6b' },
    },
    feeds: {
      '0x71041dddad3595f9ced3dccfbe3d1f4b0a16bb70': ETH_USD,
      '0x64c911996d3c6ac71f9b455b1e8e7266bcbd848f': BTC_USD,
      '0x7e860098f58bbfc8648a4311b374b1d669a2bc6b': USDC_USD,
    },
  },
};

/** A token by symbol on a chain (plans name tokens by symbol). */
export function tokenAddress(chain: string, symbol: string): string {
  const found = Object.entries(CHAINS[chain]?.tokens ?? {}).find(([, t]) => t.symbol === symbol);
  if (!found) throw new Error(`no token ${symbol} on ${chain} in src/venues/evm/chains.ts`);
  return found[0];
}

/** The chain's metadata before discovery: every listed token and feed, feeds keyed by their proxies. */
export function chainMetadata(chain: string, contracts: ChainMetadata['contracts'], extra: Partial<ChainMetadata> = {}): ChainMetadata {
  const plan = CHAINS[chain];
  if (!plan) throw new Error(`no chain ${chain} in src/venues/evm/chains.ts`);
  const tokens: Record<string, TokenInfo> = {};
  for (const [a, t] of Object.entries(plan.tokens)) tokens[lower(a)] = { symbol: t.symbol, decimals: t.decimals, ...(t.feedProxy ? { feed: lower(t.feedProxy) } : {}) };
  return { contracts, tokens, feeds: { ...plan.feeds }, confirmations: plan.confirmations, ...extra };
}

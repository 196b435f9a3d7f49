import { TOPIC0 } from '../evm/abi.js';
import { tokenAddress } from '../evm/chains.js';
import type { CreationSource } from '../evm/discover.js';

/**
 * Morpho Blue singleton per chain (Morpho's docs, "Addresses"; docs/venues/morpho-blue.md) and the markets it
 * values without discovery: market id -> collateral and loan token, from app.morpho.org's market pages.
 */
export const MORPHO_BLUE: Record<string, string> = {
  ethereum: '0xbbbbbbbbbb9cc5e90e3b3af64bdaf62c37eeffcb',
  base: '0xbbbbbbbbbb9cc5e90e3b3af64bdaf62c37eeffcb',
  arbitrum: '0x6c247b1f6182318877311737bac0844baa518f5e',
};

const market = (chain: string, collateral: string, loan: string) => ({ collateralToken: tokenAddress(chain, collateral), loanToken: tokenAddress(chain, loan) });

export const morphoMarkets = (chain: string): Record<string, { collateralToken: string; loanToken: string }> =>
  (
    ({
      ethereum: {
        '0x3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49': market('ethereum', 'WBTC', 'USDC'),
        '0x64d65c9a2d91c36d56fbc42d69e979335320169b3df63bf92789e2c8883fcc64': market('ethereum', 'cbBTC', 'USDC'),
      },
      base: {
        '0x9103c3b4e834476c9a62ea009ba2c884ee42e94e6e314a26f04d312434191836': market('base', 'cbBTC', 'USDC'),
        '0x8793cf302b8ffd655ab97bd1c695dbd967807e8367a65cb2f4edaf1380ba1bda': market('base', 'WETH', 'USDC'),
      },
    }) as Record<string, Record<string, { collateralToken: string; loanToken: string }>>
  )[chain] ?? {};

/**
 * Where Morpho Blue's markets are created: the singleton's own CreateMarket logs, from its deployment block
 * (Ethereum 18,883,124 and Base 13,977,148, the blocks Morpho's indexers start at; Arbitrum not pinned: from 0,
 * read adaptively). A CreateMarket log carries the market's tokens: no call is needed.
 */
const MORPHO_FROM: Record<string, number> = { ethereum: 18_883_124, base: 13_977_148, arbitrum: 0 };
export const morphoCreations = (chain: string): CreationSource[] =>
  MORPHO_BLUE[chain] ? [{ address: MORPHO_BLUE[chain], topic0: TOPIC0.CreateMarket, fromBlock: MORPHO_FROM[chain] ?? 0, calls: [] }] : [];

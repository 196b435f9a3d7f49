/**
 * What an on-chain venue's parser needs to know per chain, in VenueMetadata.evm: from the venue's data-only plan
 * (plan.ts) plus the shared token and feed table (chains.ts), completed by discover() where it ran, and written to
 * a recording's metadata.json, so a replay values every liquidation exactly as the live run did. Addresses are
 * lower-case hex (logs may spell them in any case).
 */
export interface TokenInfo {
  symbol: string;
  decimals: number;
  /** The Chainlink aggregator whose AnswerUpdated logs price it in USD (lower-case), when one is known. */
  feed?: string;
}

export interface FeedInfo {
  /** What the feed prices, e.g. `ETH / USD` (for people). */
  description: string;
  decimals: number;
}

/** A contract the protocol's events come from, with what its events do not say themselves. */
export interface ContractInfo {
  /** Comet: the base token (debt). Euler: the vault's asset. */
  base?: string;
  /** Fluid vault: the collateral (supply) and debt (borrow) tokens. */
  supplyToken?: string;
  borrowToken?: string;
  /** Euler collateral vault: assets per share as an exact fraction [assets, shares], when discovered. */
  assetsPerShare?: [string, string];
  /**
   * A factory whose creation logs add contracts (Euler's GenericFactory `ProxyCreated`, Fluid's VaultFactory
   * `VaultDeployed`): its logs are read for discovery, never valued.
   */
  factory?: 'euler' | 'fluid';
  /** Fluid: a vault announced by its factory whose tokens are not known yet (its constantsView() answer fills them). */
  pending?: true;
}

/**
 * At most this many contracts and markets per chain (plan, discovery and what a running parser learns): a
 * factory or node flooding creations cannot grow memory without bound; past it, each refused one is counted.
 */
export const MAX_DISCOVERED = 20_000;

export interface ChainMetadata {
  /** Contracts whose protocol events count; a log from any other address is refused (anyone can emit any event). */
  contracts: Record<string, ContractInfo>;
  tokens: Record<string, TokenInfo>;
  /** Aggregators (the emitters of AnswerUpdated, not the proxies) by address. */
  feeds: Record<string, FeedInfo>;
  /** Morpho Blue markets by id: loan (debt) and collateral token. */
  markets?: Record<string, { loanToken: string; collateralToken: string }>;
  /** Maker ilks by bytes32 id: the collateral token. */
  ilks?: Record<string, { token: string; name: string }>;
  /** Blocks on top of a block before its events are final (not provisional). */
  confirmations: number;
}

export interface EvmMetadata {
  chains: Record<string, ChainMetadata>;
}

export const lower = (a: string): string => a.toLowerCase();

/** A created contract added to `chain` (a parser's or discovery's copy): null once added or known, else why not (the cap). */
export function addCreated(chain: ChainMetadata, address: string, info: ContractInfo, what: string): string | null {
  if (chain.contracts[address]) return null;
  if (!hasRoom(chain)) return `${what} ${address} not learned: ${MAX_DISCOVERED} contracts and markets known on this chain already`;
  chain.contracts[address] = info;
  return null;
}

/** Whether the chain may take one more contract or market (MAX_DISCOVERED); the caller counts a refusal. */
export const hasRoom = (m: ChainMetadata): boolean => Object.keys(m.contracts).length + Object.keys(m.markets ?? {}).length < MAX_DISCOVERED;

/** The 20-byte address in a 32-byte ABI word (hex without 0x), or undefined when its first 12 bytes are not zero. */
export const wordAddress = (word: string | undefined): string | undefined => (word && /^0{24}[0-9a-f]{40}$/i.test(word) ? `0x${word.slice(24).toLowerCase()}` : undefined);

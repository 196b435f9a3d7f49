import { OCT10, venueMinuteUsd } from './oct10-profile.js';

/**
 * The DeFi side of the synthetic 10 October: lending-protocol liquidations (collateral seized, USD), calibrated to
 * Galaxy Research's figures for that day. CALIBRATION TARGETS (what the simulation's day totals 00:00–24:00 equal,
 * to within one liquidation):
 * - Aave V3 Core on Ethereum: $192.86M, of which wrapped BTC (WBTC) collateral $82.17M (the rest: WETH).
 * - Morpho: $27.70M across chains (published: 12 chains; simulated on Ethereum and Base, split 55/45: our choice).
 * - Fluid: $17.38M across chains (published: 5 chains; simulated on Ethereum, Arbitrum and Base, 60/20/20: ours).
 * - Kamino (Solana): $12.7M of WSOL and $2.6M of FARTCOIN collateral, published for 8–10 October together; the
 *   simulated day takes a third of each (≈ $4.23M and $0.87M: an even split is our choice, the day's own share is
 *   not published).
 * Not simulated (no published figure for the day): Spark, Compound v3, Maker, Euler v2.
 * Which collateral each Morpho/Fluid liquidation seizes (the market mix) is ours too. Every stream follows the
 * centralized venues' shape of the day (oct10-profile.ts): on-chain liquidations follow the same price path.
 */
export interface DefiStream {
  venue: 'aave-v3' | 'morpho-blue' | 'fluid' | 'kamino';
  chain: 'ethereum' | 'arbitrum' | 'base' | 'solana';
  /** Collateral and debt token symbols (src/venues/evm/chains.ts; Kamino: src/venues/kamino/plan.ts). */
  collateral: string;
  debt: string;
  /** Day total, collateral seized in USD. */
  usd: number;
  /** Morpho: the market id. */
  market?: string;
}

export const DEFI_OCT10 = {
  source: 'Galaxy Research, 10 October 2025: Aave V3 Core Ethereum $192.86M (WBTC $82.17M), Morpho $27.70M, Fluid $17.38M; Kamino ≈ a third of its 8–10 October $12.7M WSOL and $2.6M FARTCOIN',
  aaveEthereumUsd: 192.86e6,
  aaveWrappedBtcUsd: 82.17e6,
  morphoUsd: 27.7e6,
  fluidUsd: 17.38e6,
  /** Kamino's published figures cover 8–10 October: the day takes this share of each (≈, ours). */
  kaminoWsolUsd3d: 12.7e6,
  kaminoFartcoinUsd3d: 2.6e6,
  kaminoDayShare: 1 / 3,
  /** Mean liquidation size (collateral USD), ours. */
  meanUsd: 60_000,
  /** Liquidation bonus: debt repaid = collateral / (1 + bonus). */
  bonus: 0.05,
} as const;

const D = DEFI_OCT10;
export const DEFI_STREAMS: readonly DefiStream[] = [
  { venue: 'aave-v3', chain: 'ethereum', collateral: 'WBTC', debt: 'USDC', usd: D.aaveWrappedBtcUsd },
  { venue: 'aave-v3', chain: 'ethereum', collateral: 'WETH', debt: 'USDC', usd: D.aaveEthereumUsd - D.aaveWrappedBtcUsd },
  { venue: 'morpho-blue', chain: 'ethereum', collateral: 'WBTC', debt: 'USDC', usd: 0.3 * D.morphoUsd, market: '0x3a85e619751152991742810df6ec69ce473daef99e28a64ab2340d7b7ccfee49' },
  { venue: 'morpho-blue', chain: 'ethereum', collateral: 'cbBTC', debt: 'USDC', usd: 0.25 * D.morphoUsd, market: '0x64d65c9a2d91c36d56fbc42d69e979335320169b3df63bf92789e2c8883fcc64' },
  { venue: 'morpho-blue', chain: 'base', collateral: 'cbBTC', debt: 'USDC', usd: 0.25 * D.morphoUsd, market: '0x9103c3b4e834476c9a62ea009ba2c884ee42e94e6e314a26f04d312434191836' },
  { venue: 'morpho-blue', chain: 'base', collateral: 'WETH', debt: 'USDC', usd: 0.2 * D.morphoUsd, market: '0x8793cf302b8ffd655ab97bd1c695dbd967807e8367a65cb2f4edaf1380ba1bda' },
  { venue: 'fluid', chain: 'ethereum', collateral: 'WETH', debt: 'USDC', usd: 0.6 * D.fluidUsd },
  { venue: 'fluid', chain: 'arbitrum', collateral: 'WETH', debt: 'USDC', usd: 0.2 * D.fluidUsd },
  { venue: 'fluid', chain: 'base', collateral: 'WETH', debt: 'USDC', usd: 0.2 * D.fluidUsd },
  { venue: 'kamino', chain: 'solana', collateral: 'WSOL', debt: 'USDC', usd: D.kaminoDayShare * D.kaminoWsolUsd3d },
  { venue: 'kamino', chain: 'solana', collateral: 'FARTCOIN', debt: 'USDC', usd: D.kaminoDayShare * D.kaminoFartcoinUsd3d },
];

/** Share of the day (00:00–24:00) in minute k, up to OCT10.endMinute: Binance USD-M's shape (a centralized venue's). */
export const defiMinuteShare: () => number[] = (() => {
  let cached: number[] | undefined;
  return () => {
    if (cached) return cached;
    const usd = venueMinuteUsd('binance-usdm');
    const day = usd.slice(0, 1_440).reduce((a, b) => a + b, 0);
    return (cached = usd.slice(0, OCT10.endMinute).map((x) => x / day));
  };
})();

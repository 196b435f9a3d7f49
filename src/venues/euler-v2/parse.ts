import { EULER_LIQUIDATE, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { EulerLiquidateArgs } from './schema.js';

/**
 * EVault Liquidate, emitted by the LIABILITY vault: `repayAssets` of its asset repaid, `yieldBalance` SHARES of the
 * `collateral` vault moved to the liquidator. Shares become assets at the collateral vault's exchange rate at that
 * block (convertToAssets), which the log does not carry: the parser uses `assetsPerShare` from the metadata when
 * discovery put it there, and refuses the entry otherwise (never values shares as assets). docs/venues/euler-v2.md.
 */
export const EULER_LIQUIDATE_EVENT: ProtocolEvent<EulerLiquidateArgs> = {
  topic0: TOPIC0.EulerLiquidate,
  abi: EULER_LIQUIDATE,
  args: EulerLiquidateArgs,
  read: (a, log, chain) => {
    const liability = chain.contracts[log.address.toLowerCase()];
    const collateral = chain.contracts[a.collateral.toLowerCase()];
    if (!liability?.base) return `Euler vault ${log.address} has no asset in the metadata`;
    if (!collateral?.base || !collateral.assetsPerShare) return `Euler collateral vault ${a.collateral}: no asset or share rate in the metadata (shares cannot be valued)`;
    const [assets, shares] = collateral.assetsPerShare.map((x) => BigInt(x)) as [bigint, bigint];
    if (shares === 0n) return `Euler collateral vault ${a.collateral}: share rate with zero shares`;
    // The rate was read at discovery, not at this block: the collateral amount is inferred (≈).
    return { collateralToken: collateral.base, collateralAmount: (a.yieldBalance * assets) / shares, debtToken: liability.base, debtAmount: a.repayAssets, inferred: ['collateral'] };
  },
};

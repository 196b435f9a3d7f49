import { MORPHO_LIQUIDATE, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { MorphoLiquidateArgs } from './schema.js';

/**
 * Morpho Blue's Liquidate: `seizedAssets` of the market's collateral token for `repaidAssets` of its loan token.
 * The market (the log's indexed id) says which tokens: from the plan's markets (plan.ts) or discovery. Bad debt
 * realised in the same liquidation (badDebtAssets) is socialised to lenders, not repaid: not part of debtUsd.
 */
export const MORPHO_LIQUIDATE_EVENT: ProtocolEvent<MorphoLiquidateArgs> = {
  topic0: TOPIC0.MorphoLiquidate,
  abi: MORPHO_LIQUIDATE,
  args: MorphoLiquidateArgs,
  read: (a, _log, chain) => {
    const m = chain.markets?.[a.id.toLowerCase()];
    if (!m) return `Morpho market ${a.id} is not in the metadata`;
    return { collateralToken: m.collateralToken, collateralAmount: a.seizedAssets, debtToken: m.loanToken, debtAmount: a.repaidAssets };
  },
};

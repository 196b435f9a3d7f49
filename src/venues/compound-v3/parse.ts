import { COMET_ABSORB_COLLATERAL, COMET_ABSORB_DEBT, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { AbsorbCollateralArgs, AbsorbDebtArgs } from './schema.js';

/**
 * Comet absorbs an underwater account whole: one AbsorbCollateral per collateral asset (the liquidation: seized
 * collateral, valued at its Chainlink price like every other protocol, not Comet's own usdValue), then one
 * AbsorbDebt with the base-token debt wiped for the whole account. The debt is not split per collateral by the
 * protocol, so each AbsorbCollateral event carries debt 0 (debtUsd 0) and AbsorbDebt makes no event of its own:
 * docs/venues/compound-v3.md says what that misses.
 */
export const ABSORB_COLLATERAL: ProtocolEvent<AbsorbCollateralArgs> = {
  topic0: TOPIC0.AbsorbCollateral,
  abi: COMET_ABSORB_COLLATERAL,
  args: AbsorbCollateralArgs,
  read: (a, log, chain) => {
    const base = chain.contracts[log.address.toLowerCase()]?.base;
    if (!base) return `Comet ${log.address} has no base token in the metadata`;
    return { collateralToken: a.asset, collateralAmount: a.collateralAbsorbed, debtToken: base, debtAmount: 0n };
  },
};

export const ABSORB_DEBT: ProtocolEvent<AbsorbDebtArgs> = { topic0: TOPIC0.AbsorbDebt, abi: COMET_ABSORB_DEBT, args: AbsorbDebtArgs, read: () => null };

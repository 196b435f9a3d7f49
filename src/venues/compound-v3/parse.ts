import { COMET_ABSORB_COLLATERAL, COMET_ABSORB_DEBT, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import type { RpcLog } from '../evm/schema.js';
import { AbsorbCollateralArgs, AbsorbDebtArgs } from './schema.js';

/** One absorb of one account: its AbsorbCollateral logs and the AbsorbDebt that follows them in the transaction. */
const absorbKey = (log: RpcLog, borrower: string): string => `${log.address.toLowerCase()}:${log.transactionHash.toLowerCase()}:${borrower.toLowerCase()}`;

/**
 * Comet absorbs an underwater account whole: one AbsorbCollateral per collateral asset (the liquidation: seized
 * collateral, valued at its Chainlink price like every other protocol), then one AbsorbDebt with the base-token
 * debt wiped for the whole account. The parser holds the account's AbsorbCollateral facts until that AbsorbDebt
 * (same Comet, transaction and borrower) and splits its `basePaidOut` over them in proportion to Comet's own
 * `usdValue` of each (integers, so the parts sum exactly to the debt): exact for one collateral, inferred (≈,
 * `onchain.inferred: ['debt']`) for several. docs/mapping.md, docs/venues/compound-v3.md.
 */
export const ABSORB_COLLATERAL: ProtocolEvent<AbsorbCollateralArgs> = {
  topic0: TOPIC0.AbsorbCollateral,
  abi: COMET_ABSORB_COLLATERAL,
  args: AbsorbCollateralArgs,
  read: (a, log, chain) => {
    const base = chain.contracts[log.address.toLowerCase()]?.base;
    if (!base) return `Comet ${log.address} has no base token in the metadata`;
    return { collateralToken: a.asset, collateralAmount: a.collateralAbsorbed, debtToken: base, debtAmount: 0n, split: { key: absorbKey(log, a.borrower), weight: a.usdValue } };
  },
};

export const ABSORB_DEBT: ProtocolEvent<AbsorbDebtArgs> = {
  topic0: TOPIC0.AbsorbDebt,
  abi: COMET_ABSORB_DEBT,
  args: AbsorbDebtArgs,
  read: (a, log) => ({ closes: absorbKey(log, a.borrower), debtAmount: a.basePaidOut }),
};

import { FLUID_LOG_LIQUIDATE, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { LogLiquidateArgs } from './schema.js';

/**
 * A Fluid vault's LogLiquidate: `colAmt_` of the vault's supply token seized for `debtAmt_` of its borrow token
 * repaid, in the tokens' own units. The log names neither token: the vault (its address) does, from the metadata.
 */
export const LOG_LIQUIDATE: ProtocolEvent<LogLiquidateArgs> = {
  topic0: TOPIC0.LogLiquidate,
  abi: FLUID_LOG_LIQUIDATE,
  args: LogLiquidateArgs,
  read: (a, log, chain) => {
    const v = chain.contracts[log.address.toLowerCase()];
    if (!v?.supplyToken || !v.borrowToken) return `Fluid vault ${log.address} has no tokens in the metadata`;
    return { collateralToken: v.supplyToken, collateralAmount: a.colAmt_, debtToken: v.borrowToken, debtAmount: a.debtAmt_ };
  },
};

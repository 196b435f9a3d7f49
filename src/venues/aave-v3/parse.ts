import { AAVE_LIQUIDATION_CALL, TOPIC0 } from '../evm/abi.js';
import type { ProtocolEvent } from '../evm/parser.js';
import { LiquidationCallArgs } from './schema.js';

/**
 * Aave V3 Pool's LiquidationCall (also Spark's Pool, a fork): the liquidator repaid `debtToCover` of `debtAsset`
 * and received `liquidatedCollateralAmount` of `collateralAsset` (as aTokens when receiveAToken), both in the
 * tokens' own units. Pure: the generic EVM parser (src/venues/evm/parser.ts) decodes, values and builds events.
 */
export const LIQUIDATION_CALL: ProtocolEvent<LiquidationCallArgs> = {
  topic0: TOPIC0.LiquidationCall,
  abi: AAVE_LIQUIDATION_CALL,
  args: LiquidationCallArgs,
  read: (a) => ({ collateralToken: a.collateralAsset, collateralAmount: a.liquidatedCollateralAmount, debtToken: a.debtAsset, debtAmount: a.debtToCover }),
};

export const AAVE_EVENTS = [LIQUIDATION_CALL] as const;

import { z } from 'zod';
import { address, uint } from '../evm/args.js';

/** LiquidationCall's decoded arguments (src/venues/evm/abi.ts AAVE_LIQUIDATION_CALL). */
export const LiquidationCallArgs = z.object({
  collateralAsset: address,
  debtAsset: address,
  user: address,
  debtToCover: uint,
  liquidatedCollateralAmount: uint,
  liquidator: address,
  receiveAToken: z.boolean(),
});
export type LiquidationCallArgs = z.infer<typeof LiquidationCallArgs>;

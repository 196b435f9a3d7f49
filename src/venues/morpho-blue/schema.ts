import { z } from 'zod';
import { address, bytes32, uint } from '../evm/args.js';

/** The deployed Liquidate's decoded arguments: eight fields (src/venues/evm/abi.ts MORPHO_LIQUIDATE). */
export const MorphoLiquidateArgs = z.object({
  id: bytes32,
  caller: address,
  borrower: address,
  repaidAssets: uint,
  repaidShares: uint,
  seizedAssets: uint,
  badDebtAssets: uint,
  badDebtShares: uint,
});
export type MorphoLiquidateArgs = z.infer<typeof MorphoLiquidateArgs>;

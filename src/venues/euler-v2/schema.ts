import { z } from 'zod';
import { address, uint } from '../evm/args.js';

export const EulerLiquidateArgs = z.object({ liquidator: address, violator: address, collateral: address, repayAssets: uint, yieldBalance: uint });
export type EulerLiquidateArgs = z.infer<typeof EulerLiquidateArgs>;

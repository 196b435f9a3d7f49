import { z } from 'zod';
import { address, uint } from '../evm/args.js';

export const AbsorbCollateralArgs = z.object({ absorber: address, borrower: address, asset: address, collateralAbsorbed: uint, usdValue: uint });
export type AbsorbCollateralArgs = z.infer<typeof AbsorbCollateralArgs>;
export const AbsorbDebtArgs = z.object({ absorber: address, borrower: address, basePaidOut: uint, usdValue: uint });
export type AbsorbDebtArgs = z.infer<typeof AbsorbDebtArgs>;

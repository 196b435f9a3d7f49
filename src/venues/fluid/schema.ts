import { z } from 'zod';
import { address, uint } from '../evm/args.js';

export const LogLiquidateArgs = z.object({ liquidator_: address, colAmt_: uint, debtAmt_: uint, to_: address });
export type LogLiquidateArgs = z.infer<typeof LogLiquidateArgs>;

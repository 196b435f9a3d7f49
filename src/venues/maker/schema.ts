import { z } from 'zod';
import { address, bytes32, uint } from '../evm/args.js';

export const BarkArgs = z.object({ ilk: bytes32, urn: address, ink: uint, art: uint, due: uint, clip: address, id: uint });
export type BarkArgs = z.infer<typeof BarkArgs>;

import { z } from 'zod';

/** Zod pieces for decoded event arguments (what viem's decodeEventLog returns). */
export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected an address');
export const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes');
export const uint = z.bigint().nonnegative();

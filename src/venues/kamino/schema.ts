import { z } from 'zod';
import { RESERVE, RESERVE_BYTES } from './plan.js';

/** A Reserve account's first RESERVE_BYTES (src/venues/kamino/plan.ts): what the price is read from. */
export const ReserveBytes = z.instanceof(Uint8Array).refine((b) => b.length >= RESERVE_BYTES, `expected at least ${RESERVE_BYTES} bytes of a Reserve`);

/** The fields of a Reserve the valuation reads, little-endian as the program stores them. */
export function reserveFields(b: Uint8Array): { slot: bigint; mint: Uint8Array; marketPriceSf: bigint; mintDecimals: bigint } {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u128 = (at: number) => view.getBigUint64(at, true) + (view.getBigUint64(at + 8, true) << 64n);
  return {
    slot: view.getBigUint64(RESERVE.lastUpdateSlot, true),
    mint: b.subarray(RESERVE.mint, RESERVE.mint + 32),
    marketPriceSf: u128(RESERVE.marketPriceSf),
    mintDecimals: view.getBigUint64(RESERVE.mintDecimals, true),
  };
}

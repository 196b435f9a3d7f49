import { z } from 'zod';
import { DecimalString, EpochMs } from '../fields.js';

/** Binance's frames as they arrive, before any mapping (the parser and the forceOrder fast path both read these). */

export const ForceOrder = z.object({
  e: z.literal('forceOrder'),
  E: z.number().int(),
  o: z.object({
    s: z.string().min(1),
    ps: z.string().min(1).optional(),
    S: z.enum(['BUY', 'SELL']),
    ap: DecimalString,
    z: DecimalString,
    X: z.string(),
    T: EpochMs,
  }),
});
export type ForceOrder = z.infer<typeof ForceOrder>;

/** REST GET /fapi|dapi/v1/openInterest, recorded as a frame by the poller. */
export const OpenInterestRest = z.object({
  symbol: z.string().min(1),
  pair: z.string().optional(),
  openInterest: DecimalString,
  time: EpochMs,
});

/** REST GET /fapi|dapi/v1/premiumIndex (all symbols): the mark prices open interest is valued at. */
export const PremiumIndexRow = z.object({ symbol: z.string(), markPrice: z.string() }).loose();
export const PremiumIndexRest = z.array(PremiumIndexRow);

import { z } from 'zod';
import { DecimalString, EpochMs } from '../fields.js';

/** Bybit's frames and REST answers as they arrive, before any mapping. */

export const LIQUIDATION_TOPIC = 'allLiquidation';
export const TICKER_TOPIC = 'tickers';

// Bybit sends every number as a plain decimal string; anything else (exponents, signs, "NaN") is a format change we want to hear about.
const Decimal = DecimalString;
// Ticker fields can be "" (e.g. values that do not apply); an empty string carries no value, so it is treated like an absent field.
const MaybeDecimal = z.union([Decimal, z.literal('')]).optional();

export const LiquidationEntry = z.object({
  T: EpochMs,
  s: z.string().min(1),
  S: z.enum(['Buy', 'Sell']),
  v: Decimal,
  p: Decimal,
});

export type BybitLiquidationEntry = z.infer<typeof LiquidationEntry>;

export const AllLiquidation = z.object({
  topic: z.string().startsWith(`${LIQUIDATION_TOPIC}.`),
  type: z.literal('snapshot'),
  ts: EpochMs,
  /** Each entry judged on its own (LiquidationEntry), so one bad entry costs only itself. */
  data: z.array(z.unknown()),
});
export type BybitAllLiquidation = z.infer<typeof AllLiquidation>;

export const Ticker = z.object({
  topic: z.string().startsWith(`${TICKER_TOPIC}.`),
  type: z.enum(['snapshot', 'delta']),
  ts: EpochMs,
  data: z
    .object({
      symbol: z.string().min(1).optional(),
      openInterest: MaybeDecimal,
      openInterestValue: MaybeDecimal,
      markPrice: MaybeDecimal,
    })
    .loose(),
});
export type BybitTicker = z.infer<typeof Ticker>;

/** Subscribe replies and pongs: `op` says what is being answered. */
export const OpReply = z
  .object({
    op: z.string(),
    success: z.boolean().optional(),
    ret_msg: z.string().optional(),
    req_id: z.string().optional(),
  })
  .loose();

// Errors come as HTTP 200 with a non-zero retCode and an empty `result`, so the envelope is checked first.
export const Envelope = z.object({ retCode: z.number(), retMsg: z.string(), result: z.unknown() });

export const InstrumentsResult = z
  .object({
    list: z.array(
      z
        .object({
          symbol: z.string().min(1),
          contractType: z.string(),
          status: z.string(),
          baseCoin: z.string(),
          quoteCoin: z.string(),
          settleCoin: z.string().optional(),
        })
        .loose(),
    ),
    nextPageCursor: z.string().optional(),
  })
  .loose();

import { z } from 'zod';
import { DecimalString, EpochMs } from '../fields.js';

/**
 * Raw shapes of HTX USDT-margined contracts (docs: https://www.htx.com/en-us/opend/newApiPages/ → USDT-margined
 * Contracts, "Subscribe Liquidation Order Data" and "Query Swap Open Interest Information"). Every frame of the
 * notification endpoint arrives gzip-compressed; ManagedSocket inflates it (SocketPlan.decode), so these are JSON text.
 */

export const LIQUIDATION_TOPIC_SUFFIX = '.liquidation_orders';
export const LIQUIDATION_TOPIC_ALL = `public.*${LIQUIDATION_TOPIC_SUFFIX}`;

// HTX writes these as JSON numbers, and some deployments quote numbers as strings: both are read.
const Amount = z.union([DecimalString, z.number().finite().nonnegative()]);

export const LiquidationOrder = z.object({
  contract_code: z.string().min(1),
  /** The base coin (`BTC`). */
  symbol: z.string().min(1),
  /** The liquidation order's side: `sell` closes a long position, `buy` a short one. */
  direction: z.enum(['buy', 'sell']),
  /**
   * A liquidation order only ever reduces a position: `close` in hedge mode, `both` in one-way (single_side) mode,
   * where every order says `both` (the docs list "Open, close, both"). `open` would break the side rule above.
   */
  offset: z.enum(['close', 'both']),
  /** Contracts. */
  volume: Amount,
  price: Amount,
  created_at: EpochMs,
  /** Base coin (volume × contract size). */
  amount: Amount,
  /** Quote currency (USDT): the order's exact notional. */
  trade_turnover: Amount,
  trade_partition: z.string().min(1).optional(),
});
export type HtxLiquidationOrder = z.infer<typeof LiquidationOrder>;

export const LiquidationNotify = z.object({
  op: z.literal('notify'),
  topic: z.string().startsWith('public.').endsWith(LIQUIDATION_TOPIC_SUFFIX),
  ts: EpochMs,
  /** Each order judged on its own (LiquidationOrder), so one bad entry costs only itself. */
  data: z.array(z.unknown()),
});
export type HtxLiquidationNotify = z.infer<typeof LiquidationNotify>;

/** Subscribe replies, pings and error/close notices of the notification endpoint. */
export const OpFrame = z
  .object({
    op: z.string(),
    topic: z.string().optional(),
    cid: z.string().optional(),
    'err-code': z.number().optional(),
    'err-msg': z.string().optional(),
  })
  .loose();

/** GET /linear-swap-api/v1/swap_open_interest: `value` is the open interest in USDT, `amount` in the base coin. */
/** One contract's row of the swap_open_interest answer. */
export const OpenInterestRow = z
  .object({
    contract_code: z.string().min(1),
    symbol: z.string().min(1),
    amount: Amount,
    value: Amount,
    trade_partition: z.string().min(1).optional(),
  })
  .loose();

/** The answer's envelope; each row judged on its own (OpenInterestRow). */
export const OpenInterestAnswer = z.object({
  status: z.literal('ok'),
  ts: EpochMs,
  data: z.array(z.unknown()),
});
export type HtxOpenInterestAnswer = z.infer<typeof OpenInterestAnswer>;

/** An HTX REST error answer: HTTP 200 with `status: "error"`. */
export const RestError = z.object({ status: z.literal('error'), err_code: z.union([z.number(), z.string()]).optional(), err_msg: z.string().optional() }).loose();

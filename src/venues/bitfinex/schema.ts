import { z } from 'zod';
import { MAX_EPOCH_MS } from '../fields.js';

/**
 * Raw shapes of Bitfinex API v2 (docs.bitfinex.com): channel data are positional arrays with JSON numbers,
 * events are objects. Positions below are the docs' field indices.
 */
const Finite = z.number().finite();
/**
 * Millisecond timestamps. Bitfinex's own docs example writes one with a fraction (`1574697680828.2002`), so a
 * fraction is accepted; the parser truncates it to the millisecond (bitfinexMs).
 */
export const BitfinexMs = z.number().finite().nonnegative().max(MAX_EPOCH_MS, 'expected epoch milliseconds (at most 13 digits)');
/** A timestamp as liqstream keeps them: whole milliseconds, never after the instant written. */
export const bitfinexMs = (mts: number): number => Math.floor(mts);

/**
 * One entry of the `liq:global` status feed (docs "WS Public: Status", "REST Public: Liquidations"):
 * `['pos', POS_ID, MTS, _, SYMBOL, AMOUNT, BASE_PRICE, _, IS_MATCH, IS_MARKET_SOLD, _, PRICE_ACQUIRED]`.
 */
export const LiquidationEntry = z
  .tuple([
    z.literal('pos'),
    z.number().int().nonnegative(),
    BitfinexMs,
    z.unknown(),
    z.string().min(1),
    /** ±AMOUNT: "Positive values means a long position, negative values means a short position". */
    Finite,
    /** BASE_PRICE: "The price at which user entered the position". */
    Finite.nullable(),
    z.unknown(),
    /** IS_MATCH: 0 initial liquidation trigger, 1 market execution. */
    z.union([z.literal(0), z.literal(1)]),
    /** IS_MARKET_SOLD: 0 position acquired by the system, 1 direct sell into the market. */
    z.union([z.literal(0), z.literal(1)]).nullable(),
    z.unknown(),
    /** PRICE_ACQUIRED: "The price at which the position has been acquired"; null on some triggers. */
    Finite.nullable(),
  ])
  .rest(z.unknown());
export type LiquidationEntry = z.infer<typeof LiquidationEntry>;

/** `{"event":"info"|"subscribed"|"pong"|"error"|"conf",…}` (docs "WS General"). */
export const EventMessage = z.object({ event: z.string().min(1), msg: z.string().optional(), code: z.number().optional(), key: z.string().optional() });

/**
 * One row of GET /v2/status/deriv (docs "REST Public: Derivatives Status"): [0] KEY, [1] MTS, [15] MARK_PRICE,
 * [18] OPEN_INTEREST ("Total number of outstanding derivative contracts", one contract = one unit of base).
 */
export const DerivStatusRow = z
  .tuple([z.string().min(1), BitfinexMs])
  .rest(z.unknown())
  .refine((row) => row.length >= 19, 'a derivatives status row has at least 19 fields');
/** MARK_PRICE and OPEN_INTEREST may be null on a pair without trading yet. */
export const StatusValue = Finite.nullable();

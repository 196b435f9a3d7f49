import { z } from 'zod';
import { DecimalString, EpochMs, SignedDecimalString } from '../fields.js';

/**
 * Raw shapes of Gate futures v4 (docs: https://www.gate.com/docs/developers/futures/ws/en/ and
 * https://www.gate.com/docs/developers/apiv4/en/#list-all-futures-contracts).
 */

export const LIQUIDATES_CHANNEL = 'futures.public_liquidates';
export const PONG_CHANNEL = 'futures.pong';
/** Gate's notices (docs "System API": a service upgrade about to close the connection, SBE schema notices). */
export const SYSTEM_CHANNEL = 'futures.system';

// The docs type `price` as Float and `size` as "String/Integer": a JSON number, or a decimal string once the
// handshake asks for decimal sizes (X-Gate-Size-Decimal: 1). Both are read; a number must be finite.
const Price = z.union([DecimalString, z.number().finite().positive()]);
const SignedSize = z.union([SignedDecimalString, z.number().finite()]);

export const LiquidateEntry = z.object({
  contract: z.string().min(1),
  price: Price,
  /** Contracts of the liquidation order: positive buys (a short was liquidated), negative sells (a long). */
  size: SignedSize,
  /** The liquidation's time in ms, as the docs' first example and every recorded frame write it. */
  time_ms: EpochMs.optional(),
  /**
   * The docs' newer field list names the entry's time `time`, in milliseconds; the envelope's `time` is seconds.
   * Read when `time_ms` is absent, by its digits (entryTimeMs in parse.ts), so a seconds value is not taken for ms.
   */
  time: z.number().int().nonnegative().optional(),
});
export type GateLiquidateEntry = z.infer<typeof LiquidateEntry>;

/** The update's envelope; each `result` entry is judged on its own (LiquidateEntry). */
export const LiquidatesUpdate = z.object({
  channel: z.literal(LIQUIDATES_CHANNEL),
  event: z.literal('update'),
  result: z.array(z.unknown()),
});
export type GateLiquidatesUpdate = z.infer<typeof LiquidatesUpdate>;

/** Subscribe/unsubscribe replies and pongs; `error` is null or absent on success. */
export const ControlReply = z
  .object({
    channel: z.string(),
    event: z.string().optional(),
    error: z.object({ code: z.number().optional(), message: z.string().optional() }).loose().nullable().optional(),
    result: z.unknown().optional(),
  })
  .loose();

/** One row of GET /api/v4/futures/{settle}/contracts; `position_size` is the open interest in contracts. */
export const ContractRow = z
  .object({
    name: z.string().min(1),
    type: z.enum(['direct', 'inverse']),
    /** Base units per contract (linear); "0" on the BTC-settled inverse BTC_USD, whose contract is 1 USD. */
    quanto_multiplier: DecimalString,
    mark_price: DecimalString,
    position_size: z.union([DecimalString, z.number().finite().nonnegative()]),
  })
  .loose();
export type GateContractRow = z.infer<typeof ContractRow>;

/** The polled list: each row judged on its own (ContractRow), so one odd row costs only itself. */
export const ContractRows = z.array(z.unknown());

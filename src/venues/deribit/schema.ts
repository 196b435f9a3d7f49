import { z } from 'zod';
import { EpochMs } from '../fields.js';

/**
 * Raw shapes of Deribit's JSON-RPC 2.0 API v2 (docs.deribit.com). Deribit writes prices and amounts as
 * JSON numbers, not strings, so they are checked as finite numbers here.
 */
const Positive = z.number().finite().positive();

/** One public trade (docs "trades.(kind).(currency).(interval)", "Public Trade"). */
export const DeribitTrade = z.object({
  trade_id: z.string().min(1),
  instrument_name: z.string().min(1),
  timestamp: EpochMs,
  price: Positive,
  /** USD on perpetuals and inverse futures; base coin on linear futures (docs "amount"). */
  amount: Positive,
  /** The taker's direction. */
  direction: z.enum(['buy', 'sell']),
  /** Only on trades caused by liquidation: whose side was under liquidation, maker, taker or both. */
  liquidation: z.enum(['M', 'T', 'MT']).optional(),
});
export type DeribitTrade = z.infer<typeof DeribitTrade>;

/** `{"jsonrpc":"2.0","method":"subscription","params":{"channel":…,"data":…}}` (docs "Notifications"). */
export const Notification = z.object({
  method: z.literal('subscription'),
  params: z.object({ channel: z.string().min(1), data: z.unknown() }),
});

/** A notification's trades; each is judged on its own (DeribitTrade), so one bad trade costs only itself. */
export const TradeBatch = z.array(z.unknown());

/** `{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"|"test_request"}}` (docs "public/set_heartbeat"). */
export const Heartbeat = z.object({
  method: z.literal('heartbeat'),
  params: z.object({ type: z.enum(['heartbeat', 'test_request']) }),
});

/** A JSON-RPC error reply: `{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}`. */
export const ErrorReply = z.object({
  id: z.number().int().optional(),
  error: z.object({ code: z.number().int().optional(), message: z.string().optional() }).loose(),
});

/** One row of public/get_book_summary_by_currency (docs "Book Summary"). */
export const BookSummary = z.object({
  instrument_name: z.string().min(1),
  /** USD on perpetuals and inverse futures; base coin on linear futures. */
  open_interest: z.number().finite().nonnegative().optional(),
  mark_price: z.number().finite().positive().nullable().optional(),
  creation_timestamp: EpochMs,
});

/** A successful JSON-RPC reply; `result` is what the request asked for. */
export const ResultReply = z.object({ id: z.number().int().optional(), result: z.unknown() });

/** One row of public/get_instruments (docs "public/get_instruments"). */
export const DeribitListedInstrument = z
  .object({
    instrument_name: z.string().min(1),
    kind: z.string(),
    /** `linear` or `reversed` (inverse). */
    instrument_type: z.string().optional(),
    base_currency: z.string().min(1),
    quote_currency: z.string().min(1),
    settlement_currency: z.string().min(1).optional(),
    is_active: z.boolean().optional(),
  })
  .loose();
export type DeribitListedInstrument = z.infer<typeof DeribitListedInstrument>;

import { z } from 'zod';

/**
 * BitMEX raw shapes (docs https://www.bitmex.com/app/wsAPI, REST explorer https://www.bitmex.com/api/explorer/,
 * swagger.json of github.com/BitMEX/api-connectors): the public `liquidation` table, the WebSocket control
 * replies, and the rows of `GET /api/v1/instrument/active`. BitMEX writes numbers as JSON numbers.
 */

export const LIQUIDATION_TABLE = 'liquidation';

/** Order ids are GUIDs (swagger `Liquidation.orderID`, format guid); nothing longer goes into an event id. */
const OrderId = z.string().regex(/^[0-9a-fA-F-]{1,64}$/, 'expected a GUID');
const Positive = z.number().finite().positive();

/** A row as `insert` carries it: the liquidation order as the engine entered it into the book. */
export const LiquidationRow = z.object({
  orderID: OrderId,
  symbol: z.string().min(1),
  /** The liquidation order's side: `Sell` closes a long, `Buy` closes a short. */
  side: z.enum(['Buy', 'Sell']),
  price: Positive,
  /** Contracts still to fill: at `insert`, the whole position taken over. */
  leavesQty: Positive,
});
export type BitmexLiquidationRow = z.infer<typeof LiquidationRow>;

/** `update` (a fill: smaller `leavesQty`) and `delete` (filled or cancelled) name the order by its key only. */
export const LiquidationKeyRow = z.object({ orderID: OrderId });

export const TableMessage = z.object({
  table: z.string(),
  action: z.enum(['partial', 'insert', 'update', 'delete']),
  data: z.array(z.unknown()),
});

/** `{"success":true,"subscribe":"liquidation","request":{…}}`; a refusal is an `error` frame instead. */
export const SubscribeReply = z.object({ success: z.boolean(), subscribe: z.string().optional() });

/** `{"status":400,"error":"Unknown table: …","meta":{},"request":{…}}` */
export const ErrorReply = z.object({ status: z.number().optional(), error: z.string() });

const IsoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, 'expected an ISO 8601 UTC time');
const Multiplier = z.number().finite().nullable().optional();

/**
 * One row of `GET /api/v1/instrument/active`; other fields are not read. Index rows (`.BXBT`) and rows of a
 * listing not yet trading carry nulls where a contract has numbers: they fail the checks of `bitmexInstrument`.
 */
export const InstrumentRow = z.object({
  symbol: z.string().min(1),
  state: z.string().optional(),
  underlying: z.string().min(1),
  quoteCurrency: z.string().min(1),
  settlCurrency: z.string().nullable().optional(),
  isInverse: z.boolean(),
  isQuanto: z.boolean(),
  multiplier: Multiplier,
  underlyingToPositionMultiplier: Multiplier,
  underlyingToSettleMultiplier: Multiplier,
  /** Contracts. */
  openInterest: z.number().finite().nonnegative().nullable().optional(),
  markPrice: z.number().finite().nullable().optional(),
  timestamp: IsoTime.optional(),
});
export type BitmexInstrumentRow = z.infer<typeof InstrumentRow>;

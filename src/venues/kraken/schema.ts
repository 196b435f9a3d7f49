import { z } from 'zod';
import { EpochMs } from '../fields.js';

/**
 * Raw shapes of Kraken Futures (docs.kraken.com, "Futures WebSocket" v1 and "Futures REST" v3). Prices and
 * quantities are JSON numbers, so they are checked as finite numbers here.
 */
const Positive = z.number().finite().positive();

/** One trade of the `trade` feed (docs "Trade": Response Snapshot / Response Delta). */
export const KrakenTrade = z.object({
  product_id: z.string().min(1),
  uid: z.string().min(1),
  /** The taker's side ("buy if the taker is a buyer"). */
  side: z.enum(['buy', 'sell']),
  /** fill, liquidation, termination, block: new types must not break parsing. */
  type: z.string().min(1),
  time: EpochMs,
  /** Contracts: USD on inverse products (PI_, FI_), base units on multi-collateral ones (PF_, FF_). */
  qty: Positive,
  price: Positive,
});
export type KrakenTrade = z.infer<typeof KrakenTrade>;

export const TradeSnapshot = z.object({ feed: z.literal('trade_snapshot'), product_id: z.string().min(1), trades: z.array(z.unknown()) });

/** Replies and notices: `{"event":"info","version":1}`, `subscribed`, `subscribed_failed`, `error`, `alert`. */
export const EventMessage = z.object({ event: z.string().min(1), message: z.string().optional() });

/** One entry of GET /derivatives/api/v3/instruments (docs "Get instruments"). */
export const ListedInstrument = z
  .object({
    symbol: z.string().min(1),
    type: z.string().optional(),
    base: z.string().optional(),
    quote: z.string().optional(),
    contractSize: Positive.optional(),
    tradeable: z.boolean().optional(),
  })
  .loose();
export type ListedInstrument = z.infer<typeof ListedInstrument>;

export const InstrumentsAnswer = z.object({ instruments: z.array(z.unknown()) });

/** One entry of GET /derivatives/api/v3/tickers (docs "Get tickers"); indices have no open interest. */
export const Ticker = z
  .object({
    symbol: z.string().min(1),
    markPrice: z.number().finite().optional(),
    /** Contracts, as `qty` of a trade. */
    openInterest: z.number().finite().nonnegative().optional(),
  })
  .loose();

/** GET /tickers lists every product (`tickers`); GET /tickers/{symbol} answers one (`ticker`). */
export const TickersAnswer = z.union([
  z.object({ tickers: z.array(z.unknown()), serverTime: z.string().optional() }),
  z.object({ ticker: z.unknown(), serverTime: z.string().optional() }),
]);

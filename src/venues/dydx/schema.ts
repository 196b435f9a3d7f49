import { z } from 'zod';
import { DecimalString } from '../fields.js';

/** Raw shapes of the dYdX v4 indexer (docs "Indexer Websocket", "Indexer API"); numbers are decimal strings. */

/** ISO 8601 UTC with optional fraction, as the indexer writes `createdAt`. */
export const IsoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/, 'expected an ISO 8601 UTC time');

/** One trade of `v4_trades` (indexer `TradeContent`): `id` is the taker fill's id, `side` the taker's side. */
export const DydxTrade = z.object({
  id: z.string().min(1),
  size: DecimalString,
  price: DecimalString,
  side: z.enum(['BUY', 'SELL']),
  createdAt: IsoTime,
  /** LIMIT, LIQUIDATED (liquidated taker order), DELEVERAGED (deleveraged taker), TWAP_SUBORDER, …: new types must not break parsing. */
  type: z.string().min(1),
});
export type DydxTrade = z.infer<typeof DydxTrade>;

/** One message's (or batch item's) trades; each judged on its own (DydxTrade), so one bad trade costs only itself. */
export const TradesContents = z.object({ trades: z.array(z.unknown()) });

/** Every indexer message names its `type`; channel messages also `channel` and `id` (the market). */
export const Envelope = z.object({
  type: z.enum(['connected', 'subscribed', 'unsubscribed', 'channel_data', 'channel_batch_data', 'error']),
  channel: z.string().optional(),
  id: z.string().optional(),
  /** The indexer's id of the connection (a refusal names it, not the market). */
  connection_id: z.string().max(256).optional(),
  message: z.string().optional(),
  contents: z.unknown().optional(),
});

/** One market of GET /v4/perpetualMarkets (and of the `v4_markets` snapshot, which has the same shape). */
export const PerpetualMarket = z
  .object({
    ticker: z.string().min(1),
    status: z.string(),
    /** USD per base unit; absent or "" before the first oracle update of a new market. */
    oraclePrice: z.union([DecimalString, z.literal('')]).nullable().optional(),
    /** Base units. */
    openInterest: DecimalString.optional(),
  })
  .loose();
export type PerpetualMarket = z.infer<typeof PerpetualMarket>;

export const PerpetualMarkets = z.object({ markets: z.record(z.string(), z.unknown()) });

import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, RE_TEXT } from '../scan.js';
import type { KrakenTrade } from './schema.js';

// Kraken's layout of a `trade` frame (docs "Trade", Response Delta): feed, product_id, uid, side, type, seq, time, qty, price.
const TRADE = new RegExp(
  `^\\{"feed":"trade","product_id":${RE_TEXT},"uid":${RE_TEXT},"side":"(buy|sell)","type":${RE_TEXT},"seq":${RE_SKIP_INT},"time":${RE_EPOCH_MS},"qty":${RE_NUMBER},"price":${RE_NUMBER}\\}$`,
);

/**
 * A `trade` frame in Kraken's own layout read without JSON.parse: the trade as `JSON.parse` plus the KrakenTrade
 * schema give it, or undefined (declined: the full path reads it, and refuses what it must).
 */
export function readTradeFrame(frame: string): KrakenTrade | undefined {
  const m = TRADE.exec(frame);
  if (m === null) return undefined;
  const qty = Number(m[6]);
  const price = Number(m[7]);
  // The schema's Positive (finite, > 0); a value it refuses is declined.
  if (!(qty > 0 && qty < Infinity && price > 0 && price < Infinity)) return undefined;
  return { product_id: m[1]!, uid: m[2]!, side: m[3] as 'buy' | 'sell', type: m[4]!, time: Number(m[5]), qty, price };
}

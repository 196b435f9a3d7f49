import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, RE_TEXT, STRING_CHAR, decimalAt, plainValue } from '../scan.js';
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

// The same layout with every number plain (no exponent, as Kraken writes them), tested without captures: a match
// array and its strings cost more than the test (issue 22 §1). The fields are then read where the layout puts them.
const PLAIN_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_TRADE = new RegExp(
  `^\\{"feed":"trade","product_id":"${STRING_CHAR}+","uid":"${STRING_CHAR}+","side":"(?:buy|sell)","type":"${STRING_CHAR}+","seq":${RE_SKIP_INT},"time":(?:0|[1-9][0-9]{0,12}),"qty":${PLAIN_NUMBER},"price":${PLAIN_NUMBER}\\}$`,
);
export const PRODUCT_AT = '{"feed":"trade","product_id":"'.length;

/** Where a plain trade frame writes its fields, and the values of its numbers; one per parser, refilled by every read. */
export interface PlainTrade {
  productEnd: number;
  uidStart: number;
  uidEnd: number;
  sell: boolean;
  liquidation: boolean;
  time: number;
  qty: number;
  price: number;
}

/**
 * A `trade` frame in Kraken's plain layout (PLAIN_TRADE): true with `into` filled (the product from PRODUCT_AT to
 * `productEnd`), or false (the parser goes on to readTradeFrame). The values are those JSON.parse gives: the time
 * is at most 13 digits, the numbers plain (plainValue).
 */
export function readPlainTrade(f: string, into: PlainTrade): boolean {
  if (!PLAIN_TRADE.test(f)) return false;
  const productEnd = f.indexOf('"', PRODUCT_AT);
  const uidStart = productEnd + 9; // after `","uid":"`
  const uidEnd = f.indexOf('"', uidStart);
  const side = uidEnd + 10; // after `","side":"`
  const sell = f.charCodeAt(side) === 0x73;
  const type = side + (sell ? 14 : 13); // after `sell","type":"`
  const typeEnd = f.indexOf('"', type);
  const time = f.indexOf(',', typeEnd + 8) + 8; // after `","seq":<seq>,"time":`
  const timeEnd = f.indexOf(',', time);
  const qty = timeEnd + 7; // after `,"qty":`
  const qtyEnd = f.indexOf(',', qty);
  into.productEnd = productEnd;
  into.uidStart = uidStart;
  into.uidEnd = uidEnd;
  into.sell = sell;
  into.liquidation = typeEnd - type === 11 && f.startsWith('liquidation', type);
  into.time = decimalAt(f, time, timeEnd);
  into.qty = plainValue(f, qty, qtyEnd);
  into.price = plainValue(f, qtyEnd + 9, f.length - 1); // after `,"price":`, before `}`
  return true;
}

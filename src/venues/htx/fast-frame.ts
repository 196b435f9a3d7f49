import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_STRING, RE_TEXT, STRING_CHAR, decimalAt, endsAt, isShortestText, matchEntries, testEntries } from '../scan.js';
import { LIQUIDATION_TOPIC_SUFFIX, type HtxLiquidationOrder } from './schema.js';

const HEAD = new RegExp(`^\\{"op":"notify","topic":"(public\\.[^"\\\\\\u0000-\\u001f]*${LIQUIDATION_TOPIC_SUFFIX.replace('.', '\\.')})","ts":${RE_EPOCH_MS},"data":\\[`);
// An amount as HTX writes it (a JSON number) or as some deployments quote it (a decimal string): two captures.
const AMOUNT = `(?:${RE_NUMBER}|"(${DECIMAL_SOURCE})")`;
// HTX's layout of an order (docs "Subscribe Liquidation Order Data"): business_type, pair and contract_type (which
// the schema does not read) and trade_partition as the docs' example writes them, and as some deployments leave them out.
const ORDER = new RegExp(
  `\\{"contract_code":${RE_TEXT},"symbol":${RE_TEXT},"direction":"(buy|sell)","offset":"(close|both)","volume":${AMOUNT},"price":${AMOUNT},` +
    `"created_at":${RE_EPOCH_MS},"amount":${AMOUNT},"trade_turnover":${AMOUNT}` +
    `(?:,"business_type":${RE_SKIP_STRING},"pair":${RE_SKIP_STRING},"contract_type":${RE_SKIP_STRING})?(?:,"trade_partition":${RE_TEXT})?\\}`,
  'y',
);

// The same order as HTX writes it (the docs' example, the simulator): every amount a plain JSON number. No captures
// (each would be a string made): the fields are read where this layout puts them.
const PLAIN = '(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_ORDER = new RegExp(
  `\\{"contract_code":"${STRING_CHAR}+","symbol":"${STRING_CHAR}+","direction":"(?:buy|sell)","offset":"(?:close|both)","volume":${PLAIN},"price":${PLAIN},` +
    `"created_at":(?:0|[1-9][0-9]{0,12}),"amount":${PLAIN},"trade_turnover":${PLAIN}` +
    `(?:,"business_type":${RE_SKIP_STRING},"pair":${RE_SKIP_STRING},"contract_type":${RE_SKIP_STRING})?(?:,"trade_partition":"${STRING_CHAR}+")?\\}`,
  'y',
);
const PARTITION = ',"trade_partition":"';
const B = 0x62;
const C = 0x63;

/** A captured amount as the schema gives it: the number (finite, not negative, or the read fails) or the decimal string. */
function amount(number: string | undefined, text: string | undefined): number | string | undefined {
  if (number === undefined) return text;
  const n = Number(number);
  return n >= 0 && n < Infinity ? n : undefined;
}

/**
 * An order as the fast path hands it over: with the text of volume and price when it is `String(value)`
 * (isShortestText), which the event id needs. The full path's orders never carry these keys (the schema strips them).
 */
export type FastHtxOrder = HtxLiquidationOrder & { volumeText?: string; priceText?: string };

/**
 * A liquidation_orders push in HTX's own layout read without JSON.parse: its topic and orders as `JSON.parse` plus
 * the LiquidationNotify and LiquidationOrder schemas give them, or undefined (declined: the full path reads it).
 */
export function readNotifyFrame(frame: string): { topic: string; data: FastHtxOrder[] } | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const plain = readPlainOrders(frame, head[0].length);
  if (plain !== undefined) return { topic: head[1]!, data: plain };
  const data: FastHtxOrder[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const volume = amount(m[5], m[6]);
    const price = amount(m[7], m[8]);
    const qty = amount(m[10], m[11]);
    const turnover = amount(m[12], m[13]);
    if (volume === undefined || price === undefined || qty === undefined || turnover === undefined) return false;
    const order: FastHtxOrder = {
      contract_code: m[1]!,
      symbol: m[2]!,
      direction: m[3] as 'buy' | 'sell',
      offset: m[4] as 'close' | 'both',
      volume,
      price,
      created_at: Number(m[9]),
      amount: qty,
      trade_turnover: turnover,
    };
    if (m[14] !== undefined) order.trade_partition = m[14];
    if (m[5] !== undefined && isShortestText(m[5])) order.volumeText = m[5];
    if (m[7] !== undefined && isShortestText(m[7])) order.priceText = m[7];
    data.push(order);
    return true;
  };
  return endsAt(frame, matchEntries(frame, head[0].length, ORDER, read), '}') ? { topic: head[1]!, data } : undefined;
}

/** The orders when every one is in PLAIN_ORDER's layout and the frame ends there; otherwise undefined. */
function readPlainOrders(f: string, start: number): FastHtxOrder[] | undefined {
  const data: FastHtxOrder[] = [];
  let code = '';
  let coin = '';
  const read = (i: number, end: number): boolean => {
    const cc = i + 18; // after `{"contract_code":"`
    const ccEnd = f.indexOf('"', cc);
    // Orders of a push mostly share their contract: its strings are made once.
    if (code === '' || ccEnd - cc !== code.length || !f.startsWith(code, cc)) code = f.slice(cc, ccEnd);
    const sym = ccEnd + 12; // after `","symbol":"`
    const symEnd = f.indexOf('"', sym);
    if (coin === '' || symEnd - sym !== coin.length || !f.startsWith(coin, sym)) coin = f.slice(sym, symEnd);
    const buy = f.charCodeAt(symEnd + 15) === B; // after `","direction":"`
    const off = symEnd + (buy ? 30 : 31); // after `buy","offset":"`
    const close = f.charCodeAt(off) === C;
    const vol = off + (close ? 16 : 15); // after `close","volume":`
    const volEnd = f.indexOf(',', vol);
    const pr = volEnd + 9; // after `,"price":`
    const prEnd = f.indexOf(',', pr);
    const at = prEnd + 14; // after `,"created_at":`
    const atEnd = f.indexOf(',', at);
    const am = atEnd + 10; // after `,"amount":`
    const amEnd = f.indexOf(',', am);
    const tt = amEnd + 18; // after `,"trade_turnover":`
    const comma = f.indexOf(',', tt);
    const ttEnd = comma !== -1 && comma < end ? comma : end - 1;
    const volume = decimalAt(f, vol, volEnd);
    const price = decimalAt(f, pr, prEnd);
    const amount = decimalAt(f, am, amEnd);
    const turnover = decimalAt(f, tt, ttEnd);
    // The schema's finite amounts (a number of 309 digits is Infinity).
    if (!(volume < Infinity && price < Infinity && amount < Infinity && turnover < Infinity)) return false;
    const order: FastHtxOrder = {
      contract_code: code,
      symbol: coin,
      direction: buy ? 'buy' : 'sell',
      offset: close ? 'close' : 'both',
      volume,
      price,
      created_at: decimalAt(f, at, atEnd),
      amount,
      trade_turnover: turnover,
    };
    // A string value holds no `"`, so the partition's key found after trade_turnover is this order's own.
    const partition = f.lastIndexOf(PARTITION, end);
    if (partition >= ttEnd) order.trade_partition = f.slice(partition + PARTITION.length, end - 2);
    const volumeText = f.slice(vol, volEnd);
    const priceText = f.slice(pr, prEnd);
    if (isShortestText(volumeText)) order.volumeText = volumeText;
    if (isShortestText(priceText)) order.priceText = priceText;
    data.push(order);
    return true;
  };
  return endsAt(f, testEntries(f, start, PLAIN_ORDER, read), '}') ? data : undefined;
}

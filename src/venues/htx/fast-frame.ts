import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_STRING, RE_TEXT, endsAt, isShortestText, matchEntries } from '../scan.js';
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

import { ARRAY_END, NO, OBJECT_END, content, decimalAt, decimalStr, flatValue, isKey, lit, next, nonEmptyStr, str, stringOrFlat, strArray } from '../scan.js';

/**
 * Hyperliquid's public socket frames read without JSON.parse when they have exactly the layout the venue
 * writes (no whitespace, no escapes, `coin` before `ctx`). What is accepted is what `JSON.parse` plus the
 * schema (schema.ts) would accept with the same values; anything else returns false and takes the full
 * path (test/venues/hyperliquid-fast-frame.test.ts holds both to the same results).
 */

/** An activeAssetCtx frame's fields, one object per parser, refilled by every read. */
export interface AssetCtxFields {
  coin: string;
  /** Number(ctx.markPx), which the schema requires to be a decimal > 0 (PositiveDecimal). */
  markPx: number;
  /** Number(ctx.openInterest), a decimal (possibly too long for a double: the parser rejects that). */
  openInterest: number;
  /** ctx.funding and ctx.oraclePx as written (strings; undefined when absent or not a string): the parser reads them. */
  funding: string | undefined;
  oraclePx: string | undefined;
}

const CTX_HEAD = '{"channel":"activeAssetCtx","data":{"coin":';

/** `{"channel":"activeAssetCtx","data":{"coin":"<coin>","ctx":{…flat values, markPx and openInterest decimal strings…}}}` */
export function readActiveAssetCtxFrame(f: string, into: AssetCtxFields): boolean {
  if (!f.startsWith(CTX_HEAD)) return false;
  const coin = CTX_HEAD.length;
  let i = nonEmptyStr(f, coin);
  const coinEnd = i;
  i = lit(f, i, ',"ctx":{');
  let mark = NO;
  let markEnd = NO;
  let oi = NO;
  let oiEnd = NO;
  let funding: string | undefined;
  let oraclePx: string | undefined;
  if (f.charCodeAt(i) === OBJECT_END) return false;
  for (;;) {
    const key = i;
    const keyEnd = str(f, key);
    const value = lit(f, keyEnd, ':');
    // A key repeated is read as JSON.parse reads it: the last one counts.
    if (isKey(f, key, keyEnd, '"markPx"')) i = markEnd = decimalStr(f, (mark = value));
    else if (isKey(f, key, keyEnd, '"openInterest"')) i = oiEnd = decimalStr(f, (oi = value));
    else if (isKey(f, key, keyEnd, '"funding"')) [i, funding] = stringOrFlat(f, value);
    else if (isKey(f, key, keyEnd, '"oraclePx"')) [i, oraclePx] = stringOrFlat(f, value);
    else i = flatValue(f, value);
    i = next(f, i, OBJECT_END);
    if (i === NO) return false;
    if (i < NO) break;
  }
  if (lit(f, ~i, '}}') !== f.length || mark === NO || oi === NO) return false;
  const markPx = decimalAt(f, mark + 1, markEnd - 1);
  // PositiveDecimal: a decimal whose value is finite and > 0.
  if (!(markPx > 0 && markPx < Infinity)) return false;
  into.coin = content(f, coin, coinEnd);
  into.markPx = markPx;
  into.openInterest = decimalAt(f, oi + 1, oiEnd - 1);
  into.funding = funding;
  into.oraclePx = oraclePx;
  return true;
}


const TRADES_HEAD = '{"channel":"trades","data":[';

/**
 * `{"channel":"trades","data":[{…flat values, "users":["<buyer>","<seller>"]…},…]}` in which no trade names
 * a liquidator: true means the frame holds nothing to count, which is what the full path finds in it without
 * validating those trades either. A frame with a liquidator trade is declined: the full path reads it
 * (those are rare, and they carry the inventory bookkeeping).
 */
export function readTradesFrame(f: string, isLiquidator: (user: string) => boolean): boolean {
  if (!f.startsWith(TRADES_HEAD)) return false;
  let i = TRADES_HEAD.length;
  if (f.charCodeAt(i) === ARRAY_END) return lit(f, i + 1, '}') === f.length;
  for (;;) {
    i = lit(f, i, '{');
    if (f.charCodeAt(i) !== OBJECT_END) {
      for (;;) {
        const key = i;
        const keyEnd = str(f, key);
        const value = lit(f, keyEnd, ':');
        if (isKey(f, key, keyEnd, '"users"') && f.charCodeAt(value) === 0x5b) {
          i = strArray(f, value);
          if (i >= 0 && namesLiquidator(f, value, i, isLiquidator)) return false;
        } else i = flatValue(f, value);
        i = next(f, i, OBJECT_END);
        if (i === NO) return false;
        if (i < NO) break;
      }
      i = ~i;
    } else i++;
    i = next(f, i, ARRAY_END);
    if (i === NO) return false;
    if (i < NO) return lit(f, ~i, '}') === f.length;
  }
}

/** Whether a string of the `strArray` from `start` to `end` is a liquidator. */
function namesLiquidator(f: string, start: number, end: number, isLiquidator: (user: string) => boolean): boolean {
  let i = start + 1;
  while (i < end - 1) {
    const e = str(f, i);
    if (isLiquidator(content(f, i, e))) return true;
    i = e + 1;
  }
  return false;
}

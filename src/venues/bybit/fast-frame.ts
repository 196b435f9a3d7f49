import { ARRAY_END, NO, OBJECT_END, content, decimalAt, decimalStr, epochMs, flatValue, isKey, lit, next, nonEmptyStr, str, stringOrFlat, uint } from '../scan.js';
import { LIQUIDATION_TOPIC, TICKER_TOPIC, type BybitLiquidationEntry, type BybitTicker } from './schema.js';

/**
 * Bybit's public frames read without JSON.parse when they have exactly the layout Bybit's serialiser
 * writes (the documented key order, no whitespace, no escapes). What is accepted is what `JSON.parse`
 * plus the schema (schema.ts) would accept with the same values; anything else returns false and takes
 * the full path (test/venues/bybit-fast-frame.test.ts holds both to the same results).
 */

type Entry = BybitLiquidationEntry;

/** What the parser does with an allLiquidation frame as it is read; false from either declines the frame. */
export interface LiquidationSink {
  begin(topicSymbol: string): boolean;
  /** `Ttext` is `T` as written (a canonical integer, so exactly String(T)); `size` and `price` are Number(v) and Number(p). */
  entry(T: Entry['T'], s: Entry['s'], S: Entry['S'], v: Entry['v'], p: Entry['p'], Ttext: string, size: number, price: number): boolean;
}

const LIQUIDATION_HEAD = `{"topic":"${LIQUIDATION_TOPIC}.`;

/** `{"topic":"allLiquidation.<symbol>","type":"snapshot","ts":<ms>,"data":[{"T":<ms>,"s":"…","S":"Buy|Sell","v":"<decimal>","p":"<decimal>"},…]}` */
export function readAllLiquidationFrame(f: string, sink: LiquidationSink): boolean {
  if (!f.startsWith(LIQUIDATION_HEAD)) return false;
  // The topic's string starts at 9; the symbol is the rest of it after the prefix (possibly empty, which the parser rejects).
  let i = str(f, 9);
  const symbolEnd = i - 1;
  i = lit(f, epochMs(f, lit(f, i, ',"type":"snapshot","ts":')), ',"data":[');
  if (i < 0 || !sink.begin(f.slice(LIQUIDATION_HEAD.length, symbolEnd))) return false;
  if (f.charCodeAt(i) === ARRAY_END) return lit(f, i + 1, '}') === f.length;
  for (;;) {
    i = lit(f, i, '{"T":');
    const t = i;
    i = epochMs(f, i);
    const tEnd = i;
    i = lit(f, i, ',"s":');
    const s = i;
    i = nonEmptyStr(f, i);
    const sEnd = i;
    i = lit(f, i, ',"S":"');
    const buy = lit(f, i, 'Buy"') !== NO;
    i = buy ? i + 4 : lit(f, i, 'Sell"');
    i = lit(f, i, ',"v":');
    const v = i;
    i = decimalStr(f, i);
    const vEnd = i;
    i = lit(f, i, ',"p":');
    const p = i;
    i = decimalStr(f, i);
    const pEnd = i;
    i = next(f, lit(f, i, '}'), ARRAY_END);
    if (i === NO) return false;
    const vText = content(f, v, vEnd);
    const pText = content(f, p, pEnd);
    const T = decimalAt(f, t, tEnd);
    const size = decimalAt(f, v + 1, vEnd - 1);
    const price = decimalAt(f, p + 1, pEnd - 1);
    if (!sink.entry(T, content(f, s, sEnd), buy ? 'Buy' : 'Sell', vText, pText, f.slice(t, tEnd), size, price)) return false;
    if (i < NO) return lit(f, ~i, '}') === f.length;
  }
}

/** A ticker frame's fields, one object per parser, refilled by every read. */
export interface TickerFields {
  topicSymbol: string;
  type: BybitTicker['type'];
  ts: number;
  data: Pick<BybitTicker['data'], 'symbol' | 'openInterest' | 'openInterestValue' | 'markPrice'> & TickerFundingText;
}

/** The funding fields of a ticker as written (strings; undefined when absent or not a string): the parser reads them. */
export interface TickerFundingText {
  fundingRate?: string;
  nextFundingTime?: string;
  indexPrice?: string;
  fundingIntervalHour?: string;
}


const TICKER_HEAD = `{"topic":"${TICKER_TOPIC}.`;

/** A decimal string or "" (a value that does not apply): the schema's MaybeDecimal. */
const maybeDecimal = (f: string, i: number): number => (lit(f, i, '""') !== NO ? i + 2 : decimalStr(f, i));

/**
 * `{"topic":"tickers.<symbol>","type":"snapshot|delta",` then `data`, `ts` and optionally `cs` in any order,
 * each once. In `data` only the four fields the parser reads are checked; the others only need to be flat values.
 */
export function readTickerFrame(f: string, into: TickerFields): boolean {
  if (!f.startsWith(TICKER_HEAD)) return false;
  let i = str(f, 9);
  if (i < 0) return false;
  into.topicSymbol = f.slice(TICKER_HEAD.length, i - 1);
  i = lit(f, i, ',"type":"');
  const snapshot = lit(f, i, 'snapshot"') !== NO;
  i = snapshot ? i + 9 : lit(f, i, 'delta"');
  into.type = snapshot ? 'snapshot' : 'delta';
  let data = false;
  let ts = false;
  let cs = false;
  while (i >= 0) {
    i = next(f, i, OBJECT_END);
    if (i < NO) return data && ts && ~i === f.length;
    if (lit(f, i, '"data":{') !== NO && !data) {
      data = true;
      i = readTickerData(f, i + 8, into.data);
    } else if (lit(f, i, '"ts":') !== NO && !ts) {
      ts = true;
      const start = i + 5;
      i = epochMs(f, start);
      if (i >= 0) into.ts = Number(f.slice(start, i));
    } else if (lit(f, i, '"cs":') !== NO && !cs) {
      cs = true;
      i = uint(f, i + 5, 20);
    } else return false;
  }
  return false;
}

/** The members of a ticker's `data` from `i` (after its `{`); the position after its `}`. */
function readTickerData(f: string, i: number, d: TickerFields['data']): number {
  d.symbol = d.openInterest = d.openInterestValue = d.markPrice = undefined;
  d.fundingRate = d.nextFundingTime = d.indexPrice = d.fundingIntervalHour = undefined;
  if (f.charCodeAt(i) === OBJECT_END) return i + 1;
  for (;;) {
    const key = i;
    const keyEnd = str(f, key);
    const value = lit(f, keyEnd, ':');
    let end: number;
    // A key repeated is read as JSON.parse reads it: the last one counts.
    if (isKey(f, key, keyEnd, '"symbol"')) {
      end = nonEmptyStr(f, value);
      if (end >= 0) d.symbol = content(f, value, end);
    } else if (isKey(f, key, keyEnd, '"openInterest"')) {
      end = maybeDecimal(f, value);
      if (end >= 0) d.openInterest = content(f, value, end);
    } else if (isKey(f, key, keyEnd, '"openInterestValue"')) {
      end = maybeDecimal(f, value);
      if (end >= 0) d.openInterestValue = content(f, value, end);
    } else if (isKey(f, key, keyEnd, '"markPrice"')) {
      end = maybeDecimal(f, value);
      if (end >= 0) d.markPrice = content(f, value, end);
    } else if (isKey(f, key, keyEnd, '"fundingRate"')) [end, d.fundingRate] = stringOrFlat(f, value);
    else if (isKey(f, key, keyEnd, '"nextFundingTime"')) [end, d.nextFundingTime] = stringOrFlat(f, value);
    else if (isKey(f, key, keyEnd, '"indexPrice"')) [end, d.indexPrice] = stringOrFlat(f, value);
    else if (isKey(f, key, keyEnd, '"fundingIntervalHour"')) [end, d.fundingIntervalHour] = stringOrFlat(f, value);
    else end = flatValue(f, value);
    i = next(f, end, OBJECT_END);
    if (i === NO) return NO;
    if (i < NO) return ~i;
  }
}

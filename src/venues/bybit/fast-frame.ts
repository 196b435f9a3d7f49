import { DECIMAL_SOURCE } from '../fields.js';
import { ARRAY_END, NO, OBJECT_END, RE_SKIP_STRING, STRING_CHAR, content, decimalAt, decimalStr, epochMs, flatValue, isKey, lit, next, nonEmptyStr, str, stringOrFlat, uint } from '../scan.js';
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

// The frame's head up to the entries, and one entry with what follows it (`,` or `]`), as Bybit's serialiser
// writes them; sticky, so each match starts where the last one ended. On this fixed layout two compiled patterns
// cost about a third of the chain of scan.ts steps they replace (2026-12-04, issue 22 §1).
const LIQUIDATION_HEAD = new RegExp(`\\{"topic":"${LIQUIDATION_TOPIC}\\.${STRING_CHAR}*","type":"snapshot","ts":(?:0|[1-9][0-9]{0,12}),"data":\\[`, 'y');
const LIQUIDATION_ENTRY = new RegExp(`\\{"T":(?:0|[1-9][0-9]{0,12}),"s":${RE_SKIP_STRING},"S":"(?:Buy|Sell)","v":"${DECIMAL_SOURCE}","p":"${DECIMAL_SOURCE}"\\}`, 'y');
const SYMBOL_AT = `{"topic":"${LIQUIDATION_TOPIC}.`.length;
const COMMA = 0x2c;
const QUOTE = 0x22;
const B = 0x42;

/**
 * `{"topic":"allLiquidation.<symbol>","type":"snapshot","ts":<ms>,"data":[{"T":<ms>,"s":"<symbol>","S":"Buy|Sell","v":"<decimal>","p":"<decimal>"},…]}`.
 * An entry whose `s` is not the topic's symbol is one the parser refuses, so it declines the frame here.
 * The patterns only test the layout (no captures: each would be a match array and strings made); the fields are
 * then read where that layout puts them.
 */
export function readAllLiquidationFrame(f: string, sink: LiquidationSink): boolean {
  LIQUIDATION_HEAD.lastIndex = 0;
  if (!LIQUIDATION_HEAD.test(f)) return false;
  // The symbol may be empty, which the parser rejects.
  const symbol = f.slice(SYMBOL_AT, f.indexOf('"', SYMBOL_AT));
  if (!sink.begin(symbol)) return false;
  let i = LIQUIDATION_HEAD.lastIndex;
  if (f.charCodeAt(i) === ARRAY_END) return i + 2 === f.length && f.charCodeAt(i + 1) === OBJECT_END;
  for (;;) {
    LIQUIDATION_ENTRY.lastIndex = i;
    if (!LIQUIDATION_ENTRY.test(f)) return false;
    const end = LIQUIDATION_ENTRY.lastIndex;
    const t = i + 5; // after `{"T":`
    const tEnd = f.indexOf(',', t);
    const s = tEnd + 6; // after `,"s":"`
    if (f.charCodeAt(s + symbol.length) !== QUOTE || !f.startsWith(symbol, s)) return false;
    const buy = f.charCodeAt(s + symbol.length + 7) === B; // after `<s>","S":"`
    const v = s + symbol.length + (buy ? 17 : 18); // after `<s>","S":"Buy","v":"`
    const vEnd = f.indexOf('"', v);
    const p = vEnd + 7; // after `","p":"`
    const pEnd = end - 2; // before `"}`
    const c = f.charCodeAt(end);
    if (c !== COMMA && c !== ARRAY_END) return false;
    // The pattern admits canonical integers of at most 13 digits and plain decimals only, so decimalAt gives
    // Number(text) (and T's text is String(T)).
    const T = decimalAt(f, t, tEnd);
    if (!sink.entry(T, symbol, buy ? 'Buy' : 'Sell', f.slice(v, vEnd), f.slice(p, pEnd), f.slice(t, tEnd), decimalAt(f, v, vEnd), decimalAt(f, p, pEnd))) return false;
    if (c === ARRAY_END) return end + 2 === f.length && f.charCodeAt(end + 1) === OBJECT_END;
    i = end + 1;
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

import { MAX_EPOCH_MS } from '../fields.js';
import { SpanSlots, nameAt } from '../fast-events.js';
import { MAX_FINITE_DIGITS, RE_NUMBER, RE_SKIP_VALUE, RE_TEXT, STRING_CHAR, decimalAt, hasLongInteger, matchEntries, plainValue, testFrom } from '../scan.js';
import type { LiquidationEntry } from './schema.js';

const NUMBER = RE_NUMBER.replace('(', '(?:');
const HEAD = new RegExp(`^\\[${NUMBER},\\[`);
const NUMBER_OR_NULL = `(?:${RE_NUMBER}|null)`;
// A `pos` entry of the liq:global channel (docs "Liquidations"): the twelve fields the schema names, perhaps more after.
const ENTRY = new RegExp(
  `\\["pos",(0|[1-9][0-9]{0,14}),${RE_NUMBER},${RE_SKIP_VALUE},${RE_TEXT},${RE_NUMBER},${NUMBER_OR_NULL},${RE_SKIP_VALUE},([01]),(?:[01]|null),${RE_SKIP_VALUE},${NUMBER_OR_NULL}(?:,${RE_SKIP_VALUE})*\\]`,
  'y',
);
const COMMA = 0x2c;
const CLOSE = 0x5d;
const ZERO = 0x30;
const N = 0x6e;
const TAIL = new RegExp(`(?:,${RE_SKIP_VALUE})*\\]$`, 'y');

/** A captured number that must be finite (the schema's Finite), or null when absent; undefined when not finite. */
const finite = (text: string | undefined): number | null | undefined => {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * A liq:global update in Bitfinex's own layout read without JSON.parse: its entries as `JSON.parse` plus the
 * LiquidationEntry schema give the fields the parser reads (the others are left null), or undefined (declined: the
 * full path reads it).
 */
export function readLiquidationFrame(frame: string): LiquidationEntry[] | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const entries: LiquidationEntry[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const mts = Number(m[2]);
    const amount = finite(m[4]);
    const placed = finite(m[5]);
    const acquired = finite(m[7]);
    // BitfinexMs: finite, not negative, at most 13 digits.
    if (!(mts >= 0 && mts <= MAX_EPOCH_MS) || amount === undefined || amount === null || placed === undefined || acquired === undefined) return false;
    entries.push(['pos', Number(m[1]), mts, null, m[3]!, amount, placed, null, m[6] === '1' ? 1 : 0, null, null, acquired]);
    return true;
  };
  const end = matchEntries(frame, head[0].length, ENTRY, read);
  if (end < 0) return undefined;
  return testFrom(TAIL, frame, end) ? entries : undefined;
}

/**
 * A liquidation trigger (IS_MATCH 0) of Bitfinex's plain layout as the scan read it: POS_ID's text at [idStart, idEnd)
 * (canonical digits, so `String(POS_ID)`), MTS (whole milliseconds), SYMBOL, AMOUNT and PRICE_ACQUIRED (null when
 * absent), the values `JSON.parse` gives them. False declines the frame.
 */
export type PlainTrigger = (idStart: number, idEnd: number, mts: number, symbol: string, amount: number, acquired: number | null) => boolean;

// The same entry as Bitfinex writes it (the docs' examples, the simulator): the unnamed fields null, times whole
// milliseconds, numbers without exponents. No captures (each would be a string made): the fields are read where this
// layout puts them, and only of the triggers. No counted repeats either (a counter per digit cost the pattern a third
// of its time): the lengths the schema bounds are checked on positions (readPlainFrame).
const PLAIN = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_ENTRY = `\\["pos",(?:0|[1-9][0-9]*),(?:0|[1-9][0-9]*),null,"${STRING_CHAR}+",${PLAIN},(?:${PLAIN}|null),null,[01],(?:[01]|null),null,(?:${PLAIN}|null)\\]`;
// The whole update, `[CHAN_ID,[…]…]`, in one pattern: one test per frame, not one per entry and one for the tail.
const PLAIN_FRAME = new RegExp(`\\[${PLAIN},\\[(?:${PLAIN_ENTRY}(?:,${PLAIN_ENTRY})*)?\\](?:,${RE_SKIP_VALUE})*\\]$`, 'y');
/** POS_ID of at most 15 digits: a safe integer, as the schema's int wants. */
const MAX_ID_DIGITS = 15;
/** MTS of at most 13 digits (BitfinexMs). */
const MAX_MTS_DIGITS = 13;
/**
 * The longest stretch from SYMBOL's closing quote to the entry's `]` that cannot hold a number of more than
 * MAX_FINITE_DIGITS integer digits (the schema's Finite): `",A,B,null,M,S,null,Q]` with one number of 309 digits and
 * the others of one character is 329 long. Only a longer stretch is looked at digit by digit (hasLongInteger).
 */
const SHORT_STRETCH = 16 + MAX_FINITE_DIGITS + 4;

// The pairs read lately, one string each.
const symbols = new SpanSlots<string>();

/**
 * A liq:global update in Bitfinex's plain layout (PLAIN_ENTRY) read without JSON.parse: each trigger (IS_MATCH 0)
 * handed to `trigger` as `JSON.parse` and the LiquidationEntry schema give its fields; market executions (IS_MATCH
 * 1, of which the parser counts nothing) only checked as the schema checks them. True when every entry is in the
 * layout and taken and the frame ends as TAIL says; false declines the frame (`trigger` may have been called for
 * some of its entries), and readLiquidationFrame or the full path reads it.
 */
export function readPlainFrame(f: string, trigger: PlainTrigger): boolean {
  if (!testFrom(PLAIN_FRAME, f, 0)) return false;
  // The pattern checked the whole frame: the second `[` opens the entries (CHAN_ID is a number), and each field
  // ends at the first character of its kind (a number at a comma, SYMBOL at a quote, the entry, after SYMBOL, at `]`).
  let i = f.indexOf('[', 1) + 1;
  if (f.charCodeAt(i) === CLOSE) return true;
  for (;;) {
    const idStart = i + 7; // after `["pos",`
    const idEnd = f.indexOf(',', idStart);
    const mtsEnd = f.indexOf(',', idEnd + 1);
    const s = mtsEnd + 7; // after `,null,"`
    const sEnd = f.indexOf('"', s);
    const end = f.indexOf(']', sEnd);
    if (idEnd - idStart > MAX_ID_DIGITS || mtsEnd - idEnd - 1 > MAX_MTS_DIGITS) return false;
    if (end - sEnd > SHORT_STRETCH && hasLongInteger(f, sEnd, end)) return false;
    // `",AMOUNT,BASE_PRICE,null,IS_MATCH,IS_MARKET_SOLD,null,PRICE_ACQUIRED]`: found forward, from comma to comma.
    const a = sEnd + 2;
    const aEnd = f.indexOf(',', a);
    const m = f.indexOf(',', aEnd + 1) + 6; // after `,null,`
    if (f.charCodeAt(m) === ZERO) {
      const sold = m + 2;
      const q = sold + (f.charCodeAt(sold) === N ? 10 : 7); // after `null,null,` or `0,null,`
      const acquired = f.charCodeAt(q) === N ? null : plainValue(f, q, end);
      if (!trigger(idStart, idEnd, decimalAt(f, idEnd + 1, mtsEnd), nameAt(symbols, f, s, sEnd), plainValue(f, a, aEnd), acquired)) return false;
    }
    // `],[` or `]]`: the pattern checked which.
    if (f.charCodeAt(end + 1) !== COMMA) return true;
    i = end + 2;
  }
}

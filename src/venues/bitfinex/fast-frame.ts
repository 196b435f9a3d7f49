import { MAX_EPOCH_MS } from '../fields.js';
import { NO, RE_NUMBER, RE_SKIP_VALUE, RE_TEXT, RecentNames, STRING_CHAR, decimalAt, matchEntries, plainNumber, plainValue, testEntries } from '../scan.js';
import type { LiquidationEntry } from './schema.js';

const NUMBER = RE_NUMBER.replace('(', '(?:');
const HEAD = new RegExp(`^\\[${NUMBER},\\[`);
const NUMBER_OR_NULL = `(?:${RE_NUMBER}|null)`;
// A `pos` entry of the liq:global channel (docs "Liquidations"): the twelve fields the schema names, perhaps more after.
const ENTRY = new RegExp(
  `\\["pos",(0|[1-9][0-9]{0,14}),${RE_NUMBER},${RE_SKIP_VALUE},${RE_TEXT},${RE_NUMBER},${NUMBER_OR_NULL},${RE_SKIP_VALUE},([01]),(?:[01]|null),${RE_SKIP_VALUE},${NUMBER_OR_NULL}(?:,${RE_SKIP_VALUE})*\\]`,
  'y',
);
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const ZERO = 0x30;
const L = 0x6c;
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
  TAIL.lastIndex = end;
  return TAIL.test(frame) ? entries : undefined;
}

/**
 * A liquidation trigger (IS_MATCH 0) of Bitfinex's plain layout as the scan read it: POS_ID's text at [idStart, idEnd)
 * (canonical digits, so `String(POS_ID)`), MTS (whole milliseconds), SYMBOL, AMOUNT and PRICE_ACQUIRED (null when
 * absent), the values `JSON.parse` gives them. False declines the frame.
 */
export type PlainTrigger = (idStart: number, idEnd: number, mts: number, symbol: string, amount: number, acquired: number | null) => boolean;

// The same entry as Bitfinex writes it (the docs' examples, the simulator): the unnamed fields null, times whole
// milliseconds, numbers without exponents and of fewer than 309 integer digits (so finite, as the schema's Finite
// wants). No captures (each would be a string made): the fields are read where this layout puts them, and only of
// the triggers.
const PLAIN = '-?(?:0|[1-9][0-9]{0,307})(?:\\.[0-9]+)?';
const PLAIN_ENTRY = new RegExp(
  `\\["pos",(?:0|[1-9][0-9]{0,14}),(?:0|[1-9][0-9]{0,12}),null,"${STRING_CHAR}+",${PLAIN},(?:${PLAIN}|null),null,[01],(?:[01]|null),null,(?:${PLAIN}|null)\\]`,
  'y',
);

// The last SYMBOL read (entries of a frame mostly share their pair: it is checked first) and the pairs read lately.
let lastSymbol = '';
const symbols = new RecentNames();

/**
 * A liq:global update in Bitfinex's plain layout (PLAIN_ENTRY) read without JSON.parse: each trigger (IS_MATCH 0)
 * handed to `trigger` as `JSON.parse` and the LiquidationEntry schema give its fields; market executions (IS_MATCH
 * 1, of which the parser counts nothing) only checked as the schema checks them. True when every entry is in the
 * layout and taken and the frame ends as TAIL says; false declines the frame (`trigger` may have been called for
 * some of its entries), and readLiquidationFrame or the full path reads it.
 */
export function readPlainFrame(f: string, trigger: PlainTrigger): boolean {
  // `[CHAN_ID,[`: the channel id a plain number too (it is not read).
  const head = f.charCodeAt(0) === OPEN ? plainNumber(f, 1) : NO;
  if (head < 0 || f.charCodeAt(head) !== COMMA || f.charCodeAt(head + 1) !== OPEN) return false;
  plainText = f;
  plainTrigger = trigger;
  const end = testEntries(f, head + 2, PLAIN_ENTRY, readPlainEntry);
  plainText = '';
  if (end < 0) return false;
  if (end === f.length - 1 && f.charCodeAt(end) === CLOSE) return true;
  TAIL.lastIndex = end;
  return TAIL.test(f);
}

// The frame readPlainFrame reads and its `trigger`, for readPlainEntry (module-level: no closure made per frame).
let plainText = '';
let plainTrigger: PlainTrigger = () => false;

/** An entry PLAIN_ENTRY matched from i to end: its fields handed to plainTrigger when it is a trigger. */
function readPlainEntry(i: number, end: number): boolean {
  const f = plainText;
  // `…,IS_MATCH,IS_MARKET_SOLD,null,PRICE_ACQUIRED]`: back from PRICE_ACQUIRED, IS_MARKET_SOLD is one character or `null`.
  // (A loop, not lastIndexOf: that is a runtime call, dearer than the few characters it passes.)
  let q = end - 2;
  while (f.charCodeAt(q) !== COMMA) q--;
  q++;
  if (f.charCodeAt(q - (f.charCodeAt(q - 7) === L ? 12 : 9)) !== ZERO) return true;
  const idStart = i + 7; // after `["pos",`
  const idEnd = f.indexOf(',', idStart);
  const mtsEnd = f.indexOf(',', idEnd + 1);
  const s = mtsEnd + 7; // after `,null,"`
  let sEnd = s + lastSymbol.length;
  if (lastSymbol === '' || f.charCodeAt(sEnd) !== QUOTE || !f.startsWith(lastSymbol, s)) {
    sEnd = f.indexOf('"', s);
    lastSymbol = symbols.at(f, s, sEnd);
  }
  const a = sEnd + 2;
  const aEnd = f.indexOf(',', a);
  const acquired = f.charCodeAt(q) === N ? null : plainValue(f, q, end - 1);
  return plainTrigger(idStart, idEnd, decimalAt(f, idEnd + 1, mtsEnd), lastSymbol, plainValue(f, a, aEnd), acquired);
}

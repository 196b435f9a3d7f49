import { MAX_EPOCH_MS } from '../fields.js';
import { RE_NUMBER, RE_SKIP_VALUE, RE_TEXT, STRING_CHAR, decimalAt, matchEntries, testEntries } from '../scan.js';
import type { LiquidationEntry } from './schema.js';

const NUMBER = RE_NUMBER.replace('(', '(?:');
const HEAD = new RegExp(`^\\[${NUMBER},\\[`);
const NUMBER_OR_NULL = `(?:${RE_NUMBER}|null)`;
// A `pos` entry of the liq:global channel (docs "Liquidations"): the twelve fields the schema names, perhaps more after.
const ENTRY = new RegExp(
  `\\["pos",(0|[1-9][0-9]{0,14}),${RE_NUMBER},${RE_SKIP_VALUE},${RE_TEXT},${RE_NUMBER},${NUMBER_OR_NULL},${RE_SKIP_VALUE},([01]),(?:[01]|null),${RE_SKIP_VALUE},${NUMBER_OR_NULL}(?:,${RE_SKIP_VALUE})*\\]`,
  'y',
);
// The same entry as Bitfinex writes it (the docs' examples, the simulator): the unnamed fields null, times whole
// milliseconds, numbers without exponents. No captures (each would be a string made): the fields are read where
// this layout puts them.
const PLAIN = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_ENTRY = new RegExp(
  `\\["pos",(?:0|[1-9][0-9]{0,14}),(?:0|[1-9][0-9]{0,12}),null,"${STRING_CHAR}+",${PLAIN},(?:${PLAIN}|null),null,[01],(?:[01]|null),null,(?:${PLAIN}|null)\\]`,
  'y',
);
const MINUS = 0x2d;
const QUOTE = 0x22;
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
  const plain = readPlainEntries(frame, head[0].length);
  if (plain !== undefined) return plain;
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

/** A plain number of PLAIN_ENTRY between start and end: the value JSON.parse gives it (decimalAt for its digits). */
function plainAt(f: string, start: number, end: number): number {
  return f.charCodeAt(start) === MINUS ? -decimalAt(f, start + 1, end) : decimalAt(f, start, end);
}

/** The entries when every one is in PLAIN_ENTRY's layout and the frame ends as TAIL says; otherwise undefined. */
function readPlainEntries(f: string, start: number): LiquidationEntry[] | undefined {
  const entries: LiquidationEntry[] = [];
  let symbol = '';
  const read = (i: number, end: number): boolean => {
    const id = i + 7; // after `["pos",`
    const idEnd = f.indexOf(',', id);
    const mtsEnd = f.indexOf(',', idEnd + 1);
    const s = mtsEnd + 7; // after `,null,"`
    // Entries of a frame mostly share their pair: its string is made once.
    let sEnd = s + symbol.length;
    if (symbol === '' || f.charCodeAt(sEnd) !== QUOTE || !f.startsWith(symbol, s)) {
      sEnd = f.indexOf('"', s);
      symbol = f.slice(s, sEnd);
    }
    const a = sEnd + 2;
    const aEnd = f.indexOf(',', a);
    const placedEnd = f.indexOf(',', aEnd + 1);
    const acquired = f.lastIndexOf(',', end - 2) + 1;
    const amount = plainAt(f, a, aEnd);
    const placed = f.charCodeAt(aEnd + 1) === N ? null : plainAt(f, aEnd + 1, placedEnd);
    const acquiredValue = f.charCodeAt(acquired) === N ? null : plainAt(f, acquired, end - 1);
    // Finite as the schema's Finite (a number of 309 digits is Infinity).
    if (!(Math.abs(amount) < Infinity) || (placed !== null && !(Math.abs(placed) < Infinity)) || (acquiredValue !== null && !(Math.abs(acquiredValue) < Infinity))) return false;
    const isMatch = f.charCodeAt(placedEnd + 6) === 0x31 ? 1 : 0; // after `,null,`
    entries.push(['pos', decimalAt(f, id, idEnd), decimalAt(f, idEnd + 1, mtsEnd), null, symbol, amount, placed, null, isMatch, null, null, acquiredValue]);
    return true;
  };
  const end = testEntries(f, start, PLAIN_ENTRY, read);
  if (end < 0) return undefined;
  TAIL.lastIndex = end;
  return TAIL.test(f) ? entries : undefined;
}

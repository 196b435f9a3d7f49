import { SpanSlots, nameAt } from '../fast-events.js';
import { MAX_FINITE_DIGITS, RE_NUMBER, RE_TEXT, STRING_CHAR, decimalAt, endsAt, hasLongInteger, matchEntries, testFrom } from '../scan.js';
import { LIQUIDATION_TABLE, type BitmexLiquidationRow } from './schema.js';

const HEAD = `{"table":"${LIQUIDATION_TABLE}","action":"insert","data":[`;
// BitMEX's layout of an inserted liquidation order (docs "liquidation" table); orderID the schema's GUID.
const ROW = new RegExp(`\\{"orderID":"([0-9a-fA-F-]{1,64})","symbol":${RE_TEXT},"side":"(Buy|Sell)","price":${RE_NUMBER},"leavesQty":${RE_NUMBER}\\}`, 'y');
const positive = (n: number): boolean => n > 0 && n < Infinity;

/**
 * A liquidation `insert` in BitMEX's own layout read without JSON.parse: its rows as `JSON.parse` plus the
 * TableMessage and LiquidationRow schemas give them, or undefined (declined: the full path reads it).
 */
export function readInsertFrame(frame: string): BitmexLiquidationRow[] | undefined {
  if (!frame.startsWith(HEAD)) return undefined;
  const rows: BitmexLiquidationRow[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const price = Number(m[4]);
    const leavesQty = Number(m[5]);
    if (!positive(price) || !positive(leavesQty)) return false;
    rows.push({ orderID: m[1]!, symbol: m[2]!, side: m[3] as 'Buy' | 'Sell', price, leavesQty });
    return true;
  };
  return endsAt(frame, matchEntries(frame, HEAD.length, ROW, read), '}') ? rows : undefined;
}

// The same row as BitMEX writes it: numbers plain (no sign, no exponent). No captures (each would be a string made):
// the fields are read where this layout puts them. (A scan written out in place of the pattern measured slower.) The
// lengths the schema bounds are checked on the positions, not by counted repeats (`{1,64}`, `{0,307}`), which cost the
// pattern a counter per character.
const PLAIN = '(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
/** The schema's longest orderID. */
const MAX_ID_CHARS = 64;
const PLAIN_ROW = `\\{"orderID":"[0-9a-fA-F-]+","symbol":"${STRING_CHAR}+","side":"(?:Buy|Sell)","price":${PLAIN},"leavesQty":${PLAIN}\\}`;
// The whole insert, head to end, in one pattern: one test per frame. A `startsWith` of the head alone cost a third
// of what the pattern costs, and a test per row its own fixed cost again (most inserts hold one row).
const PLAIN_INSERT = new RegExp(`${HEAD.replace(/[{[]/g, '\\$&')}${PLAIN_ROW}(?:,${PLAIN_ROW})*\\]\\}$`, 'y');
const COMMA = 0x2c;
const B = 0x42;

/**
 * A row of the plain layout as the scan read it: orderID's text at [idStart, idEnd), symbol, side, price and
 * leavesQty, the values `JSON.parse` and LiquidationRow give them (the numbers may be 0, which LiquidationRow
 * refuses: the callee's to decline). False declines the frame.
 */
export type PlainInsertRow = (idStart: number, idEnd: number, symbol: string, side: 'Buy' | 'Sell', price: number, leavesQty: number) => boolean;

// The contracts read lately, one string each.
const symbols = new SpanSlots<string>();

/**
 * A liquidation `insert` whose every row is in BitMEX's plain layout (PLAIN_ROW), each handed to `row`. True when
 * every row was read and taken; false declines the frame (`row` may have been called for some of its rows), and
 * readInsertFrame or the full path reads it. The pattern checked the whole frame first, so each field is found by
 * the character that ends it (no string in the layout holds a quote; no number a comma or a brace).
 */
export function readPlainInsert(f: string, row: PlainInsertRow): boolean {
  if (!testFrom(PLAIN_INSERT, f, 0)) return false;
  for (let i = HEAD.length; ; ) {
    const idStart = i + 12; // after `{"orderID":"`
    const idEnd = f.indexOf('"', idStart);
    const s = idEnd + 12; // after `","symbol":"`
    const sEnd = f.indexOf('"', s);
    const symbol = nameAt(symbols, f, s, sEnd);
    const buy = f.charCodeAt(sEnd + 10) === B; // after `","side":"`
    const p = sEnd + (buy ? 23 : 24); // after `Buy","price":`
    const pEnd = f.indexOf(',', p);
    const q = pEnd + 13; // after `,"leavesQty":`
    const end = f.indexOf('}', q);
    if (idEnd - idStart > MAX_ID_CHARS) return false;
    // Numbers of fewer than 309 integer digits: finite, as the schema's Positive wants.
    if (end - p > MAX_FINITE_DIGITS && hasLongInteger(f, p, end)) return false;
    if (!row(idStart, idEnd, symbol, buy ? 'Buy' : 'Sell', decimalAt(f, p, pEnd), decimalAt(f, q, end))) return false;
    // `},{` or `}]}`: the pattern checked which.
    if (f.charCodeAt(end + 1) !== COMMA) return true;
    i = end + 2;
  }
}

import { RE_NUMBER, RE_TEXT, RecentNames, STRING_CHAR, decimalAt, endsAt, matchEntries, testEntries } from '../scan.js';
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

// The same row as BitMEX writes it: numbers plain (no sign, no exponent) and of fewer than 309 integer digits, so
// finite as the schema's Positive wants. No captures (each would be a string made): the fields are read where this
// layout puts them. (A scan written out in place of the pattern measured slower.)
const PLAIN = '(?:0|[1-9][0-9]{0,307})(?:\\.[0-9]+)?';
const PLAIN_ROW = new RegExp(`\\{"orderID":"[0-9a-fA-F-]{1,64}","symbol":"${STRING_CHAR}+","side":"(?:Buy|Sell)","price":${PLAIN},"leavesQty":${PLAIN}\\}`, 'y');
const QUOTE = 0x22;
const OBJECT_END = 0x7d;
const B = 0x42;

/**
 * A row of the plain layout as the scan read it: orderID's text at [idStart, idEnd), symbol, side, price and
 * leavesQty, the values `JSON.parse` and LiquidationRow give them (the numbers may be 0, which LiquidationRow
 * refuses: the callee's to decline). False declines the frame.
 */
export type PlainInsertRow = (idStart: number, idEnd: number, symbol: string, side: 'Buy' | 'Sell', price: number, leavesQty: number) => boolean;

// The frame readPlainInsert reads and its callee, for readPlainRow (module-level: no closure made per frame).
let plainText = '';
let plainRow: PlainInsertRow = () => false;
// The last symbol read (rows of an insert mostly share their contract: it is checked first) and the contracts read lately.
let lastSymbol = '';
const symbols = new RecentNames();

/** The row PLAIN_ROW matched from i to end, handed to plainRow. */
function readPlainRow(i: number, end: number): boolean {
  const f = plainText;
  const idStart = i + 12; // after `{"orderID":"`
  const idEnd = f.indexOf('"', idStart);
  const s = idEnd + 12; // after `","symbol":"`
  let sEnd = s + lastSymbol.length;
  if (lastSymbol === '' || f.charCodeAt(sEnd) !== QUOTE || !f.startsWith(lastSymbol, s)) {
    sEnd = f.indexOf('"', s);
    lastSymbol = symbols.at(f, s, sEnd);
  }
  const buy = f.charCodeAt(sEnd + 10) === B; // after `","side":"`
  const p = sEnd + (buy ? 23 : 24); // after `Buy","price":`
  const pEnd = f.indexOf(',', p);
  return plainRow(idStart, idEnd, lastSymbol, buy ? 'Buy' : 'Sell', decimalAt(f, p, pEnd), decimalAt(f, pEnd + 13, end - 1)); // after `,"leavesQty":`
}

/**
 * A liquidation `insert` whose every row is in BitMEX's plain layout (PLAIN_ROW), each handed to `row`. True when
 * every row was read and taken; false declines the frame (`row` may have been called for some of its rows), and
 * readInsertFrame or the full path reads it.
 */
export function readPlainInsert(frame: string, row: PlainInsertRow): boolean {
  if (!frame.startsWith(HEAD)) return false;
  plainText = frame;
  plainRow = row;
  const end = testEntries(frame, HEAD.length, PLAIN_ROW, readPlainRow);
  plainText = '';
  return end === frame.length - 1 && frame.charCodeAt(end) === OBJECT_END;
}

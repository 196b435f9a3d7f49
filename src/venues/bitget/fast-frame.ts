import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_TEXT, RecentNames, STRING_CHAR, decimalAt, matchEntries, testEntries } from '../scan.js';
import { INST_TYPES, LIQUIDATION_TOPIC, type BitgetLiquidationRow, type InstType } from './schema.js';

const HEAD = '{"data":[';
// Bitget's layout of a row (docs "Liquidation Channel"): every value a string.
const ROW = new RegExp(`\\{"symbol":${RE_TEXT},"side":"(buy|sell)","price":"(${DECIMAL_SOURCE})","amount":"(${DECIMAL_SOURCE})","ts":"([0-9]{1,13})"\\}`, 'y');
const TAIL = new RegExp(`,"arg":\\{"instType":"(${INST_TYPES.join('|')})","topic":"${LIQUIDATION_TOPIC}"\\},"action":"(?:snapshot|update)"(?:,"ts":${RE_EPOCH_MS})?\\}$`, 'y');

/**
 * A liquidation push in Bitget's own layout (`data` first, then `arg`, `action`, `ts`) read without JSON.parse: its
 * instType and rows as `JSON.parse` plus the LiquidationPush and LiquidationRow schemas give them, or undefined
 * (declined: the full path reads it).
 */
export function readLiquidationFrame(frame: string): { instType: InstType; rows: BitgetLiquidationRow[] } | undefined {
  if (!frame.startsWith(HEAD)) return undefined;
  const rows: BitgetLiquidationRow[] = [];
  const read = (m: RegExpExecArray): boolean => {
    rows.push({ symbol: m[1]!, side: m[2] as 'buy' | 'sell', price: m[3]!, amount: m[4]!, ts: m[5]! });
    return true;
  };
  const end = matchEntries(frame, HEAD.length, ROW, read);
  if (end < 0) return undefined;
  TAIL.lastIndex = end;
  const tail = TAIL.exec(frame);
  return tail === null ? undefined : { instType: tail[1] as InstType, rows };
}

// The same row as Bitget writes it, decimals of fewer than 309 integer digits (so finite, as decimalValue wants). No
// captures (each would be a string made): the fields are read where this layout puts them.
const PLAIN_DECIMAL = '[0-9]{1,308}(?:\\.[0-9]+)?';
const PLAIN_ROW = new RegExp(`\\{"symbol":"${STRING_CHAR}+","side":"(?:buy|sell)","price":"${PLAIN_DECIMAL}","amount":"${PLAIN_DECIMAL}","ts":"[0-9]{1,13}"\\}`, 'y');
// TAIL without captures, from the `,` after the rows: its instType is told by two characters.
const PLAIN_TAIL = new RegExp(`,"arg":\\{"instType":"(?:${INST_TYPES.join('|')})","topic":"${LIQUIDATION_TOPIC}"\\},"action":"(?:snapshot|update)"(?:,"ts":${RE_EPOCH_MS.replace('(', '(?:')})?\\}$`, 'y');
const ARG = '],"arg":{"instType":"';
const QUOTE = 0x22;
const LOWER_B = 0x62;
const LOWER_C = 0x63;
const LOWER_T = 0x74;

/**
 * A row of the plain layout as the scan read it: symbol, side, price and amount (values and the texts at
 * [priceStart, priceEnd) and [amountStart, amountEnd)), ts (value and text at [tsStart, tsEnd)), as `JSON.parse`,
 * LiquidationRow and decimalValue give them. False declines the frame.
 */
export type PlainRow = (
  symbol: string,
  buy: boolean,
  price: number,
  priceStart: number,
  priceEnd: number,
  amount: number,
  amountStart: number,
  amountEnd: number,
  ts: number,
  tsStart: number,
  tsEnd: number,
) => boolean;

// The frame readPlainPush reads and its callee, for readPlainRow (module-level: no closure made per frame).
let plainText = '';
let plainRow: PlainRow = () => false;
// The last symbol read (rows of a push mostly share their market: it is checked first) and the markets read lately.
let lastSymbol = '';
const symbols = new RecentNames();

/** The row PLAIN_ROW matched from i to end, handed to plainRow. */
function readPlainRow(i: number, end: number): boolean {
  const f = plainText;
  const s = i + 11; // after `{"symbol":"`
  let sEnd = s + lastSymbol.length;
  if (lastSymbol === '' || f.charCodeAt(sEnd) !== QUOTE || !f.startsWith(lastSymbol, s)) {
    sEnd = f.indexOf('"', s);
    lastSymbol = symbols.at(f, s, sEnd);
  }
  const buy = f.charCodeAt(sEnd + 10) === LOWER_B; // after `","side":"`
  const p = sEnd + (buy ? 24 : 25); // after `buy","price":"`
  const pEnd = f.indexOf('"', p);
  const a = pEnd + 12; // after `","amount":"`
  const aEnd = f.indexOf('"', a);
  const t = aEnd + 8; // after `","ts":"`
  return plainRow(lastSymbol, buy, decimalAt(f, p, pEnd), p, pEnd, decimalAt(f, a, aEnd), a, aEnd, decimalAt(f, t, end - 2), t, end - 2);
}

/**
 * A liquidation push whose every row is in Bitget's plain layout (PLAIN_ROW) and whose `arg`, `action` and `ts`
 * follow as TAIL says: its instType, or undefined (declined: readLiquidationFrame or the full path reads it). Each
 * row is handed to `row(instType, …)` once the instType is known; `begin` is called with it first and may decline.
 */
export function readPlainPush(f: string, begin: (instType: InstType) => boolean, row: PlainRow): boolean {
  if (!f.startsWith(HEAD)) return false;
  // The rows end where `arg` begins: the first such text, as no string of the layout holds a quote (rows that end
  // anywhere else decline the frame below). indexOf, not lastIndexOf (a runtime call) nor a loop back from the end
  // (the profile's dearest line).
  const rowsEnd = f.indexOf(ARG, HEAD.length);
  if (rowsEnd < 0) return false;
  PLAIN_TAIL.lastIndex = rowsEnd + 1;
  if (!PLAIN_TAIL.test(f)) return false;
  const c = f.charCodeAt(rowsEnd + ARG.length);
  if (!begin(c === LOWER_C ? 'coin-futures' : f.charCodeAt(rowsEnd + ARG.length + 3) === LOWER_T ? 'usdt-futures' : 'usdc-futures')) return false;
  plainText = f;
  plainRow = row;
  const end = testEntries(f, HEAD.length, PLAIN_ROW, readPlainRow);
  plainText = '';
  return end === rowsEnd + 1;
}

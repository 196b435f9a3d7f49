import { RE_NUMBER, RE_TEXT, endsAt, matchEntries } from '../scan.js';
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

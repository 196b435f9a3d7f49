import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_TEXT, matchEntries } from '../scan.js';
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

import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, endsAt, isShortestText, matchEntries } from '../scan.js';
import { LIQUIDATES_CHANNEL, type GateLiquidateEntry } from './schema.js';

const HEAD = `{"channel":"${LIQUIDATES_CHANNEL}","event":"update","time":`;
const AFTER_TIME = new RegExp(`${RE_SKIP_INT},"time_ms":${RE_SKIP_INT},"result":\\[`, 'y');
// Gate's layout of an entry (docs "Public liquidates"): price a number, or with decimal sizes a decimal string; size likewise, signed.
const ENTRY = new RegExp(
  `\\{"price":(?:${RE_NUMBER}|"(${DECIMAL_SOURCE})"),"size":(?:${RE_NUMBER}|"(-?${DECIMAL_SOURCE})"),"time_ms":${RE_EPOCH_MS},"contract":"([^"\\\\\\u0000-\\u001f]+)"\\}`,
  'y',
);

/**
 * An entry as the fast path hands it over: with a number's text when it is `String(value)` (isShortestText), which
 * the event id needs. The full path's entries never carry these keys (the schema strips what it does not name).
 */
export type FastGateEntry = GateLiquidateEntry & { priceText?: string; sizeText?: string };

/**
 * A `futures.public_liquidates` update in Gate's own layout read without JSON.parse: its entries as `JSON.parse`
 * plus the LiquidatesUpdate and LiquidateEntry schemas give them, or undefined (declined: the full path reads it).
 */
export function readLiquidatesFrame(frame: string): FastGateEntry[] | undefined {
  if (!frame.startsWith(HEAD)) return undefined;
  AFTER_TIME.lastIndex = HEAD.length;
  if (AFTER_TIME.exec(frame) === null) return undefined;
  const entries: FastGateEntry[] = [];
  const read = (m: RegExpExecArray): boolean => {
    let price: number | string;
    if (m[1] !== undefined) {
      price = Number(m[1]);
      // The schema's number: finite and positive.
      if (!(price > 0 && price < Infinity)) return false;
    } else price = m[2]!;
    let size: number | string;
    if (m[3] !== undefined) {
      size = Number(m[3]);
      if (!Number.isFinite(size)) return false;
    } else size = m[4]!;
    const entry: FastGateEntry = { contract: m[6]!, price, size, time_ms: Number(m[5]) };
    if (m[1] !== undefined && isShortestText(m[1])) entry.priceText = m[1];
    if (m[3] !== undefined && isShortestText(m[3])) entry.sizeText = m[3];
    entries.push(entry);
    return true;
  };
  return endsAt(frame, matchEntries(frame, AFTER_TIME.lastIndex, ENTRY, read), '}') ? entries : undefined;
}

import { DECIMAL_SOURCE } from '../fields.js';
import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, STRING_CHAR, decimalAt, endsAt, isShortestText, matchEntries, testEntries } from '../scan.js';
import { LIQUIDATES_CHANNEL, type GateLiquidateEntry } from './schema.js';

const HEAD = `{"channel":"${LIQUIDATES_CHANNEL}","event":"update","time":`;
const AFTER_TIME = new RegExp(`${RE_SKIP_INT},"time_ms":${RE_SKIP_INT},"result":\\[`, 'y');
// Gate's layout of an entry (docs "Public liquidates"): price a number, or with decimal sizes a decimal string; size likewise, signed.
const ENTRY = new RegExp(
  `\\{"price":(?:${RE_NUMBER}|"(${DECIMAL_SOURCE})"),"size":(?:${RE_NUMBER}|"(-?${DECIMAL_SOURCE})"),"time_ms":${RE_EPOCH_MS},"contract":"([^"\\\\\\u0000-\\u001f]+)"\\}`,
  'y',
);

// The same entry as Gate writes it (the docs' example, the simulator): price a plain number, size a signed decimal
// string. No captures (each would be a string made): the fields are read where this layout puts them.
const PLAIN_ENTRY = new RegExp(
  `\\{"price":(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?,"size":"-?${DECIMAL_SOURCE}","time_ms":(?:0|[1-9][0-9]{0,12}),"contract":"${STRING_CHAR}+"\\}`,
  'y',
);
const MINUS = 0x2d;

/**
 * An entry as the fast path hands it over: with a number's text when it is `String(value)` (isShortestText), which
 * the event id needs, and a decimal string's value (`Number(size)`, read with the text). The full path's entries
 * never carry these keys (the schema strips what it does not name).
 */
export type FastGateEntry = GateLiquidateEntry & { priceText?: string; sizeText?: string; sizeValue?: number };

/**
 * A `futures.public_liquidates` update in Gate's own layout read without JSON.parse: its entries as `JSON.parse`
 * plus the LiquidatesUpdate and LiquidateEntry schemas give them, or undefined (declined: the full path reads it).
 */
export function readLiquidatesFrame(frame: string): FastGateEntry[] | undefined {
  if (!frame.startsWith(HEAD)) return undefined;
  AFTER_TIME.lastIndex = HEAD.length;
  if (AFTER_TIME.exec(frame) === null) return undefined;
  const plain = readPlainEntries(frame, AFTER_TIME.lastIndex);
  if (plain !== undefined) return plain;
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

/** The entries when every one is in PLAIN_ENTRY's layout and the frame ends there; otherwise undefined. */
function readPlainEntries(f: string, start: number): FastGateEntry[] | undefined {
  const entries: FastGateEntry[] = [];
  let contract = '';
  const read = (i: number, end: number): boolean => {
    const p = i + 9; // after `{"price":`
    const pEnd = f.indexOf(',', p);
    const price = decimalAt(f, p, pEnd);
    // The schema's number: finite and positive.
    if (!(price > 0 && price < Infinity)) return false;
    const z = pEnd + 9; // after `,"size":"`
    const zEnd = f.indexOf('"', z);
    const t = zEnd + 12; // after `","time_ms":`
    const tEnd = f.indexOf(',', t);
    const c = tEnd + 13; // after `,"contract":"`
    // Entries of a frame often share their contract: its string is made once.
    if (contract === '' || end - 2 - c !== contract.length || !f.startsWith(contract, c)) contract = f.slice(c, end - 2);
    const size = f.charCodeAt(z) === MINUS ? -decimalAt(f, z + 1, zEnd) : decimalAt(f, z, zEnd);
    const priceText = f.slice(p, pEnd);
    const entry: FastGateEntry = { contract, price, size: f.slice(z, zEnd), time_ms: decimalAt(f, t, tEnd), sizeValue: size };
    if (isShortestText(priceText)) entry.priceText = priceText;
    entries.push(entry);
    return true;
  };
  return endsAt(f, testEntries(f, start, PLAIN_ENTRY, read), '}') ? entries : undefined;
}

import { DECIMAL_SOURCE } from '../fields.js';
import { ARRAY_END, NO, RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, STRING_CHAR, decimalAt, endsAt, isShortestText, matchEntries, testFrom } from '../scan.js';
import { LIQUIDATES_CHANNEL, type GateLiquidateEntry } from './schema.js';

// The update's envelope up to its first entry: `time` and `time_ms` canonical integers of at most 15 digits (safe
// integers; the schema reads neither). One sticky pattern: on this stretch it costs less than `startsWith` of the head.
const HEAD = new RegExp(`\\{"channel":"${LIQUIDATES_CHANNEL.replace('.', '\\.')}","event":"update","time":${RE_SKIP_INT},"time_ms":${RE_SKIP_INT},"result":\\[`, 'y');

/** The head's shortest text before the result's `[` (both times one digit). */
const HEAD_MIN = `{"channel":"${LIQUIDATES_CHANNEL}","event":"update","time":0,"time_ms":0,"result":`.length;

/** The position of the update's first entry (after `"result":[`), or NO. */
function entriesAt(f: string): number {
  HEAD.lastIndex = 0;
  return HEAD.test(f) ? HEAD.lastIndex : NO;
}

// Gate's layout of an entry (docs "Public liquidates"): price a number, or with decimal sizes a decimal string; size likewise, signed.
const ENTRY = new RegExp(
  `\\{"price":(?:${RE_NUMBER}|"(${DECIMAL_SOURCE})"),"size":(?:${RE_NUMBER}|"(-?${DECIMAL_SOURCE})"),"time_ms":${RE_EPOCH_MS},"contract":"([^"\\\\\\u0000-\\u001f]+)"\\}`,
  'y',
);

// The same entry as Gate writes it (the docs' example, the simulator): price a plain number, size a signed decimal
// string. No captures (each would be a string made): the fields are read where this layout puts them. No counted
// repeats either (`{0,12}` cost the pattern a counter per digit): the time's length is checked on its position.
const PLAIN_ENTRY = `\\{"price":(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?,"size":"-?${DECIMAL_SOURCE}","time_ms":(?:0|[1-9][0-9]*),"contract":"${STRING_CHAR}+"\\}`;
/** EpochMs' longest text (fields.ts). */
const MAX_TIME_DIGITS = 13;
// The whole update in that layout, head to end, in one pattern: one test per frame (a test for the head and one per
// entry each cost their fixed cost again, and most updates hold one entry). The envelope's `time` and `time_ms` are
// any JSON integers here: no path reads them (LiquidatesUpdate does not name them).
const PLAIN_UPDATE = new RegExp(
  `\\{"channel":"${LIQUIDATES_CHANNEL.replace('.', '\\.')}","event":"update","time":(?:0|[1-9][0-9]*),"time_ms":(?:0|[1-9][0-9]*),"result":\\[(?:${PLAIN_ENTRY}(?:,${PLAIN_ENTRY})*)?\\]\\}$`,
  'y',
);
const OPEN = '[';
const MINUS = 0x2d;
const COMMA = 0x2c;

/**
 * An entry as the fast path hands it over: with a number's text when it is `String(value)` (isShortestText), which
 * the event id needs. The full path's entries never carry these keys (the schema strips what it does not name).
 */
export type FastGateEntry = GateLiquidateEntry & { priceText?: string; sizeText?: string };

/**
 * A `futures.public_liquidates` update in Gate's own layout read without JSON.parse: its entries as `JSON.parse`
 * plus the LiquidatesUpdate and LiquidateEntry schemas give them, or undefined (declined: the full path reads it).
 * Any of the documented layouts of an entry; Gate's own plain layout is read by readPlainUpdate.
 */
export function readLiquidatesFrame(frame: string): FastGateEntry[] | undefined {
  const start = entriesAt(frame);
  if (start < 0) return undefined;
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
  return endsAt(frame, matchEntries(frame, start, ENTRY, read), '}') ? entries : undefined;
}

/**
 * One entry of an update in PLAIN_ENTRY's layout where the frame writes it: positions of the text the event needs and
 * the values read from it (`decimalAt`: Number of the text, which JSON.parse gives too). One object per parser,
 * refilled for every entry.
 */
export interface PlainEntry {
  /** Finite and positive (the schema's price). */
  price: number;
  p: number;
  pEnd: number;
  /** Number of the size's text, its sign included (±Infinity when too long for a double). */
  size: number;
  /** The size's text (the content of its string, sign included) from `z` to `zEnd`. */
  z: number;
  zEnd: number;
  time: number;
  t: number;
  tEnd: number;
  /** The contract's name from `c` to `cEnd`. */
  c: number;
  cEnd: number;
}

export const plainEntry = (): PlainEntry => ({ price: 0, p: 0, pEnd: 0, size: 0, z: 0, zEnd: 0, time: 0, t: 0, tEnd: 0, c: 0, cEnd: 0 });

/** What the parser does with an update in the plain layout as it is read; false from `entry` declines the frame. */
export interface PlainUpdateSink {
  begin(): void;
  entry(frame: string, e: PlainEntry): boolean;
}

/**
 * An update whose every entry is in PLAIN_ENTRY's layout (Gate's own, the simulator's), read without JSON.parse and
 * without captures: `begin` at its start, then each entry handed to `entry` where the layout puts its fields; false
 * from `entry` declines. False (declined: the capturing path, then the full path, read it) for anything else.
 */
export function readPlainUpdate(f: string, sink: PlainUpdateSink, e: PlainEntry): boolean {
  if (!testFrom(PLAIN_UPDATE, f, 0)) return false;
  sink.begin();
  // The pattern checked the whole frame: the first `[` opens the result (the head's other values hold none), and
  // each field ends at the first character of its kind (a number at a comma, a string at a quote).
  let i = f.indexOf(OPEN, HEAD_MIN) + 1;
  if (f.charCodeAt(i) === ARRAY_END) return true;
  for (;;) {
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
    const cEnd = f.indexOf('"', c);
    if (tEnd - t > MAX_TIME_DIGITS) return false;
    e.price = price;
    e.p = p;
    e.pEnd = pEnd;
    e.size = f.charCodeAt(z) === MINUS ? -decimalAt(f, z + 1, zEnd) : decimalAt(f, z, zEnd);
    e.z = z;
    e.zEnd = zEnd;
    e.time = decimalAt(f, t, tEnd);
    e.t = t;
    e.tEnd = tEnd;
    e.c = c;
    e.cEnd = cEnd;
    if (!sink.entry(f, e)) return false;
    // `},{` or `}]}`: the pattern checked which.
    if (f.charCodeAt(cEnd + 2) !== COMMA) return true;
    i = cEnd + 3;
  }
}

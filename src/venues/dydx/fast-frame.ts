import { DECIMAL_SOURCE } from '../fields.js';
import { ARRAY_END, OBJECT_END, RE_SKIP_INT, RE_SKIP_STRING, RE_SKIP_VALUE, RE_TEXT, STRING_CHAR, endsAt, matchEntries } from '../scan.js';
import type { DydxTrade } from './schema.js';

const COMMA = 0x2c;

const HEAD = new RegExp(
  `^\\{"type":"channel_data","connection_id":"[^"\\\\\\u0000-\\u001f]{0,256}","message_id":${RE_SKIP_INT},"id":${RE_TEXT},"channel":"v4_trades","version":${RE_SKIP_STRING},"contents":\\{"trades":\\[`,
);
const DECIMAL = `"(${DECIMAL_SOURCE})"`;
const SIDE = '"(BUY|SELL)"';
// The schema's IsoTime.
const ISO = '"(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z)"';
// The indexer's two layouts of a trade (the docs' example has both): id, size, price, side, createdAt, type; or id,
// side, size, price, type, createdAt; either perhaps followed by createdAtHeight.
const TRADE = new RegExp(
  `\\{"id":${RE_TEXT},(?:"size":${DECIMAL},"price":${DECIMAL},"side":${SIDE},"createdAt":${ISO},"type":${RE_TEXT}` +
    `|"side":${SIDE},"size":${DECIMAL},"price":${DECIMAL},"type":${RE_TEXT},"createdAt":${ISO})(?:,"createdAtHeight":${RE_SKIP_VALUE})?\\}`,
  'y',
);

/**
 * A `v4_trades` channel_data frame in the indexer's own layout read without JSON.parse: its market and trades as
 * `JSON.parse` plus the Envelope, TradesContents and DydxTrade schemas give them, or undefined (declined: the full
 * path reads it).
 */
export function readTradesFrame(frame: string): { market: string; trades: DydxTrade[] } | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const trades: DydxTrade[] = [];
  const read = (m: RegExpExecArray): boolean => {
    trades.push(
      m[2] !== undefined
        ? { id: m[1]!, size: m[2], price: m[3]!, side: m[4] as 'BUY' | 'SELL', createdAt: m[5]!, type: m[6]! }
        : { id: m[1]!, side: m[7] as 'BUY' | 'SELL', size: m[8]!, price: m[9]!, type: m[10]!, createdAt: m[11]! },
    );
    return true;
  };
  return endsAt(frame, matchEntries(frame, head[0].length, TRADE, read), '}}') ? { market: head[1]!, trades } : undefined;
}

// The simulator's and the live indexer's layout (id, side, size, price, type, createdAt with milliseconds,
// createdAtHeight a string), tested without captures: a match array and its strings cost more than the test
// (issue 22 §1). The fields are then read where the layout puts them.
const PLAIN_HEAD = new RegExp(
  `\\{"type":"channel_data","connection_id":"${STRING_CHAR}{0,256}","message_id":${RE_SKIP_INT},"id":"${STRING_CHAR}+","channel":"v4_trades","version":${RE_SKIP_STRING},"contents":\\{"trades":\\[`,
  'y',
);
const PLAIN_TRADE = new RegExp(
  `\\{"id":"${STRING_CHAR}+","side":"(?:BUY|SELL)","size":"${DECIMAL_SOURCE}","price":"${DECIMAL_SOURCE}","type":"${STRING_CHAR}+",` +
    `"createdAt":"\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z"(?:,"createdAtHeight":${RE_SKIP_STRING})?\\}`,
  'y',
);

/** What the parser does with a plain frame as it is read; false from either declines the frame. */
export interface PlainTradesSink {
  /** The market (`id`) is written from `start` to `end`. */
  begin(f: string, start: number, end: number): boolean;
  /**
   * One trade: its id from `idStart` to `idEnd`, size and price (decimal text) at the positions given, its type from
   * `type` to `typeEnd`, createdAt (`YYYY-MM-DDTHH:MM:SS.mmmZ`) from `createdAt`.
   */
  trade(f: string, idStart: number, idEnd: number, sell: boolean, size: number, sizeEnd: number, price: number, priceEnd: number, type: number, typeEnd: number, createdAt: number): boolean;
}

/** A `v4_trades` channel_data frame in the plain layout handed to `sink` as it is read: false declines it (readTradesFrame next). */
export function readPlainTrades(f: string, sink: PlainTradesSink): boolean {
  PLAIN_HEAD.lastIndex = 0;
  if (!PLAIN_HEAD.test(f)) return false;
  let i = PLAIN_HEAD.lastIndex;
  // The market: the first `,"id":"` (no string before it can hold a quote).
  const market = f.indexOf(',"id":"') + 7;
  if (!sink.begin(f, market, f.indexOf('"', market))) return false;
  if (f.charCodeAt(i) !== ARRAY_END)
    for (;;) {
      PLAIN_TRADE.lastIndex = i;
      if (!PLAIN_TRADE.test(f)) return false;
      const idStart = i + 7; // after `{"id":"`
      const idEnd = f.indexOf('"', idStart);
      const side = idEnd + 10; // after `","side":"`
      const sell = f.charCodeAt(side) === 0x53;
      const size = side + (sell ? 14 : 13); // after `SELL","size":"`
      const sizeEnd = f.indexOf('"', size);
      const price = sizeEnd + 11; // after `","price":"`
      const priceEnd = f.indexOf('"', price);
      const type = priceEnd + 10; // after `","type":"`
      const typeEnd = f.indexOf('"', type);
      if (!sink.trade(f, idStart, idEnd, sell, size, sizeEnd, price, priceEnd, type, typeEnd, typeEnd + 15)) return false; // createdAt after `","createdAt":"`
      i = PLAIN_TRADE.lastIndex;
      const c = f.charCodeAt(i);
      if (c === ARRAY_END) break;
      if (c !== COMMA) return false;
      i++;
    }
  return i + 3 === f.length && f.charCodeAt(i + 1) === OBJECT_END && f.charCodeAt(i + 2) === OBJECT_END;
}

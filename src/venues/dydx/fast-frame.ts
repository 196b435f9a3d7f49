import { DECIMAL_SOURCE } from '../fields.js';
import { RE_SKIP_INT, RE_SKIP_STRING, RE_SKIP_VALUE, RE_TEXT, endsAt, matchEntries } from '../scan.js';
import type { DydxTrade } from './schema.js';

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

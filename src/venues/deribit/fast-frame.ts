import { RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, RE_SKIP_VALUE, RE_TEXT, endsAt, matchEntries } from '../scan.js';
import type { DeribitTrade } from './schema.js';

const HEAD = /^\{"jsonrpc":"2\.0","method":"subscription","params":\{"channel":"trades\.[^"\\\u0000-\u001f]*","data":\[/;
// Deribit's layout of a public trade (docs "Public Trade"): mark_price, liquidation and contracts only on some;
// index_price (unread) before or after instrument_name and liquidation before instrument_name or last, as the
// docs' examples and the simulator write them.
const TRADE = new RegExp(
  `\\{"trade_seq":${RE_SKIP_INT},"trade_id":${RE_TEXT},"timestamp":${RE_EPOCH_MS},"tick_direction":${RE_SKIP_INT},"price":${RE_NUMBER},` +
    `(?:"mark_price":${RE_SKIP_VALUE},)?(?:"liquidation":"(MT|M|T)",)?(?:"index_price":${RE_SKIP_VALUE},)?"instrument_name":${RE_TEXT},` +
    `(?:"index_price":${RE_SKIP_VALUE},)?"direction":"(buy|sell)",(?:"contracts":${RE_SKIP_VALUE},)?"amount":${RE_NUMBER}(?:,"liquidation":"(MT|M|T)")?\\}`,
  'y',
);
const positive = (n: number): boolean => n > 0 && n < Infinity;

/**
 * A `trades.*` notification in Deribit's own layout read without JSON.parse: its trades as `JSON.parse` plus the
 * Notification and DeribitTrade schemas give them, or undefined (declined: the full path reads it).
 */
export function readTradesFrame(frame: string): DeribitTrade[] | undefined {
  const head = HEAD.exec(frame);
  if (head === null) return undefined;
  const trades: DeribitTrade[] = [];
  const read = (m: RegExpExecArray): boolean => {
    const price = Number(m[3]);
    const amount = Number(m[7]);
    if (!positive(price) || !positive(amount)) return false;
    const trade: DeribitTrade = { trade_id: m[1]!, instrument_name: m[5]!, timestamp: Number(m[2]), price, amount, direction: m[6] as 'buy' | 'sell' };
    // Written twice, JSON.parse keeps the last.
    const liquidation = m[8] ?? m[4];
    if (liquidation !== undefined) trade.liquidation = liquidation as 'M' | 'T' | 'MT';
    trades.push(trade);
    return true;
  };
  return endsAt(frame, matchEntries(frame, head[0].length, TRADE, read), '}}') ? trades : undefined;
}

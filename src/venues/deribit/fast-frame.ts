import { ARRAY_END, OBJECT_END, RE_EPOCH_MS, RE_NUMBER, RE_SKIP_INT, RE_SKIP_VALUE, RE_TEXT, STRING_CHAR, decimalAt, endsAt, matchEntries, plainValue } from '../scan.js';
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

// The simulator's layout (the docs' fields with index_price before instrument_name, liquidation last or absent), every
// number plain (no exponent), tested without captures: a match array and its strings cost more than the test
// (issue 22 §1). The fields are then read where the layout puts them.
const PLAIN_NUMBER = '-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?';
const PLAIN_HEAD = new RegExp(`\\{"jsonrpc":"2\\.0","method":"subscription","params":\\{"channel":"trades\\.${STRING_CHAR}*","data":\\[`, 'y');
const PLAIN_TRADE = new RegExp(
  `\\{"trade_seq":${RE_SKIP_INT},"trade_id":"${STRING_CHAR}+","timestamp":(?:0|[1-9][0-9]{0,12}),"tick_direction":${RE_SKIP_INT},"price":${PLAIN_NUMBER},` +
    `"mark_price":${PLAIN_NUMBER},"index_price":${PLAIN_NUMBER},"instrument_name":"${STRING_CHAR}+","direction":"(?:buy|sell)","amount":${PLAIN_NUMBER}` +
    `(?:,"liquidation":"(?:MT|M|T)")?\\}`,
  'y',
);
const COMMA = 0x2c;
const QUOTE = 0x22;

/** What the parser does with each trade of a plain frame as it is read; false declines the frame. */
export interface PlainTradesSink {
  /**
   * One trade: trade_id and instrument_name from their start to their end, timestamp, price and amount as JSON.parse
   * reads them (plain numbers), and its `liquidation` ('' when it has none).
   */
  trade(f: string, idStart: number, idEnd: number, timestamp: number, price: number, instrument: number, instrumentEnd: number, sell: boolean, amount: number, liquidation: '' | 'M' | 'T' | 'MT'): boolean;
}

/** A `trades.*` notification in the plain layout handed to `sink` trade by trade: false declines it (readTradesFrame next). */
export function readPlainTrades(f: string, sink: PlainTradesSink): boolean {
  PLAIN_HEAD.lastIndex = 0;
  if (!PLAIN_HEAD.test(f)) return false;
  let i = PLAIN_HEAD.lastIndex;
  if (f.charCodeAt(i) !== ARRAY_END)
    for (;;) {
      PLAIN_TRADE.lastIndex = i;
      if (!PLAIN_TRADE.test(f)) return false;
      const end = PLAIN_TRADE.lastIndex;
      const idStart = f.indexOf(',', i + 13) + 13; // after `{"trade_seq":<seq>,"trade_id":"`
      const idEnd = f.indexOf('"', idStart);
      const time = idEnd + 14; // after `","timestamp":`
      const timeEnd = f.indexOf(',', time);
      const price = f.indexOf(',', timeEnd + 18) + 9; // after `,"tick_direction":<n>,"price":`
      const priceEnd = f.indexOf(',', price);
      const mark = f.indexOf(',', priceEnd + 14); // after `,"mark_price":<n>`
      const instrument = f.indexOf(',', mark + 15) + 20; // after `,"index_price":<n>,"instrument_name":"`
      const instrumentEnd = f.indexOf('"', instrument);
      const direction = instrumentEnd + 15; // after `","direction":"`
      const sell = f.charCodeAt(direction) === 0x73;
      const amount = direction + (sell ? 15 : 14); // after `sell","amount":`
      // `…,"liquidation":"M"}`, `…"MT"}` or no liquidation (`…<amount>}`).
      let liquidation: '' | 'M' | 'T' | 'MT' = '';
      let amountEnd = end - 1;
      if (f.charCodeAt(end - 2) === QUOTE) {
        const two = f.charCodeAt(end - 4) !== QUOTE;
        liquidation = two ? 'MT' : f.charCodeAt(end - 3) === 0x4d ? 'M' : 'T';
        amountEnd = end - (two ? 20 : 19);
      }
      if (!sink.trade(f, idStart, idEnd, decimalAt(f, time, timeEnd), plainValue(f, price, priceEnd), instrument, instrumentEnd, sell, plainValue(f, amount, amountEnd), liquidation)) return false;
      i = end;
      const c = f.charCodeAt(i);
      if (c === ARRAY_END) break;
      if (c !== COMMA) return false;
      i++;
    }
  return i + 3 === f.length && f.charCodeAt(i + 1) === OBJECT_END && f.charCodeAt(i + 2) === OBJECT_END;
}

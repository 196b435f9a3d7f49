import type { LiquidationEvent, VenueId } from '../schema/events.js';
import { REFERENCE_SYMBOLS, binanceInstrument } from '../venues/binance/instruments.js';
import { bybitInstrument } from '../venues/bybit/instruments.js';
import { ReferencePrices, fillSize, noReferenceReason, notionalUsd, type Instrument } from '../venues/instruments.js';
import { decimalValue, isEpochMs, isMarketName } from '../venues/fields.js';
import { checkedResult, reject, type FrameParser } from '../venues/venue.js';
import { cutShort, salvagedLines, type RecordingItem } from './recording.js';

/**
 * tardis.dev normalized `liquidations` CSV (`exchange,symbol,timestamp,local_timestamp,id,side,price,amount`,
 * times in µs). tardis's `side` is the liquidation order's side, so `buy` closes a short. `amount` is the
 * exchange's own quantity: base units on linear markets, contracts on inverse ones. Rows are valued through
 * the venues' instrument tables (binanceInstrument, bybitInstrument), the same ones the live parsers use, so
 * an inverse future (`BTCUSDZ25`) is contracts of 1 USD and a BTC-quoted contract (`ETHBTC`) is converted to
 * USD. Fidelity follows the source venue (Binance's stream is sampled).
 */
const EXCHANGES: Record<string, (symbol: string) => VenueId | undefined> = {
  'binance-futures': () => 'binance-usdm',
  'binance-delivery': () => 'binance-coinm',
  bybit: (s) => (bybitInstrument(s).type === 'inverse' ? 'bybit-inverse' : 'bybit-linear'),
};

function instrumentFor(venue: VenueId, symbol: string): Instrument | undefined {
  switch (venue) {
    case 'binance-usdm':
    case 'binance-coinm':
      return binanceInstrument(venue, symbol);
    case 'bybit-linear':
      return bybitInstrument(symbol, 'linear');
    case 'bybit-inverse':
      return bybitInstrument(symbol, 'inverse');
    default:
      return undefined;
  }
}

export interface TardisRowParserOptions {
  /** How far apart (event time, ms) a reference row and the row it values may be; default 5 min. */
  referenceMaxAgeMs?: number;
}

/** tardis times are whole microseconds; as epoch ms, or undefined when the text is no such time. */
function microsToMs(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,19}$/.test(text)) return undefined;
  const ms = Math.floor(Number(text) / 1000);
  return isEpochMs(ms) ? ms : undefined;
}

/** What cuts a downloaded file short (cutShort's cause). */
export const CUT_SHORT = 'a download or copy cut short';

export async function* readTardisLiquidations(path: string): AsyncGenerator<RecordingItem> {
  let line = 0;
  // A .csv.gz cut short (a download stopped part way) gives its rows, then one bad line saying so, as a recording does.
  for await (const batch of salvagedLines(path)) {
    if (!Array.isArray(batch)) {
      yield cutShort(batch.cutBy, line + 1, CUT_SHORT);
      return;
    }
    for (const text of batch) {
      const item = rowItem(text, ++line);
      if (item) yield item;
    }
  }
}

/** Row `line` of a liquidations CSV as an item; undefined for the header and blank lines. */
function rowItem(text: string, line: number): RecordingItem | undefined {
  if ((line === 1 && text.startsWith('exchange,')) || text.trim() === '') return undefined;
  const [exchange = '', symbol = '', , local] = text.split(',');
  // Own keys only: `__proto__`, `constructor` or `toString` in the exchange column reached Object.prototype's
  // (a crash of the whole import, or a venue named by the symbol).
  const venue = Object.hasOwn(EXCHANGES, exchange) ? EXCHANGES[exchange]!(symbol.toUpperCase()) : undefined;
  const recv = microsToMs(local);
  if (!venue) return { ok: false, line, reason: `exchange ${exchange} is not a liqstream venue`, text };
  // The receive time goes into every event of the row: the same epoch-ms rule as a venue's own times.
  if (recv === undefined) return { ok: false, line, reason: 'invalid local_timestamp', text };
  return { ok: true, frame: { recv, venue, frame: text } };
}

/**
 * One CSV row → one LiquidationEvent. A liquidations CSV has no mark prices, so a non-USD quote (BTC) is
 * converted at the price of the last row of its reference market (BTCUSDT for BTC) within
 * `referenceMaxAgeMs` of event time; without one the row is rejected with a `no reference price` reason
 * (counted as a bad line), never added at face value.
 */
export function tardisRowParser(venue: VenueId, o: TardisRowParserOptions = {}): FrameParser {
  const references = new ReferencePrices(o.referenceMaxAgeMs);
  const referenceOf = new Map(Object.entries(REFERENCE_SYMBOLS).map(([asset, symbol]) => [symbol, asset]));
  return (row, receiveTime) => {
    const cols = row.split(',');
    if (cols.length !== 8) return reject(`expected 8 columns, got ${cols.length}`);
    const [, rawSymbol = '', ts, , id, side, priceText, amountText] = cols;
    const symbol = rawSymbol.toUpperCase();
    // The same number rules as the venue parsers (fields.ts); timestamps are whole microseconds.
    const price = decimalValue(priceText ?? '') ?? 0;
    const amount = decimalValue(amountText ?? '') ?? 0;
    const time = microsToMs(ts);
    if (!(price > 0 && amount > 0 && time !== undefined)) return reject(`invalid price/amount/timestamp: ${priceText}/${amountText}/${ts}`);
    if (side !== 'buy' && side !== 'sell') return reject(`invalid side ${side}`);
    if (!isMarketName(symbol)) return reject(`invalid symbol ${JSON.stringify(symbol)}`);
    // The id goes into the deduplication ring; tardis ids are venue trade ids, far shorter than this.
    if ((id ?? '').length > 128) return reject('id longer than 128 characters');
    const inst = instrumentFor(venue, symbol);
    if (inst === undefined) return reject(`no tardis instrument table for ${venue}`);
    const { baseQty: qty, quoteNotional } = fillSize(inst, amount, price);
    if (venue === 'binance-usdm' && referenceOf.has(symbol)) references.set(referenceOf.get(symbol)!, price, time);
    const usd = notionalUsd(inst, quoteNotional, references, time);
    if (usd === undefined) return reject(noReferenceReason(symbol, inst.quote, references.maxAgeMs));
    const event: LiquidationEvent = {
      type: 'liquidation',
      id: `${venue}:tardis:${id || `${symbol}:${ts}:${side}:${amountText}:${priceText}`}`,
      venue,
      symbol,
      base: inst.base,
      side: side === 'sell' ? 'long' : 'short',
      price,
      qty,
      notionalUsd: usd,
      eventTime: time,
      receiveTime,
      fidelity: venue.startsWith('binance') ? 'sampled' : 'complete',
      kind: 'liquidation',
      source: 'tardis-liquidations',
    };
    return checkedResult([event], 'tardis liquidation');
  };
}

import type { LiquidationEvent, OpenInterestEvent, Side } from '../../schema/events.js';
import { isEpochMs, isMarketName, preview } from '../fields.js';
import { PlainRun, SpanMap } from '../fast-events.js';
import { fillBase, fillQuote, fillSize, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, parseJsonFrame, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { PRODUCT_AT, readPlainTrade, readTradeFrame, type PlainTrade } from './fast-frame.js';
import { krakenInstrument } from './instruments.js';
import { EventMessage, KrakenTrade, Ticker, TickersAnswer, TradeSnapshot } from './schema.js';

export const VENUE = 'kraken-futures';
export const TRADE_FEED = 'trade';
export const TICKERS_SOURCE = 'tickers';

/**
 * A `liquidation` trade's taker is the liquidated account: Kraken's Equity Protection Process starts by
 * "submitting an Immediate-or-Cancel order to the market" on the account's behalf (support article 360022835671),
 * and the feed's `side` is the taker's. So a sell closed a long.
 */
export const liquidatedSide = (takerSide: 'buy' | 'sell'): Side => (takerSide === 'sell' ? 'long' : 'short');

/** Events that only acknowledge; `error`, `subscribed_failed` and `alert` are rejected with their text. */
const QUIET_EVENTS = new Set(['info', 'subscribed', 'unsubscribed', 'pong']);

/** A product as the plain path knows it: its name, instrument, whether the event check takes its names, the ids' head. */
interface Product {
  symbol: string;
  inst: Instrument;
  named: boolean;
  idHead: string;
}

export interface KrakenParserOptions {
  /** Products as discovery listed them (contract sizes); the name table describes the rest. */
  instruments?: (symbol: string) => Instrument | undefined;
  /** Read per event: while only the built-in product list is watched, `partial` (see VenueMetadata.partial). */
  fidelity?: () => 'complete' | 'partial';
}

/**
 * Kraken Futures frames → normalized events.
 *
 * - `trade` (one trade) and `trade_snapshot` (the product's recent trades on subscribe, which cover part of a
 *   reconnect's gap; the ingestor drops ids it has seen): `type: liquidation` trades only. `termination` trades
 *   (the later steps of the Equity Protection Process) are not counted: the docs name no side of theirs.
 * - A tickers answer (the open-interest poller's frames): open interest in contracts at the mark price.
 * - `heartbeat`, `info`, `subscribed` give nothing.
 */
export function createKrakenParser(opts: KrakenParserOptions = {}): FrameParser {
  const fidelity = opts.fidelity ?? (() => 'complete' as const);
  const cache = new Map<string, Instrument | null>();
  const instrumentOf = (symbol: string): Instrument | undefined => {
    let inst = cache.get(symbol);
    if (inst === undefined) {
      inst = (isMarketName(symbol) ? (opts.instruments?.(symbol) ?? krakenInstrument(symbol)) : undefined) ?? null;
      cache.set(symbol, inst);
    }
    return inst ?? undefined;
  };

  // What every liquidation of a product shares, worked out once per product and found by where a frame writes its
  // name (no string sliced out per frame); null for a name that is no product (the full path rejects its trades).
  const products = new SpanMap<Product | null>();
  const productAt = (frame: string, start: number, end: number): Product | undefined => {
    let product = products.get(frame, start, end);
    if (product === undefined) {
      const symbol = frame.slice(start, end);
      const inst = instrumentOf(symbol);
      product = inst === undefined ? null : { symbol, inst, named: plainlyNamed(VENUE, symbol, inst.base), idHead: `${VENUE}:${symbol}:` };
      products.set(symbol, product);
    }
    return product ?? undefined;
  };
  const plain: PlainTrade = { productEnd: 0, uidStart: 0, uidEnd: 0, sell: false, liquidation: false, time: 0, qty: 0, price: 0 };
  const run = new PlainRun();
  /**
   * The trade readPlainTrade read into `plain` as tradeEvent and fastEvents make it, written out: its event pushed to
   * the run, or false (declined: a value the schema refuses, a name that is no product, an event the check refuses).
   */
  const plainTrade = (): boolean => {
    const { qty, price } = plain;
    if (!(qty > 0 && qty < Infinity && price > 0 && price < Infinity)) return false;
    if (!plain.liquidation) return true;
    const frame = run.frame;
    const product = productAt(frame, PRODUCT_AT, plain.productEnd);
    if (product === undefined) return false;
    const inst = product.inst;
    const event: LiquidationEvent = {
      type: 'liquidation',
      id: product.idHead + frame.slice(plain.uidStart, plain.uidEnd),
      venue: VENUE,
      symbol: product.symbol,
      base: inst.base,
      side: plain.sell ? 'long' : 'short',
      price,
      qty: fillBase(inst, qty, price),
      notionalUsd: fillQuote(inst, qty, price),
      eventTime: plain.time,
      receiveTime: run.receiveTime,
      fidelity: fidelity(),
      kind: 'liquidation',
      source: TRADE_FEED,
    };
    return run.push(event, product.named);
  };
  const plainTrades = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    return run.end(readPlainTrade(frame, plain) && plainTrade());
  };

  /** A trade's event: undefined for a trade that is no liquidation, a string saying why it cannot be used. */
  const tradeEvent = (t: KrakenTrade, receiveTime: number): LiquidationEvent | string | undefined => {
    if (t.type !== 'liquidation') return undefined;
    const inst = instrumentOf(t.product_id);
    if (inst === undefined) return `liquidation on ${preview(t.product_id)}, which is not a Kraken futures product name`;
    const { baseQty, quoteNotional } = fillSize(inst, t.qty, t.price);
    return {
        type: 'liquidation',
        id: `${VENUE}:${t.product_id}:${t.uid}`,
        venue: VENUE,
        symbol: t.product_id,
        base: inst.base,
        side: liquidatedSide(t.side),
        price: t.price,
        qty: baseQty,
        // Every product is quoted in USD.
        notionalUsd: quoteNotional,
        eventTime: t.time,
        receiveTime,
        fidelity: fidelity(),
        kind: 'liquidation',
      source: TRADE_FEED,
    };
  };

  const trades = (rows: unknown[], receiveTime: number): ParseResult => {
    const out = new EntryResults('Kraken liquidation');
    // Trade by trade: one trade that cannot be read or valued is dead-lettered on its own; a snapshot's other
    // liquidations count.
    for (const row of rows) {
      const t = out.read(KrakenTrade, row, TRADE_FEED);
      if (t === undefined) continue;
      const made = tradeEvent(t, receiveTime);
      if (typeof made === 'string') out.reject(row, made);
      else if (made !== undefined) out.add(made, row);
    }
    return out.result();
  };

  // One trade read by the fast path: its event, or (a trade the full path would refuse) undefined, declined.
  const fastTrade = (t: KrakenTrade, receiveTime: number): ParseResult | undefined => fastEvents([t], (trade) => tradeEvent(trade, receiveTime));

  const tickers = (json: unknown, receiveTime: number): ParseResult => {
    const parsed = TickersAnswer.safeParse(json);
    if (!parsed.success) return rejectInvalid(TICKERS_SOURCE, parsed.error);
    const stated = parsed.data.serverTime === undefined ? NaN : Date.parse(parsed.data.serverTime);
    const eventTime = isEpochMs(stated) ? stated : receiveTime;
    const out = new EntryResults('Kraken open interest');
    const rows = 'tickers' in parsed.data ? parsed.data.tickers : [parsed.data.ticker];
    for (const row of rows) {
      const t = out.read(Ticker, row, TICKERS_SOURCE);
      if (t === undefined) continue;
      // Older answers (and the docs' example) write symbols in lower case; the trade feed's are upper case.
      const symbol = t.symbol.toUpperCase();
      const inst = instrumentOf(symbol);
      const mark = t.markPrice;
      // Indices (`in_`, `rr_`) and products without a mark price state nothing to value.
      if (inst === undefined || mark === undefined || mark <= 0 || t.openInterest === undefined) continue;
      const { baseQty, quoteNotional } = fillSize(inst, t.openInterest, mark);
      const event: OpenInterestEvent = { type: 'open_interest', venue: VENUE, symbol, base: inst.base, oiBase: baseQty, oiUsd: quoteNotional, markPrice: mark, eventTime, receiveTime, source: TICKERS_SOURCE };
      out.add(event, row);
    }
    return out.result();
  };

  return (frame, receiveTime) => {
    const simple = plainTrades(frame, receiveTime);
    if (simple !== undefined) return simple;
    const fast = readTradeFrame(frame);
    const made = fast === undefined ? undefined : fastTrade(fast, receiveTime);
    if (made !== undefined) return made;
    const json = parseJsonFrame(frame);
    if (!json.ok) return json;
    const msg = json.json;
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return reject('unknown message shape');
    if ('tickers' in msg || 'ticker' in msg) return tickers(msg, receiveTime);
    if ('event' in msg) {
      const ev = EventMessage.safeParse(msg);
      if (!ev.success) return rejectInvalid('event', ev.error);
      if (QUIET_EVENTS.has(ev.data.event)) return NO_EVENTS;
      return reject(`${ev.data.event}: ${preview(ev.data.message ?? '')}`);
    }
    const feed = (msg as { feed?: unknown }).feed;
    if (feed === 'heartbeat') return NO_EVENTS;
    if (feed === TRADE_FEED) return trades([msg], receiveTime);
    if (feed === 'trade_snapshot') {
      const snap = TradeSnapshot.safeParse(msg);
      return snap.success ? trades(snap.data.trades, receiveTime) : rejectInvalid('trade_snapshot', snap.error);
    }
    return reject(`unexpected feed ${preview(feed ?? '')}`);
  };
}

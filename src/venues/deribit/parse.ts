import type { LiquidationEvent, OpenInterestEvent, Side } from '../../schema/events.js';
import { compileValidator } from '../../schema/validator.js';
import { isMarketName, preview } from '../fields.js';
import { PlainRun, SpanMap } from '../fast-events.js';
import { fillBase, fillQuote, fillSize, isUsdQuote, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, parseJsonObject, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { readPlainTrades, readTradesFrame, type PlainTradesSink } from './fast-frame.js';
import { deribitInstrument } from './instruments.js';
import { BookSummary, DeribitTrade, ErrorReply, Heartbeat, Notification, ResultReply, TradeBatch } from './schema.js';

export const TRADES_SOURCE = 'trades';

const deribitTrade = compileValidator(DeribitTrade);
export const BOOK_SUMMARY_SOURCE = 'get_book_summary_by_currency';

/** The party of a trade whose position was liquidated: the maker, the taker. */
type Party = 'M' | 'T';

/**
 * The side of the liquidated position. `direction` is the taker's: a liquidated taker who sold was closing
 * a long, a liquidated maker on the other side of a taker's sell bought, so was closing a short.
 */
export function liquidatedSide(direction: 'buy' | 'sell', party: Party): Side {
  const partyBought = party === 'T' ? direction === 'buy' : direction === 'sell';
  return partyBought ? 'short' : 'long';
}

/** An instrument as the plain path knows it: its name, instrument, whether the event check takes its names, the ids' head. */
interface PlainMarket {
  symbol: string;
  inst: Instrument;
  named: boolean;
  idHead: string;
}

export interface DeribitParserOptions {
  /** Instruments as discovery or a recording listed them; the name table covers any other future. */
  instruments?: (symbol: string) => Instrument | undefined;
}

/**
 * Deribit JSON-RPC frames → normalized events.
 *
 * - `trades.*` notifications (live: `trades.future.any.100ms`): a trade with a `liquidation` field is one event per
 *   liquidated party; "MT" (both maker and taker under liquidation) is two, of opposite sides, each the full
 *   amount, because two positions were closed by it. Other trades yield nothing.
 * - A get_book_summary_by_currency answer (the open-interest poller's frames): one open-interest event per future.
 * - Heartbeats, test requests and replies to subscribe/set_heartbeat/test yield nothing; an error reply is rejected.
 */
export function createDeribitParser(opts: DeribitParserOptions = {}): FrameParser {
  const cache = new Map<string, Instrument | null>();
  const instrumentOf = (symbol: string): Instrument | undefined => {
    let inst = cache.get(symbol);
    if (inst === undefined) {
      inst = isMarketName(symbol) ? (opts.instruments?.(symbol) ?? deribitInstrument(symbol) ?? null) : null;
      cache.set(symbol, inst);
    }
    return inst ?? undefined;
  };

  const trades = (channel: string, data: unknown, receiveTime: number): ParseResult => {
    const parsed = TradeBatch.safeParse(data);
    if (!parsed.success) return rejectInvalid(channel, parsed.error);
    const out = new EntryResults('Deribit liquidation');
    // Trade by trade: a liquidation on an instrument that cannot be valued is dead-lettered on its own, and the
    // other liquidations of the notification count.
    for (const raw of parsed.data) {
      // The live channel carries every futures trade, most not liquidations: the compiled check first, zod for the reason.
      let trade: DeribitTrade;
      if (deribitTrade.is(raw)) trade = raw;
      else {
        const checked = out.read(DeribitTrade, raw, `${channel} trade`);
        if (checked === undefined) continue;
        trade = checked;
      }
      if (trade.liquidation === undefined) continue;
      const made = liquidations(trade, receiveTime);
      if (typeof made === 'string') out.reject(raw, made);
      else for (const event of made) out.add(event, raw);
    }
    return out.result();
  };

  const liquidations = (trade: DeribitTrade, receiveTime: number): LiquidationEvent[] | string => {
    const inst = instrumentOf(trade.instrument_name);
    if (inst === undefined) return `liquidation on ${preview(trade.instrument_name)}, which is not a future`;
    const { baseQty, quoteNotional } = fillSize(inst, trade.amount, trade.price);
    const usd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
    if (usd === undefined) return noReferenceReason(trade.instrument_name, inst.quote, 0);
    const parties: Party[] = trade.liquidation === 'MT' ? ['T', 'M'] : [trade.liquidation as Party];
    return parties.map((party) => ({
      type: 'liquidation',
      // trade_id is unique per currency only (docs "trade_id"): the instrument keeps two currencies apart.
      id: `deribit:${trade.instrument_name}:${trade.trade_id}:${party}`,
      venue: 'deribit',
      symbol: trade.instrument_name,
      base: inst.base,
      side: liquidatedSide(trade.direction, party),
      price: trade.price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: trade.timestamp,
      receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: TRADES_SOURCE,
    }));
  };

  const bookSummary = (rows: unknown[], receiveTime: number): ParseResult => {
    const out = new EntryResults('Deribit open interest');
    for (const row of rows) {
      const s = out.read(BookSummary, row, BOOK_SUMMARY_SOURCE);
      if (s === undefined) continue;
      const inst = instrumentOf(s.instrument_name);
      // Options and combos share the method; a row without open interest or mark states nothing to value.
      if (inst === undefined || s.open_interest === undefined || s.mark_price == null) continue;
      const { baseQty, quoteNotional } = fillSize(inst, s.open_interest, s.mark_price);
      const usd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
      if (usd === undefined) {
        out.reject(row, noReferenceReason(s.instrument_name, inst.quote, 0));
        continue;
      }
      const event: OpenInterestEvent = {
        type: 'open_interest',
        venue: 'deribit',
        symbol: s.instrument_name,
        base: inst.base,
        oiBase: baseQty,
        oiUsd: usd,
        markPrice: s.mark_price,
        eventTime: s.creation_timestamp,
        receiveTime,
        source: BOOK_SUMMARY_SOURCE,
      };
      out.add(event, row);
    }
    return out.result();
  };

  // A notification the fast path read: every trade's events, or undefined (declined) when one would be refused.
  const fastTrades = (list: DeribitTrade[], receiveTime: number): ParseResult | undefined =>
    fastEvents(list, (trade) => (trade.liquidation === undefined ? undefined : liquidations(trade, receiveTime)));

  // The plain path (readPlainTrades): what every liquidation of an instrument shares, worked out once per instrument
  // and found by where a frame writes its name; null for one whose liquidations the full path refuses (no future, no
  // USD quote).
  const plainMarkets = new SpanMap<PlainMarket | null>();
  const run = new PlainRun();
  const plainEvent = (m: PlainMarket, id: string, side: Side, price: number, qty: number, usd: number, eventTime: number): LiquidationEvent => ({
    type: 'liquidation',
    id,
    venue: 'deribit',
    symbol: m.symbol,
    base: m.inst.base,
    side,
    price,
    qty,
    notionalUsd: usd,
    eventTime,
    receiveTime: run.receiveTime,
    fidelity: 'complete',
    kind: 'liquidation',
    source: TRADES_SOURCE,
  });
  // liquidations and fastEvents written out for the plain layout: a trade the full path would refuse declines the frame.
  const plainSink: PlainTradesSink = {
    trade(f, idStart, idEnd, timestamp, price, instrument, instrumentEnd, sell, amount, liquidation) {
      // The schema's Positive, for every trade (a refused trade is dead-lettered, a liquidation or not).
      if (!(price > 0 && price < Infinity && amount > 0 && amount < Infinity)) return false;
      if (liquidation === '') return true;
      let m = plainMarkets.get(f, instrument, instrumentEnd);
      if (m === undefined) {
        const symbol = f.slice(instrument, instrumentEnd);
        const inst = instrumentOf(symbol);
        m = inst === undefined || !isUsdQuote(inst.quote) ? null : { symbol, inst, named: plainlyNamed('deribit', symbol, inst.base), idHead: `deribit:${symbol}:` };
        plainMarkets.set(symbol, m);
      }
      if (m === null) return false;
      const qty = fillBase(m.inst, amount, price);
      const usd = fillQuote(m.inst, amount, price);
      const id = m.idHead + f.slice(idStart, idEnd);
      const direction = sell ? 'sell' : 'buy';
      if (liquidation === 'MT') {
        const taker = plainEvent(m, `${id}:T`, liquidatedSide(direction, 'T'), price, qty, usd, timestamp);
        const maker = plainEvent(m, `${id}:M`, liquidatedSide(direction, 'M'), price, qty, usd, timestamp);
        // A refused maker declines the frame: the taker pushed before it goes with the run's events.
        return run.push(taker, m.named) && run.push(maker, m.named);
      }
      return run.push(plainEvent(m, `${id}:${liquidation}`, liquidatedSide(direction, liquidation), price, qty, usd, timestamp), m.named);
    },
  };
  const plainTrades = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    return run.end(readPlainTrades(frame, plainSink));
  };

  return (frame, receiveTime) => {
    const simple = plainTrades(frame, receiveTime);
    if (simple !== undefined) return simple;
    const fast = readTradesFrame(frame);
    const made = fast === undefined ? undefined : fastTrades(fast, receiveTime);
    if (made !== undefined) return made;
    const json = parseJsonObject(frame);
    if (!json.ok) return json;
    const m = json.json;
    if (m.method === 'subscription') {
      const n = Notification.safeParse(m);
      if (!n.success) return rejectInvalid('notification', n.error);
      const { channel, data } = n.data.params;
      // Any trades channel: the live socket subscribes `trades.future.any.100ms`, recordings may hold per-instrument ones.
      if (channel.startsWith('trades.')) return trades(channel, data, receiveTime);
      return reject(`unexpected channel ${preview(channel)}`);
    }
    if (m.method === 'heartbeat') {
      const h = Heartbeat.safeParse(m);
      return h.success ? NO_EVENTS : rejectInvalid('heartbeat', h.error);
    }
    if ('error' in m) {
      const e = ErrorReply.safeParse(m);
      if (!e.success) return rejectInvalid('error reply', e.error);
      return reject(`error reply${e.data.id === undefined ? '' : ` to request ${e.data.id}`}: ${e.data.error.code ?? ''} ${preview(e.data.error.message ?? '')}`.trim());
    }
    if ('result' in m) {
      const r = ResultReply.safeParse(m);
      if (!r.success) return rejectInvalid('reply', r.error);
      // A book summary answer is an array of rows; subscribe answers are arrays of channel names, others "ok" or objects.
      const result = r.data.result;
      if (Array.isArray(result) && result.every((x) => typeof x === 'object' && x !== null)) return bookSummary(result, receiveTime);
      return NO_EVENTS;
    }
    return reject('unknown message shape');
  };
}

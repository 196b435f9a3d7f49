import type { LiquidationEvent, OpenInterestEvent, Side } from '../../schema/events.js';
import { decimalValue, isEpochMs, isMarketName, preview } from '../fields.js';
import { PlainRun, SpanMap } from '../fast-events.js';
import { fillBase, fillQuote, fillSize, type Instrument } from '../instruments.js';
import { decimalAt } from '../scan.js';
import { EntryResults, NO_EVENTS, fastEvents, parseJsonObject, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import type { DydxSubscriptionCoverage } from './coverage.js';
import { readPlainTrades, readTradesFrame, type PlainTradesSink } from './fast-frame.js';
import { dydxInstrument } from './instruments.js';
import { DydxTrade, Envelope, PerpetualMarket, PerpetualMarkets, TradesContents } from './schema.js';

export const TRADES_CHANNEL = 'v4_trades';
export const MARKETS_SOURCE = 'perpetualMarkets';

/**
 * A `LIQUIDATED` trade's taker is the liquidated subaccount's order closing its position: selling closes a long.
 * A `DELEVERAGED` trade's taker is the deleveraged (insolvent) subaccount, its maker the offsetting one whose
 * profitable position is closed by auto-deleveraging: that position took the other side, so a taker sell closes
 * an offsetting short. (Indexer `TradeType`/`FillType` comments: "LIQUIDATED is the trade type for a fill with a
 * liquidated taker order"; "OFFSETTING is for the offsetting subaccount in a deleveraging event".)
 */
export function closedSide(side: 'BUY' | 'SELL', type: 'LIQUIDATED' | 'DELEVERAGED'): Side {
  const takerClosedLong = side === 'SELL';
  return type === 'LIQUIDATED' ? (takerClosedLong ? 'long' : 'short') : takerClosedLong ? 'short' : 'long';
}

/** A market as the plain path knows it: its name, instrument, whether the event check takes its names, the ids' head. */
interface PlainMarket {
  symbol: string;
  inst: Instrument;
  named: boolean;
  idHead: string;
}

export interface DydxParserOptions {
  /** Read per event: while only the built-in market list is watched, or a market is refused, `partial`. */
  fidelity?: () => 'complete' | 'partial';
  /** Told of every `subscribed` market and every `error`, with their connection (see coverage.ts). */
  coverage?: Pick<DydxSubscriptionCoverage, 'subscribed' | 'refusal'>;
}

/**
 * dYdX v4 indexer frames → normalized events.
 *
 * - `v4_trades` (`subscribed` with the market's recent trades, then `channel_data`, or `channel_batch_data`):
 *   `LIQUIDATED` trades are liquidations; a `DELEVERAGED` trade is the insolvent side's liquidation and the
 *   offsetting side's ADL (kind `adl`), two events, valued
 *   size × price in USD. The recent trades of a `subscribed` message are parsed too; which of them are history
 *   (older than the connection) the subscribe-history policy decides (src/pipeline/subscribe-history.ts).
 * - A perpetualMarkets answer (the open-interest poller's frames): open interest in base units × oracle price.
 * - `connected`, `unsubscribed` give nothing; `error` is rejected with its message. `subscribed` and `error` are
 *   also told to `coverage`, which keeps the venue `partial` while a subscription is refused.
 */
export function createDydxParser(opts: DydxParserOptions = {}): FrameParser {
  const fidelity = opts.fidelity ?? (() => 'complete' as const);
  const cache = new Map<string, Instrument | null>();
  const instrumentOf = (ticker: string): Instrument | undefined => {
    let inst = cache.get(ticker);
    if (inst === undefined) {
      inst = (isMarketName(ticker) ? dydxInstrument(ticker) : undefined) ?? null;
      cache.set(ticker, inst);
    }
    return inst ?? undefined;
  };

  /**
   * The events of one trade: none for ordinary trades; a `LIQUIDATED` trade is one liquidation; a `DELEVERAGED`
   * trade is two closed positions: the insolvent (deleveraged) subaccount's, a liquidation (the indexer's
   * DeleveragingEventV1 calls it "the subaccount that was liquidated"), and the offsetting subaccount's, ADL.
   */
  const tradeEvents = (market: string, inst: Instrument, t: DydxTrade, receiveTime: number): LiquidationEvent[] | string => {
    if (t.type !== 'LIQUIDATED' && t.type !== 'DELEVERAGED') return [];
    const eventTime = Date.parse(t.createdAt);
    if (!isEpochMs(eventTime)) return `invalid createdAt ${preview(t.createdAt)}`;
    const price = decimalValue(t.price);
    const size = decimalValue(t.size);
    if (price === undefined || size === undefined) return `trade ${preview(t.id)}: a value does not fit a double`;
    const { baseQty, quoteNotional } = fillSize(inst, size, price);
    const event = (id: string, side: Side, kind: 'liquidation' | 'adl'): LiquidationEvent => ({
      type: 'liquidation',
      id,
      venue: 'dydx',
      symbol: market,
      base: inst.base,
      side,
      price,
      qty: baseQty,
      // Quote USD, margined in USDC: counted 1:1.
      notionalUsd: quoteNotional,
      eventTime,
      receiveTime,
      fidelity: fidelity(),
      kind,
      source: TRADES_CHANNEL,
    });
    const id = `dydx:${market}:${t.id}`;
    if (t.type === 'LIQUIDATED') return [event(id, closedSide(t.side, 'LIQUIDATED'), 'liquidation')];
    // The ADL event keeps the trade's id (as before the insolvent side was counted); the liquidation's is marked.
    return [event(`${id}:deleveraged`, closedSide(t.side, 'LIQUIDATED'), 'liquidation'), event(id, closedSide(t.side, 'DELEVERAGED'), 'adl')];
  };

  const trades = (market: string | undefined, batches: unknown[], receiveTime: number): ParseResult => {
    if (market === undefined) return reject('v4_trades message without a market id');
    const inst = instrumentOf(market);
    if (inst === undefined) return reject(`v4_trades for ${preview(market)}, which is not a dYdX market name`);
    const out = new EntryResults('dYdX liquidation');
    // Entry by entry: a batch item or a trade that cannot be read is dead-lettered on its own; the rest count.
    for (const batch of batches) {
      const parsed = out.read(TradesContents, batch, TRADES_CHANNEL);
      if (parsed === undefined) continue;
      for (const raw of parsed.trades) {
        const t = out.read(DydxTrade, raw, `${TRADES_CHANNEL} trade`);
        if (t === undefined) continue;
        const made = tradeEvents(market, inst, t, receiveTime);
        if (typeof made === 'string') out.reject(raw, made);
        else for (const event of made) out.add(event, raw);
      }
    }
    return out.result();
  };

  // A frame the fast path read: its events, or undefined (declined) when the market or a trade would be refused.
  const fastTrades = ({ market, trades: list }: { market: string; trades: DydxTrade[] }, receiveTime: number): ParseResult | undefined => {
    const inst = instrumentOf(market);
    return inst === undefined ? undefined : fastEvents(list, (t) => tradeEvents(market, inst, t, receiveTime));
  };

  // The plain path (readPlainTrades): what every liquidation of a market shares, worked out once per market and
  // found by where a frame writes its name; null for a name that is no market (the full path rejects the frame).
  const plainMarkets = new SpanMap<PlainMarket | null>();
  let market: PlainMarket | undefined;
  const run = new PlainRun();
  // createdAt's day (`YYYY-MM-DD`) as last read and Date.parse of its midnight: the time of day is added to it.
  let day = 'none'; // no createdAt starts so: its digits are checked
  let dayMs = NaN;
  /** Date.parse of the `YYYY-MM-DDTHH:MM:SS.mmmZ` (digits checked) at `at`, or NaN where that is not plainly a time of that day. */
  const createdAtMs = (f: string, at: number): number => {
    if (!f.startsWith(day, at)) {
      day = f.slice(at, at + 10);
      dayMs = Date.parse(`${day}T00:00:00.000Z`);
    }
    const h = (f.charCodeAt(at + 11) - 48) * 10 + f.charCodeAt(at + 12) - 48;
    const m = (f.charCodeAt(at + 14) - 48) * 10 + f.charCodeAt(at + 15) - 48;
    const s = (f.charCodeAt(at + 17) - 48) * 10 + f.charCodeAt(at + 18) - 48;
    if (h > 23 || m > 59 || s > 59) return NaN;
    return dayMs + h * 3_600_000 + m * 60_000 + s * 1_000 + decimalAt(f, at + 20, at + 23);
  };
  const plainEvent = (id: string, side: Side, kind: 'liquidation' | 'adl', price: number, size: number, eventTime: number): LiquidationEvent => ({
    type: 'liquidation',
    id,
    venue: 'dydx',
    symbol: market!.symbol,
    base: market!.inst.base,
    side,
    price,
    qty: fillBase(market!.inst, size, price),
    notionalUsd: fillQuote(market!.inst, size, price),
    eventTime,
    receiveTime: run.receiveTime,
    fidelity: fidelity(),
    kind,
    source: TRADES_CHANNEL,
  });
  // tradeEvents and fastEvents written out for the plain layout: a trade the full path would refuse declines the frame.
  const plainSink: PlainTradesSink = {
    begin(f, start, end) {
      let m = plainMarkets.get(f, start, end);
      if (m === undefined) {
        const symbol = f.slice(start, end);
        const inst = instrumentOf(symbol);
        m = inst === undefined ? null : { symbol, inst, named: plainlyNamed('dydx', symbol, inst.base), idHead: `dydx:${symbol}:` };
        plainMarkets.set(symbol, m);
      }
      if (m === null) return false;
      market = m;
      return true;
    },
    trade(f, idStart, idEnd, sell, size, sizeEnd, price, priceEnd, type, typeEnd, createdAt) {
      const liquidated = typeEnd - type === 10 && f.startsWith('LIQUIDATED', type);
      if (!liquidated && !(typeEnd - type === 11 && f.startsWith('DELEVERAGED', type))) return true;
      // At most 13 digits, as the full path's isEpochMs (liquidationPasses takes the event time as such).
      const eventTime = createdAtMs(f, createdAt);
      if (!isEpochMs(eventTime)) return false;
      const p = decimalAt(f, price, priceEnd);
      const q = decimalAt(f, size, sizeEnd);
      if (!(p < Infinity && q < Infinity)) return false;
      const id = market!.idHead + f.slice(idStart, idEnd);
      const named = market!.named;
      if (liquidated) return run.push(plainEvent(id, sell ? 'long' : 'short', 'liquidation', p, q, eventTime), named);
      // A refused offsetting side declines the frame: the insolvent side pushed before it goes with the run's events.
      return (
        run.push(plainEvent(`${id}:deleveraged`, sell ? 'long' : 'short', 'liquidation', p, q, eventTime), named) &&
        run.push(plainEvent(id, sell ? 'short' : 'long', 'adl', p, q, eventTime), named)
      );
    },
  };
  const plainTrades = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    return run.end(readPlainTrades(frame, plainSink));
  };

  const markets = (json: unknown, receiveTime: number): ParseResult => {
    const parsed = PerpetualMarkets.safeParse(json);
    if (!parsed.success) return rejectInvalid(MARKETS_SOURCE, parsed.error);
    const out = new EntryResults('dYdX open interest');
    for (const raw of Object.values(parsed.data.markets)) {
      const m = out.read(PerpetualMarket, raw, MARKETS_SOURCE);
      if (m === undefined) continue;
      const inst = instrumentOf(m.ticker);
      const mark = m.oraclePrice ? decimalValue(m.oraclePrice) : undefined;
      const oi = m.openInterest === undefined ? undefined : decimalValue(m.openInterest);
      // A market without an oracle price yet, or a name that is not a market, states nothing to value.
      if (inst === undefined || mark === undefined || mark <= 0 || oi === undefined) continue;
      const event: OpenInterestEvent = {
        type: 'open_interest',
        venue: 'dydx',
        symbol: m.ticker,
        base: inst.base,
        oiBase: oi,
        oiUsd: oi * mark,
        markPrice: mark,
        // The answer carries no time of its own.
        eventTime: receiveTime,
        receiveTime,
        source: MARKETS_SOURCE,
      };
      out.add(event, raw);
    }
    return out.result();
  };

  return (frame, receiveTime) => {
    const simple = plainTrades(frame, receiveTime);
    if (simple !== undefined) return simple;
    const fast = readTradesFrame(frame);
    const made = fast === undefined ? undefined : fastTrades(fast, receiveTime);
    if (made !== undefined) return made;
    const json = parseJsonObject(frame);
    if (!json.ok) return json;
    const msg = json.json;
    if ('markets' in msg && !('type' in msg)) return markets(msg, receiveTime);
    const env = Envelope.safeParse(msg);
    if (!env.success) return rejectInvalid('message', env.error);
    const { type, channel, id, contents, connection_id: connection } = env.data;
    if (type === 'error') {
      opts.coverage?.refusal(connection, env.data.message ?? '');
      return reject(`error: ${preview(env.data.message ?? '')}`);
    }
    if (type === 'connected' || type === 'unsubscribed') return NO_EVENTS;
    if (channel !== TRADES_CHANNEL) return reject(`unexpected channel ${preview(channel ?? '')}`);
    if (type === 'channel_batch_data') return Array.isArray(contents) ? trades(id, contents, receiveTime) : reject('channel_batch_data without a list');
    if (type === 'subscribed' && id !== undefined && instrumentOf(id)) opts.coverage?.subscribed(connection, id);
    return trades(id, [contents], receiveTime);
  };
}

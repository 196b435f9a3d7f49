import type { LiquidationEvent, OpenInterestEvent } from '../../schema/events.js';
import { isEpochMs, isMarketName, preview } from '../fields.js';
import { ReferencePrices, fillBase, fillQuote, isUsdQuote, noReferenceReason, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, parseJsonFrame, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { BUILT_IN_CONTRACTS, bitmexInstrument, bitmexValue, type BitmexContract } from './instruments.js';
import { ErrorReply, InstrumentRow, LIQUIDATION_TABLE, LiquidationKeyRow, LiquidationRow, SubscribeReply, TableMessage, type BitmexInstrumentRow, type BitmexLiquidationRow } from './schema.js';
import { PlainRun } from '../fast-events.js';
import { readInsertFrame, readPlainInsert, type PlainInsertRow } from './fast-frame.js';

export const BITMEX_VENUE = 'bitmex';
export const OPEN_INTEREST_SOURCE = 'instrument';
/** The contract whose mark price is BitMEX's own USD price of bitcoin, the reference quanto contracts need. */
export const BTC_REFERENCE_SYMBOL = 'XBTUSD';

const BITMEX_ID_PREFIX = `${BITMEX_VENUE}:`;
/** Contracts whose answers the fast path keeps; past it they are worked out again (a hostile stream of names). */
const MAX_PLAIN_MARKETS = 4_096;

/** What every liquidation of a contract shares. */
interface PlainMarket {
  contract: BitmexContract;
  /** Not quanto and quoted in USD: the notional is the quote amount (bitmexValue without a reference price). */
  usd: boolean;
  /** plainlyNamed's answer for the contract and its base. */
  named: boolean;
}

export interface BitmexParserOptions {
  /** Instruments as discovery listed them (or a recording's metadata.json); quanto contracts are not among them. */
  instruments?: (symbol: string) => Instrument | undefined;
}

/**
 * BitMEX frames → normalized events.
 *
 * - The `liquidation` table lists the orders the liquidation engine has in the book, not fills. An `insert` is
 *   a position the engine took over: one event for its `leavesQty` at its price, id the order id. `update`
 *   (the same order partly filled) and `delete` (filled or cancelled) are the same liquidation again and count
 *   nothing; so does `partial`, the orders already resting when the subscription began (counted by the
 *   connection that saw them inserted, or inserted before liqstream watched). Fidelity `inferred`: the size is
 *   the position handed to the engine, not fills (docs/venues/bitmex.md).
 * - `GET /api/v1/instrument/active` answers (a JSON list; the poller's frames): every contract row replaces what
 *   the parser knew of it, XBTUSD's mark price is the BTC reference for quanto contracts, and each contract
 *   with open interest gives an event valued at its mark price like a liquidation of that many contracts.
 * - The welcome, subscribe replies and the text `pong` yield nothing; an error reply or a refused
 *   subscription is rejected, so it is dead-lettered.
 */
export function createBitmexParser(opts: BitmexParserOptions = {}): FrameParser {
  const known = new Map<string, BitmexContract>();
  const refs = new ReferencePrices();
  const contractOf = (symbol: string): BitmexContract | undefined => {
    const listed = known.get(symbol);
    if (listed !== undefined) return listed;
    const recorded = opts.instruments?.(symbol);
    return recorded !== undefined ? { instrument: recorded, quanto: false } : BUILT_IN_CONTRACTS.get(symbol);
  };

  /** An inserted row's event, or why it cannot be used. */
  const rowEvent = (row: BitmexLiquidationRow, receiveTime: number): LiquidationEvent | string => {
    if (!isMarketName(row.symbol)) return `invalid symbol ${preview(row.symbol)}`;
    const contract = contractOf(row.symbol);
    if (contract === undefined) return `unknown instrument ${row.symbol}: not in the instrument list nor the built-in table, so its contract value is unknown`;
    const value = bitmexValue(contract, row.leavesQty, row.price, refs, receiveTime);
    if (!value.ok) return noReferenceReason(row.symbol, value.missing, refs.maxAgeMs);
    return {
      type: 'liquidation',
      id: `${BITMEX_VENUE}:${row.orderID}`,
      venue: BITMEX_VENUE,
      symbol: row.symbol,
      base: contract.instrument.base,
      side: row.side === 'Sell' ? 'long' : 'short',
      price: row.price,
      qty: value.baseQty,
      notionalUsd: value.usd,
      // The table states no time: the order is live when it is pushed.
      eventTime: receiveTime,
      receiveTime,
      fidelity: 'inferred',
      kind: 'liquidation',
      source: LIQUIDATION_TABLE,
    };
  };

  const inserted = (rows: unknown[], receiveTime: number): ParseResult => {
    const out = new EntryResults('liquidation event');
    // Row by row: a quanto row before the first BTC price, or a contract nobody can value, is dead-lettered on
    // its own; the other rows of the insert count.
    for (const r of rows) {
      const row = out.read(LiquidationRow, r, 'liquidation insert');
      if (row === undefined) continue;
      const made = rowEvent(row, receiveTime);
      if (typeof made === 'string') out.reject(r, made);
      else out.add(made, r);
    }
    return out.result();
  };

  // An insert the fast path read: its events, or undefined (declined) when a row would be refused.
  const fastInserted = (rows: BitmexLiquidationRow[], receiveTime: number): ParseResult | undefined => fastEvents(rows, (row) => rowEvent(row, receiveTime));

  // Per contract: what every liquidation of it shares (its contract, whether its notional is the quote amount in USD,
  // names the event check takes as they are), worked out once; null for a name no contract has. Emptied when the
  // instrument list replaces what the parser knows.
  const markets = new Map<string, PlainMarket | null>();
  // The last symbol asked for and its answer: the scan hands over one string per contract while it repeats
  // (RecentNames), so most rows cost an identity check instead of a Map lookup. Forgotten with `markets`.
  let lastSymbol = '';
  let lastMarket: PlainMarket | null = null;
  const plainMarketOf = (symbol: string): PlainMarket | undefined => {
    if (symbol === lastSymbol) return lastMarket ?? undefined;
    let market = markets.get(symbol);
    if (market === undefined) {
      const contract = isMarketName(symbol) ? contractOf(symbol) : undefined;
      market =
        contract === undefined
          ? null
          : { contract, usd: !contract.quanto && isUsdQuote(contract.instrument.quote), named: plainlyNamed(BITMEX_VENUE, symbol, contract.instrument.base) };
      if (markets.size >= MAX_PLAIN_MARKETS) markets.clear();
      markets.set(symbol, market);
    }
    lastSymbol = symbol;
    lastMarket = market;
    return market ?? undefined;
  };
  // The insert being read (readPlainInsert hands its rows over one by one): parser-level, so a frame allocates
  // nothing but its events.
  const run = new PlainRun();
  /** rowEvent for a row of the plain layout, written out; false (the frame declined) where rowEvent refuses it. */
  const plainRow: PlainInsertRow = (idStart, idEnd, symbol, side, price, leavesQty) => {
    const market = plainMarketOf(symbol);
    if (market === undefined || !(price > 0) || !(leavesQty > 0)) return false;
    const { instrument } = market.contract;
    let qty: number;
    let usd: number;
    if (market.usd) {
      qty = fillBase(instrument, leavesQty, price);
      usd = fillQuote(instrument, leavesQty, price);
    } else {
      const value = bitmexValue(market.contract, leavesQty, price, refs, run.receiveTime);
      if (!value.ok) return false;
      qty = value.baseQty;
      usd = value.usd;
    }
    const event: LiquidationEvent = {
      type: 'liquidation',
      id: BITMEX_ID_PREFIX + run.frame.slice(idStart, idEnd),
      venue: BITMEX_VENUE,
      symbol,
      base: instrument.base,
      side: side === 'Sell' ? 'long' : 'short',
      price,
      qty,
      notionalUsd: usd,
      eventTime: run.receiveTime,
      receiveTime: run.receiveTime,
      fidelity: 'inferred',
      kind: 'liquidation',
      source: LIQUIDATION_TABLE,
    };
    return run.push(event, market.named);
  };
  const plainInserted = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    return run.end(readPlainInsert(frame, plainRow));
  };

  /** `partial`, `update` and `delete`: the same liquidations again (see above), checked but not counted. */
  const keyed = (rows: unknown[], action: string): ParseResult => {
    const out = new EntryResults(`liquidation ${action}`);
    for (const r of rows) out.read(LiquidationKeyRow, r, `liquidation ${action}`);
    return out.result();
  };

  const instrumentList = (rows: unknown[], receiveTime: number): ParseResult => {
    const valid: { row: BitmexInstrumentRow; raw: unknown }[] = [];
    const out = new EntryResults('open interest');
    for (const r of rows) {
      const row = InstrumentRow.safeParse(r);
      if (row.success && isMarketName(row.data.symbol)) valid.push({ row: row.data, raw: r });
    }
    if (valid.length === 0 && rows.length > 0) return reject('instrument list without a valid row');
    markets.clear();
    lastSymbol = '';
    for (const { row } of valid) {
      const contract = bitmexInstrument(row, 'discovery');
      if (contract !== undefined) known.set(row.symbol, contract);
      if (row.symbol === BTC_REFERENCE_SYMBOL && typeof row.markPrice === 'number') refs.set('BTC', row.markPrice, receiveTime);
    }
    for (const { row, raw } of valid) {
      const contract = known.get(row.symbol);
      const { openInterest: contracts, markPrice } = row;
      // No open interest, no mark or no contract value: nothing to state (the symbol's last value leaves the
      // totals after aggregator.oiTtlMs).
      if (contract === undefined || !contracts || typeof markPrice !== 'number' || !(markPrice > 0)) continue;
      const value = bitmexValue(contract, contracts, markPrice, refs, receiveTime);
      if (!value.ok) {
        out.reject(raw, noReferenceReason(row.symbol, value.missing, refs.maxAgeMs));
        continue;
      }
      const stated = row.timestamp === undefined ? receiveTime : Date.parse(row.timestamp);
      const event: OpenInterestEvent = {
        type: 'open_interest',
        venue: BITMEX_VENUE,
        symbol: row.symbol,
        base: contract.instrument.base,
        oiBase: value.baseQty,
        oiUsd: value.usd,
        markPrice,
        eventTime: isEpochMs(stated) ? stated : receiveTime,
        receiveTime,
        source: OPEN_INTEREST_SOURCE,
      };
      out.add(event, raw);
    }
    return out.result();
  };

  const control = (json: object): ParseResult => {
    if ('error' in json) {
      const reply = ErrorReply.safeParse(json);
      return reply.success ? reject(`BitMEX error ${reply.data.status ?? ''}: ${reply.data.error}`) : rejectInvalid('error reply', reply.error);
    }
    if ('success' in json) {
      const reply = SubscribeReply.safeParse(json);
      if (!reply.success) return rejectInvalid('subscribe reply', reply.error);
      return reply.data.success ? NO_EVENTS : reject(`subscription refused: ${preview(reply.data.subscribe)}`);
    }
    // The welcome on connect: {"info":"Welcome to the BitMEX Realtime API.",…}
    if ('info' in json && typeof json.info === 'string') return NO_EVENTS;
    return reject('unknown message shape');
  };

  return (frame, receiveTime) => {
    // The keepalive answer is the bare text `pong` (docs "Heartbeats"), not JSON.
    if (frame === 'pong') return NO_EVENTS;
    const plain = plainInserted(frame, receiveTime);
    if (plain !== undefined) return plain;
    const fast = readInsertFrame(frame);
    const made = fast === undefined ? undefined : fastInserted(fast, receiveTime);
    if (made !== undefined) return made;
    const parsed = parseJsonFrame(frame);
    if (!parsed.ok) return parsed;
    const json = parsed.json;
    if (Array.isArray(json)) return instrumentList(json, receiveTime);
    if (typeof json !== 'object' || json === null) return reject('unknown message shape');
    if (!('table' in json)) return control(json);
    const msg = TableMessage.safeParse(json);
    if (!msg.success) return rejectInvalid('table message', msg.error);
    if (msg.data.table !== LIQUIDATION_TABLE) return reject(`unexpected table ${preview(msg.data.table)}`);
    return msg.data.action === 'insert' ? inserted(msg.data.data, receiveTime) : keyed(msg.data.data, msg.data.action);
  };
}

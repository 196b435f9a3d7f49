import type { LiquidationEvent, OpenInterestEvent } from '../../schema/events.js';
import { isMarketName, preview } from '../fields.js';
import { ReferencePrices, fillBase, fillQuote, fillSize, isUsdQuote, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { EntryResults, NO_EVENTS, fastEvents, parseJsonFrame, plainlyNamed, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';
import { PlainRun } from '../fast-events.js';
import { readLiquidationFrame, readPlainFrame, type PlainTrigger } from './fast-frame.js';
import { bitfinexInstrument, isPerpetual } from './instruments.js';
import { DerivStatusRow, EventMessage, LiquidationEntry, StatusValue, bitfinexMs } from './schema.js';

export const VENUE = 'bitfinex';
export const LIQ_KEY = 'liq:global';
export const STATUS_SOURCE = 'status/deriv';

/** Events that only acknowledge or inform; `error` is rejected with its text. */
const QUIET_EVENTS = new Set(['info', 'subscribed', 'unsubscribed', 'pong', 'conf']);

/** What every liquidation of a pair shares. */
interface Market {
  inst: Instrument;
  /** Quoted in USD or a USD stablecoin: the notional needs no reference price. */
  usd: boolean;
  /** plainlyNamed's answer for the pair and its base. */
  named: boolean;
  idPrefix: string;
}

export interface BitfinexParserOptions {
  /** Reference prices of non-USD quotes (and of bases, for triggers without a price); created here when absent. */
  refs?: ReferencePrices;
}

/**
 * Bitfinex frames → normalized events.
 *
 * - `liq:global` status data `[CHAN_ID, [['pos', …], …]]`: each liquidation is reported first as its trigger
 *   (IS_MATCH 0, the whole position) and then as the market executions that close it (IS_MATCH 1, parts of the
 *   same position): only triggers are counted, or a position sold into the market would count twice. The feed is
 *   recognised by its `pos` entries, not by the channel id: a socket carries this one channel, and a recording
 *   replayed from its middle has no `subscribed` event to learn the id from.
 * - `[CHAN_ID, "hb"]` heartbeats and `info`, `subscribed`, `pong`, `conf` events give nothing; `error` is rejected.
 * - A GET /v2/status/deriv answer (the open-interest poller's frames): open interest of each perpetual in base
 *   units × mark price; the marks are also the USD reference prices of the bases (USDT counted 1:1).
 */
export function createBitfinexParser(opts: BitfinexParserOptions = {}): FrameParser {
  const refs = opts.refs ?? new ReferencePrices();
  // Per pair: its instrument and what every liquidation of it shares (a USD quote, names the event check takes as
  // they are, the id's prefix), worked out once; null for a name that is not a Bitfinex pair.
  const markets = new Map<string, Market | null>();
  const marketOf = (symbol: string): Market | undefined => {
    let market = markets.get(symbol);
    if (market === undefined) {
      const inst = isMarketName(symbol) ? bitfinexInstrument(symbol) : undefined;
      market = inst === undefined ? null : { inst, usd: isUsdQuote(inst.quote), named: plainlyNamed(VENUE, symbol, inst.base), idPrefix: `${VENUE}:${symbol}:` };
      markets.set(symbol, market);
    }
    return market ?? undefined;
  };
  const instrumentOf = (symbol: string): Instrument | undefined => marketOf(symbol)?.inst;

  /** The event of a trigger, a rejection reason, or undefined for a market execution. */
  const liquidation = (e: LiquidationEntry, receiveTime: number): LiquidationEvent | string | undefined => {
    const [, posId, rawMts, , symbol, amount, , , isMatch, , , acquired] = e;
    if (isMatch === 1) return undefined;
    const mts = bitfinexMs(rawMts);
    const inst = instrumentOf(symbol);
    if (inst === undefined) return `liquidation on ${preview(symbol)}, which is not a Bitfinex pair name`;
    if (amount === 0) return `liquidation of position ${posId} with amount 0`;
    // A trigger without PRICE_ACQUIRED is valued at the base's latest mark (only when the pair is USD-quoted).
    const price = acquired ?? (isUsdQuote(inst.quote) ? refs.usd(inst.base, mts) : undefined);
    if (price === undefined || price <= 0) return `liquidation of position ${posId} on ${preview(symbol)}: no acquired price and no recent ${inst.base} mark`;
    const { baseQty, quoteNotional } = fillSize(inst, Math.abs(amount), price);
    const usd = notionalUsd(inst, quoteNotional, refs, mts);
    if (usd === undefined) return noReferenceReason(symbol, inst.quote, refs.maxAgeMs);
    return {
      type: 'liquidation',
      id: `${VENUE}:${symbol}:${posId}`,
      venue: VENUE,
      symbol,
      base: inst.base,
      side: amount > 0 ? 'long' : 'short',
      price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: mts,
      receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: LIQ_KEY,
    };
  };

  const liquidations = (entries: unknown[], receiveTime: number): ParseResult => {
    const out = new EntryResults('Bitfinex liquidation');
    // Entry by entry: a trigger on a pair that cannot be valued (a EUR-quoted margin position) is dead-lettered
    // on its own; the other triggers of the message count.
    for (const raw of entries) {
      const entry = out.read(LiquidationEntry, raw, LIQ_KEY);
      if (entry === undefined) continue;
      const event = liquidation(entry, receiveTime);
      if (typeof event === 'string') out.reject(raw, event);
      else if (event) out.add(event, raw);
    }
    return out.result();
  };

  // An update the fast path read: its events, or undefined (declined) when an entry would be refused.
  const fastLiquidations = (entries: LiquidationEntry[], receiveTime: number): ParseResult | undefined => fastEvents(entries, (entry) => liquidation(entry, receiveTime));

  // The plain frame being read (readPlainFrame hands its entries over one by one).
  const run = new PlainRun();
  let lastSymbol = '';
  let lastMarket: Market | undefined;
  /** `liquidation` for a trigger of the plain layout, written out; false (the frame declined) where that refuses it. */
  const plainTrigger: PlainTrigger = (idStart, idEnd, mts, symbol, amount, acquired) => {
    // The scan hands over one string per pair while it repeats: the market is looked up when it changes.
    if (symbol !== lastSymbol) {
      lastMarket = marketOf(symbol);
      lastSymbol = symbol;
    }
    const market = lastMarket;
    if (market === undefined || amount === 0) return false;
    const { inst } = market;
    const price = acquired ?? (market.usd ? refs.usd(inst.base, mts) : undefined);
    if (price === undefined || price <= 0) return false;
    const size = Math.abs(amount);
    const qty = fillBase(inst, size, price);
    const quote = fillQuote(inst, size, price);
    const usd = market.usd ? quote : notionalUsd(inst, quote, refs, mts);
    if (usd === undefined) return false;
    const event: LiquidationEvent = {
      type: 'liquidation',
      // POS_ID's digits as written are String(POS_ID) (canonical, at most 15 digits).
      id: market.idPrefix + run.frame.slice(idStart, idEnd),
      venue: VENUE,
      symbol,
      base: inst.base,
      side: amount > 0 ? 'long' : 'short',
      price,
      qty,
      notionalUsd: usd,
      eventTime: mts,
      receiveTime: run.receiveTime,
      fidelity: 'complete',
      kind: 'liquidation',
      source: LIQ_KEY,
    };
    return run.push(event, market.named);
  };
  const plainLiquidations = (frame: string, receiveTime: number): ParseResult | undefined => {
    run.begin(frame, receiveTime);
    return run.end(readPlainFrame(frame, plainTrigger));
  };

  const derivStatus = (rows: unknown[], receiveTime: number): ParseResult => {
    const out = new EntryResults('Bitfinex open interest');
    for (const raw of rows) {
      const row = out.read(DerivStatusRow, raw, STATUS_SOURCE);
      if (row === undefined) continue;
      const [symbol, rawMts] = row;
      const mts = bitfinexMs(rawMts);
      const mark = StatusValue.safeParse(row[15]);
      const oi = StatusValue.safeParse(row[18]);
      if (!mark.success || !oi.success) {
        out.reject(raw, `${STATUS_SOURCE} ${preview(symbol)}: MARK_PRICE or OPEN_INTEREST is not a number`);
        continue;
      }
      const inst = instrumentOf(symbol);
      // Not a perpetual, or no mark yet (a pair without trading): nothing to state.
      if (inst === undefined || !isPerpetual(symbol) || mark.data === null || mark.data <= 0) continue;
      if (isUsdQuote(inst.quote)) refs.set(inst.base, mark.data, mts);
      if (oi.data === null || oi.data < 0) continue;
      const { baseQty, quoteNotional } = fillSize(inst, oi.data, mark.data);
      const usd = notionalUsd(inst, quoteNotional, refs, mts);
      // A perpetual settled in a currency without a USD reference (EURT): its open interest is unknown in USD,
      // which a dead letter says rather than a silent hole in the venue's total.
      if (usd === undefined) {
        out.reject(raw, noReferenceReason(symbol, inst.quote, refs.maxAgeMs));
        continue;
      }
      const event: OpenInterestEvent = { type: 'open_interest', venue: VENUE, symbol, base: inst.base, oiBase: baseQty, oiUsd: usd, markPrice: mark.data, eventTime: mts, receiveTime, source: STATUS_SOURCE };
      out.add(event, raw);
    }
    return out.result();
  };

  return (frame, receiveTime) => {
    const plain = plainLiquidations(frame, receiveTime);
    if (plain !== undefined) return plain;
    const fast = readLiquidationFrame(frame);
    const made = fast === undefined ? undefined : fastLiquidations(fast, receiveTime);
    if (made !== undefined) return made;
    const json = parseJsonFrame(frame);
    if (!json.ok) return json;
    const msg = json.json;
    if (Array.isArray(msg)) {
      if (msg.length === 0 || Array.isArray(msg[0])) return derivStatus(msg, receiveTime);
      if (typeof msg[0] !== 'number' || msg.length < 2) return reject('unknown message shape');
      if (msg[1] === 'hb') return NO_EVENTS;
      if (!Array.isArray(msg[1])) return reject(`unexpected channel data ${preview(msg[1])}`);
      return liquidations(msg[1], receiveTime);
    }
    if (typeof msg !== 'object' || msg === null) return reject('unknown message shape');
    const ev = EventMessage.safeParse(msg);
    if (!ev.success) return rejectInvalid('event', ev.error);
    if (QUIET_EVENTS.has(ev.data.event)) return NO_EVENTS;
    return reject(`${ev.data.event}: ${preview(ev.data.msg ?? '')}${ev.data.code === undefined ? '' : ` (code ${ev.data.code})`}`);
  };
}

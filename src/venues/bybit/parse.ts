import type { LiquidationEvent, OpenInterestEvent, VenueId } from '../../schema/events.js';
import { decimalValue, isMarketName } from '../fields.js';
import { fillSize, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { bybitInstrument } from './instruments.js';
import { AllLiquidation, LIQUIDATION_TOPIC, OpReply, TICKER_TOPIC, Ticker, type BybitAllLiquidation, type BybitTicker } from './schema.js';
import { NO_EVENTS, checkEvent, reject, rejectInvalid, type FrameParser, type ParseResult, parseJsonFrame } from '../venue.js';

export { LIQUIDATION_TOPIC, TICKER_TOPIC } from './schema.js';

export type BybitVenue = Extract<VenueId, 'bybit-linear' | 'bybit-inverse'>;

/** Base asset of a Bybit symbol: the instrument table's rule (bybitInstrument, instruments.ts). */
export function bybitBase(symbol: string, venue: BybitVenue): string {
  return bybitInstrument(symbol, venue === 'bybit-inverse' ? 'inverse' : 'linear').base;
}

export interface BybitParserOptions {
  venue: BybitVenue;
  /** Read per event: a venue watching a built-in subset of markets says `partial` (see VenueMetadata.partial). */
  fidelity?: () => 'complete' | 'partial';
  /** Instruments as discovery or a recording listed them; the pattern table covers any other symbol. */
  instruments?: (symbol: string) => Instrument | undefined;
}

interface TickerState {
  openInterest?: number;
  openInterestValue?: number;
  markPrice?: number;
  emittedOiBase?: number;
  emittedOiUsd?: number;
}

/** A ticker field's value; undefined when absent or "" (not sent), NaN when it does not fit a double. */
const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : (decimalValue(s) ?? Number.NaN));

/**
 * Bybit v5 public frames → normalized events.
 *
 * - `allLiquidation.{symbol}`: one event per `data` entry. `S` is the side of the liquidated position (`Buy` = a long).
 *   Linear `v` is in base coin; inverse `v` counts 1-USD contracts, so there it *is* the notional.
 * - `tickers.{symbol}`: a snapshot, then deltas that leave out what did not change; merged per symbol, and an
 *   open-interest event is emitted whenever the open interest or its USD value moved.
 * - Subscribe replies and pongs yield nothing; a refused subscription is rejected so that it is dead-lettered.
 */
export function createBybitParser(opts: BybitParserOptions): FrameParser {
  const { venue } = opts;
  const fidelity = opts.fidelity ?? (() => 'complete' as const);
  const inverse = venue === 'bybit-inverse';
  const instruments = new Map<string, Instrument>();
  // Undefined for a name no market has (see isMarketName); checked once per name, as it is cached.
  const instrumentOf = (symbol: string): Instrument | undefined => {
    let inst = instruments.get(symbol);
    if (inst === undefined) {
      if (!isMarketName(symbol)) return undefined;
      // A listed instrument of the other category (a recording's metadata mixed up) is not trusted.
      const listed = opts.instruments?.(symbol);
      inst = listed !== undefined && (listed.type === 'inverse') === inverse ? listed : bybitInstrument(symbol, inverse ? 'inverse' : 'linear');
      instruments.set(symbol, inst);
    }
    return inst;
  };
  const baseOf = (symbol: string): string | undefined => instrumentOf(symbol)?.base;
  const tickers = new Map<string, TickerState>();

  const liquidations = (msg: BybitAllLiquidation, receiveTime: number): ParseResult => {
    const topicSymbol = msg.topic.slice(LIQUIDATION_TOPIC.length + 1);
    const inst = instrumentOf(topicSymbol);
    if (inst === undefined) return reject(`invalid symbol in topic ${msg.topic}`);
    const base = inst.base;
    const events: LiquidationEvent[] = [];
    // Two positions can be liquidated in the same millisecond at the same size and bankruptcy price, and Bybit
    // batches them into one message as two identical entries. Both count, so the second gets `#1`, the third `#2`.
    // An occurrence count rather than the raw index keeps the first copy's id independent of where it sits in the
    // batch, so the same liquidation still gets the same id if it is ever pushed again (the ingestor's dedupe).
    const occurrences = new Map<string, number>();
    for (const e of msg.data) {
      if (e.s !== topicSymbol) return reject(`allLiquidation entry for ${e.s} on topic ${msg.topic}`);
      const price = Number(e.p);
      // Linear `v` is base coin; inverse `v` counts 1-USD contracts (the instrument's contractValue).
      const { baseQty, quoteNotional } = fillSize(inst, Number(e.v), price);
      // Every Bybit quote is USD or a USD stablecoin; anything else would need a reference price.
      const usd = notionalUsd(inst, quoteNotional, undefined, receiveTime);
      if (usd === undefined) return reject(noReferenceReason(e.s, inst.quote, 0));
      const key = `${e.s}:${e.T}:${e.S}:${e.v}:${e.p}`;
      const n = occurrences.get(key) ?? 0;
      occurrences.set(key, n + 1);
      const candidate: LiquidationEvent = {
        type: 'liquidation',
        id: `${venue}:${key}${n > 0 ? `#${n}` : ''}`,
        venue,
        symbol: e.s,
        base,
        side: e.S === 'Buy' ? 'long' : 'short',
        price,
        qty: baseQty,
        notionalUsd: usd,
        eventTime: e.T,
        receiveTime,
        fidelity: fidelity(),
        kind: 'liquidation',
        source: LIQUIDATION_TOPIC,
      };
      const problem = checkEvent(candidate, `liquidation from ${e.s} v=${e.v} p=${e.p}`);
      // One bad entry rejects the whole message: a dead letter is visible, a silently dropped liquidation is not.
      if (problem !== undefined) return reject(problem);
      events.push(candidate);
    }
    return events.length === 0 ? NO_EVENTS : { ok: true, events };
  };

  const ticker = (msg: BybitTicker, receiveTime: number): ParseResult => {
    const symbol = msg.topic.slice(TICKER_TOPIC.length + 1);
    if (msg.data.symbol !== undefined && msg.data.symbol !== symbol) return reject(`ticker for ${msg.data.symbol} on topic ${msg.topic}`);
    const base = baseOf(symbol);
    if (base === undefined) return reject(`invalid symbol in topic ${msg.topic}`);
    const d = msg.data;
    const values = { openInterest: num(d.openInterest), openInterestValue: num(d.openInterestValue), markPrice: num(d.markPrice) };
    // Checked before the state is touched: a value too long for a double must not stay in it.
    if (Number.isNaN(values.openInterest) || Number.isNaN(values.openInterestValue) || Number.isNaN(values.markPrice))
      return reject(`invalid ticker for ${symbol}: a value does not fit a double`);
    const previous = tickers.get(symbol);
    // A snapshot states everything (it is also what comes after a reconnect), so nothing older survives it but
    // what was last emitted, which only decides whether the new state is news.
    const state: TickerState =
      msg.type === 'snapshot' || previous === undefined ? { emittedOiBase: previous?.emittedOiBase, emittedOiUsd: previous?.emittedOiUsd } : previous;
    tickers.set(symbol, state);
    state.openInterest = values.openInterest ?? state.openInterest;
    state.openInterestValue = values.openInterestValue ?? state.openInterestValue;
    state.markPrice = values.markPrice ?? state.markPrice;
    const { openInterest, openInterestValue, markPrice } = state;
    // A delta for a symbol whose snapshot we missed (subscribed mid-stream, a lost frame) is incomplete, not wrong:
    // wait until open interest and mark price are both known.
    if (openInterest === undefined || markPrice === undefined) return NO_EVENTS;
    // Linear: openInterest is in base coin, openInterestValue in USD(T). Inverse: the other way round, openInterest
    // counts 1-USD contracts and openInterestValue is coin (docs "Get Tickers", inverse example: 373504107 / 16596 =
    // 22505.67). Deltas omit unchanged fields, so a value not resent is still the last one Bybit stated.
    const oiBase = inverse ? (openInterestValue ?? openInterest / markPrice) : openInterest;
    const oiUsd = inverse ? openInterest : (openInterestValue ?? openInterest * markPrice);
    if (oiBase === state.emittedOiBase && oiUsd === state.emittedOiUsd) return NO_EVENTS;
    const event: OpenInterestEvent = {
      type: 'open_interest',
      venue,
      symbol,
      base,
      oiBase,
      oiUsd,
      markPrice,
      eventTime: msg.ts,
      receiveTime,
      source: TICKER_TOPIC,
    };
    const problem = checkEvent(event, `open interest for ${symbol}`);
    if (problem !== undefined) return reject(problem);
    state.emittedOiBase = oiBase;
    state.emittedOiUsd = oiUsd;
    return { ok: true, events: [event] };
  };

  const control = (json: Record<string, unknown>): ParseResult => {
    const parsed = OpReply.safeParse(json);
    if (!parsed.success) return rejectInvalid('control frame', parsed.error);
    const { op, success, ret_msg: retMsg, req_id: reqId } = parsed.data;
    const request = reqId ? ` (req_id ${reqId})` : '';
    if (op === 'subscribe') {
      if (success === true) return NO_EVENTS;
      return reject(`subscribe refused: ${retMsg || 'no ret_msg'}${request}`);
    }
    // Linear/inverse public pong: {"success":true,"ret_msg":"pong","conn_id":…,"req_id":"","op":"ping"} (docs "Connect").
    if (op === 'ping' && retMsg === 'pong' && success !== false) return NO_EVENTS;
    // The option/private pong shape, {"op":"pong","args":[…]}; harmless if a gateway ever answers that way.
    if (op === 'pong') return NO_EVENTS;
    return reject(`unexpected control frame: op ${op}${retMsg ? `, ret_msg ${retMsg}` : ''}${request}`);
  };

  return (frame, receiveTime) => {
    const parsed = parseJsonFrame(frame);
    if (!parsed.ok) return parsed;
    const json = parsed.json;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject('unknown message shape');
    const msg = json as Record<string, unknown>;
    if (typeof msg.topic === 'string') {
      if (msg.topic.startsWith(`${LIQUIDATION_TOPIC}.`)) {
        const parsed = AllLiquidation.safeParse(msg);
        return parsed.success ? liquidations(parsed.data, receiveTime) : rejectInvalid(LIQUIDATION_TOPIC, parsed.error);
      }
      if (msg.topic.startsWith(`${TICKER_TOPIC}.`)) {
        const parsed = Ticker.safeParse(msg);
        return parsed.success ? ticker(parsed.data, receiveTime) : rejectInvalid(TICKER_TOPIC, parsed.error);
      }
      return reject(`unexpected topic ${msg.topic}`);
    }
    if ('op' in msg) return control(msg);
    return reject('unknown message shape');
  };
}

import type { FundingEvent, LiquidationEvent, OpenInterestEvent, VenueId } from '../../schema/events.js';
import { FundingGate, fundingEvent, signedDecimal } from '../funding.js';
import { decimalValue, isEpochMs, isMarketName } from '../fields.js';
import { fillBase, fillQuote, isUsdQuote, noReferenceReason, type Instrument } from '../instruments.js';
import { bybitInstrument } from './instruments.js';
import { readAllLiquidationFrame, readTickerFrame, type LiquidationSink, type TickerFields, type TickerFundingText } from './fast-frame.js';
import { AllLiquidation, LIQUIDATION_TOPIC, LiquidationEntry, OpReply, TICKER_TOPIC, Ticker, type BybitAllLiquidation } from './schema.js';
import {
  NO_EVENTS,
  checkEvent,
  isEpoch,
  plainlyNamed,
  entryRejection,
  invalidReason,
  reject,
  rejectInvalid,
  type EntryRejection,
  type FrameParser,
  type ParseResult,
  parseJsonFrame,
} from '../venue.js';

export { LIQUIDATION_TOPIC, TICKER_TOPIC } from './schema.js';

export type BybitVenue = 'bybit-linear' | 'bybit-inverse';

/** The longest run of one millisecond's entries whose ids are compared one by one (longer ones are hashed). */
const RUN_MAX = 16;

/** Base asset of a Bybit symbol: the instrument table's rule (bybitInstrument, instruments.ts). */
export function bybitBase(symbol: string, venue: BybitVenue): string {
  return bybitInstrument(symbol, venue === 'bybit-inverse' ? 'inverse' : 'linear').base;
}

/** A Bybit market as the parser knows it (see marketOf). */
interface Market {
  inst: Instrument;
  usd: boolean;
  plainNames: boolean;
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
  fundingRate?: number;
  nextFundingTime?: number;
  indexPrice?: number;
  fundingIntervalHour?: number;
}

/**
 * Bybit's funding interval when the ticker does not state `fundingIntervalHour`: 8 h, the interval of most
 * markets (docs "Get Tickers"; markets on 1 h or 4 h state it in that field).
 */
export const BYBIT_DEFAULT_FUNDING_HOURS = 8;

/** A ticker field's value; undefined when absent or "" (not sent), NaN when it does not fit a double. */
const num = (s: string | undefined): number | undefined => (s === undefined || s === '' ? undefined : (decimalValue(s) ?? Number.NaN));

/** A ticker's funding fields read (docs "Ticker": strings), or why one is not a value. */
function fundingValues(d: TickerFundingText): Pick<TickerState, 'fundingRate' | 'nextFundingTime' | 'indexPrice' | 'fundingIntervalHour'> | string {
  const fundingRate = signedDecimal(d.fundingRate);
  if (d.fundingRate !== undefined && d.fundingRate !== '' && fundingRate === undefined) return `fundingRate ${JSON.stringify(d.fundingRate.slice(0, 40))} is not a decimal`;
  const next = num(d.nextFundingTime);
  if (next !== undefined && !isEpochMs(next)) return `nextFundingTime ${JSON.stringify(d.nextFundingTime!.slice(0, 40))} is not epoch milliseconds`;
  const indexPrice = num(d.indexPrice);
  if (Number.isNaN(indexPrice)) return `indexPrice ${JSON.stringify(d.indexPrice!.slice(0, 40))} is not a decimal`;
  const hours = num(d.fundingIntervalHour);
  if (hours !== undefined && !(hours > 0 && hours <= 24)) return `fundingIntervalHour ${JSON.stringify(d.fundingIntervalHour!.slice(0, 40))} is not 1 to 24 hours`;
  return { fundingRate, nextFundingTime: next, indexPrice, fundingIntervalHour: hours };
}

/**
 * Bybit v5 public frames → normalized events.
 *
 * - `allLiquidation.{symbol}`: one event per `data` entry. `S` is the side of the liquidated position (`Buy` = a long).
 *   Linear `v` is in base coin; inverse `v` counts 1-USD contracts, so there it *is* the notional.
 * - `tickers.{symbol}`: a snapshot, then deltas that leave out what did not change; merged per symbol, and an
 *   open-interest event is emitted whenever the open interest or its USD value moved; a funding event (fundingRate
 *   per `fundingIntervalHour`, 8 h when not stated; nextFundingTime; mark and index price) when the rate or the
 *   schedule changed, or once a minute (src/venues/funding.ts).
 * - Subscribe replies and pongs yield nothing; a refused subscription is rejected so that it is dead-lettered.
 */
export function createBybitParser(opts: BybitParserOptions): FrameParser {
  const { venue } = opts;
  const fidelity = opts.fidelity ?? (() => 'complete' as const);
  const inverse = venue === 'bybit-inverse';
  // Per symbol: its instrument, and what every liquidation of it shares (a USD quote; names the event check takes
  // as they are), worked out once. Undefined for a name no market has (see isMarketName), checked once per name.
  const instruments = new Map<string, Market>();
  const marketOf = (symbol: string): Market | undefined => {
    let market = instruments.get(symbol);
    if (market === undefined) {
      if (!isMarketName(symbol)) return undefined;
      // A listed instrument of the other category (a recording's metadata mixed up) is not trusted.
      const listed = opts.instruments?.(symbol);
      const inst = listed !== undefined && (listed.type === 'inverse') === inverse ? listed : bybitInstrument(symbol, inverse ? 'inverse' : 'linear');
      market = { inst, usd: isUsdQuote(inst.quote), plainNames: plainlyNamed(venue, symbol, inst.base) };
      instruments.set(symbol, market);
    }
    return market;
  };
  const instrumentOf = (symbol: string): Instrument | undefined => marketOf(symbol)?.inst;
  const baseOf = (symbol: string): string | undefined => instrumentOf(symbol)?.base;
  const tickers = new Map<string, TickerState>();
  const fundingGate = new FundingGate();

  // The allLiquidation frame being read, one at a time: `begin` starts it, `entry` adds each entry in order, both
  // saying why the frame is rejected if it is; the fast path feeds them as it scans, the full path from the schema's
  // output. Parser-level, so that a frame allocates nothing but its events.
  let batchReceive = 0;
  let batchSymbol = '';
  let batchInst: Instrument | undefined;
  let batchEvents: LiquidationEvent[] = [];
  // Two positions can be liquidated in the same millisecond at the same size and bankruptcy price, and Bybit
  // batches them into one message as two identical entries. Both count, so the second gets `#1`, the third `#2`.
  // An occurrence count rather than the raw index keeps the first copy's id independent of where it sits in the
  // batch, so the same liquidation still gets the same id if it is ever pushed again (the ingestor's dedupe).
  // Bybit writes a frame's entries in time order, so the copies of an entry are in the run of entries of its T, the
  // last one: an id is compared with that run's ids only (a tenth of a linear frame's time went to filling two maps
  // per frame). A frame out of time order, or a run longer than RUN_MAX, is counted by `occurrences` from there on,
  // which is filled with the frame's ids so far.
  const occurrences = new Map<string, number>();
  const frameIds: string[] = [];
  let batchSeen = 0;
  let runT = 0;
  let runStart = 0;
  let mapped = false;
  // Every Bybit quote is USD or a USD stablecoin; anything else would need a reference price (notionalUsd).
  let batchUsd = false;
  let batchPlainNames = false;
  const begin = (topicSymbol: string, receiveTime: number): string | undefined => {
    batchReceive = receiveTime;
    batchSymbol = topicSymbol;
    const market = marketOf(topicSymbol);
    batchEvents = [];
    if (mapped) occurrences.clear();
    mapped = false;
    // The ids of a huge frame are not kept past it.
    if (frameIds.length > 1_024) frameIds.length = 0;
    batchSeen = 0;
    if (market === undefined) return `invalid symbol in topic ${LIQUIDATION_TOPIC}.${topicSymbol}`;
    batchInst = market.inst;
    batchUsd = market.usd;
    batchPlainNames = market.plainNames && isEpoch(receiveTime);
    return undefined;
  };
  // The fast path hands over T as written and the values of v and p as it read them (fast-frame.ts): the same
  // as String(T), Number(v) and Number(p), which together cost about as much as the rest of the event.
  const entry = (T: number, s: string, S: 'Buy' | 'Sell', v: string, p: string, Ttext = String(T), size = Number(v), price = Number(p)): string | undefined => {
    const inst = batchInst!;
    if (s !== batchSymbol) return `allLiquidation entry for ${s} on topic ${LIQUIDATION_TOPIC}.${batchSymbol}`;
    if (!batchUsd) return noReferenceReason(s, inst.quote, 0);
    // Linear `v` is base coin; inverse `v` counts 1-USD contracts (the instrument's contractValue).
    const baseQty = fillBase(inst, size, price);
    const usd = fillQuote(inst, size, price);
    // join builds one flat string (ids are kept for deduplication; see the Binance parser).
    const id = [venue, s, Ttext, S, v, p].join(':');
    // How many copies of this entry came before it in the frame.
    let n = 0;
    if (!mapped && batchSeen > 0 && T === runT && batchSeen - runStart < RUN_MAX) {
      for (let i = runStart; i < batchSeen; i++) if (frameIds[i] === id) n++;
    } else if (!mapped && (batchSeen === 0 || T > runT)) {
      runT = T;
      runStart = batchSeen;
    } else {
      if (!mapped) {
        mapped = true;
        for (let i = 0; i < batchSeen; i++) occurrences.set(frameIds[i]!, (occurrences.get(frameIds[i]!) ?? 0) + 1);
      }
      n = occurrences.get(id) ?? 0;
      occurrences.set(id, n + 1);
    }
    frameIds[batchSeen++] = id;
    const candidate: LiquidationEvent = {
      type: 'liquidation',
      id: n > 0 ? `${id}#${n}` : id,
      venue,
      // The topic's symbol (equal to s, checked above): one string for the whole frame, whose hash the event check keeps.
      symbol: batchSymbol,
      base: inst.base,
      side: S === 'Buy' ? 'long' : 'short',
      price,
      qty: baseQty,
      notionalUsd: usd,
      eventTime: T,
      receiveTime: batchReceive,
      fidelity: fidelity(),
      kind: 'liquidation',
      source: LIQUIDATION_TOPIC,
    };
    // A bad entry is refused on its own (the full path dead-letters it; the fast path declines the frame to it).
    // What plainlyValid would check, less what the frame's market settled once (names, receive time) and what
    // is so by construction (kind, side, source); anything else (and the reason's text) is left to checkEvent.
    const plain = batchPlainNames && isEpoch(T) && price > 0 && price < Infinity && baseQty > 0 && baseQty < Infinity && usd > 0 && usd < Infinity;
    const problem = plain ? undefined : checkEvent(candidate, `liquidation from ${s} v=${v} p=${p}`);
    if (problem === undefined) batchEvents.push(candidate);
    return problem;
  };
  const batchResult = (): ParseResult => (batchEvents.length === 0 ? NO_EVENTS : { ok: true, events: batchEvents });
  // A rejection found while scanning declines the frame: the full path then rejects it in its own words.
  const fastBatch: LiquidationSink = {
    begin: (topicSymbol) => begin(topicSymbol, batchReceive) === undefined,
    entry: (T, s, S, v, p, Ttext, size, price) => entry(T, s, S, v, p, Ttext, size, price) === undefined,
  };

  const liquidations = (msg: BybitAllLiquidation, receiveTime: number): ParseResult => {
    const problem = begin(msg.topic.slice(LIQUIDATION_TOPIC.length + 1), receiveTime);
    if (problem !== undefined) return reject(problem);
    // Entry by entry: an entry that fails its schema, names another symbol than the topic or overflows is
    // dead-lettered on its own, and the message's other liquidations count.
    let rejected: EntryRejection[] | undefined;
    for (const raw of msg.data) {
      const parsed = LiquidationEntry.safeParse(raw);
      const refused = parsed.success ? entry(parsed.data.T, parsed.data.s, parsed.data.S, parsed.data.v, parsed.data.p) : invalidReason(LIQUIDATION_TOPIC, parsed.error);
      if (refused !== undefined) (rejected ??= []).push(entryRejection(raw, refused));
    }
    return rejected === undefined ? batchResult() : { ok: true, events: batchEvents, rejected };
  };

  const ticker = ({ topicSymbol: symbol, type, ts, data: d }: TickerFields, receiveTime: number): ParseResult => {
    const topic = `${TICKER_TOPIC}.${symbol}`;
    if (d.symbol !== undefined && d.symbol !== symbol) return reject(`ticker for ${d.symbol} on topic ${topic}`);
    const base = baseOf(symbol);
    if (base === undefined) return reject(`invalid symbol in topic ${topic}`);
    const values = { openInterest: num(d.openInterest), openInterestValue: num(d.openInterestValue), markPrice: num(d.markPrice) };
    // Checked before the state is touched: a value too long for a double must not stay in it.
    if (Number.isNaN(values.openInterest) || Number.isNaN(values.openInterestValue) || Number.isNaN(values.markPrice))
      return reject(`invalid ticker for ${symbol}: a value does not fit a double`);
    // A funding field that is not a value is dead-lettered on its own (with the ticker's data); open interest still counts.
    const read = fundingValues(d);
    const fundingText = { symbol, fundingRate: d.fundingRate, nextFundingTime: d.nextFundingTime, indexPrice: d.indexPrice, fundingIntervalHour: d.fundingIntervalHour };
    const fundingProblem = typeof read === 'string' ? entryRejection(fundingText, `invalid funding in ticker for ${symbol}: ${read}`) : undefined;
    const funding = typeof read === 'string' ? {} : read;
    const previous = tickers.get(symbol);
    // A snapshot states everything (it is also what comes after a reconnect), so nothing older survives it but
    // what was last emitted, which only decides whether the new state is news.
    const state: TickerState =
      type === 'snapshot' || previous === undefined ? { emittedOiBase: previous?.emittedOiBase, emittedOiUsd: previous?.emittedOiUsd } : previous;
    tickers.set(symbol, state);
    state.openInterest = values.openInterest ?? state.openInterest;
    state.openInterestValue = values.openInterestValue ?? state.openInterestValue;
    state.markPrice = values.markPrice ?? state.markPrice;
    state.fundingRate = funding.fundingRate ?? state.fundingRate;
    state.nextFundingTime = funding.nextFundingTime ?? state.nextFundingTime;
    state.indexPrice = funding.indexPrice ?? state.indexPrice;
    state.fundingIntervalHour = funding.fundingIntervalHour ?? state.fundingIntervalHour;
    const fundingEvents = tickerFunding(symbol, base, state, ts, receiveTime);
    const oi = tickerOpenInterest(symbol, base, state, ts, receiveTime);
    if (!oi.ok) return oi;
    if (fundingEvents.length === 0 && fundingProblem === undefined) return oi;
    return { ok: true, events: [...oi.events, ...fundingEvents], ...(fundingProblem ? { rejected: [fundingProblem] } : {}) };
  };

  // Funding from the merged ticker state: the rate of the interval under way, the venue's next funding time, the
  // mark and index prices; at most one event per market and minute unless the rate or the schedule changed.
  const tickerFunding = (symbol: string, base: string, state: TickerState, ts: number, receiveTime: number): FundingEvent[] => {
    if (state.fundingRate === undefined) return [];
    const event = fundingEvent({
      venue,
      symbol,
      base,
      rate: state.fundingRate,
      intervalHours: state.fundingIntervalHour ?? BYBIT_DEFAULT_FUNDING_HOURS,
      markPrice: state.markPrice,
      indexPrice: state.indexPrice,
      nextFundingTime: state.nextFundingTime,
      eventTime: ts,
      receiveTime,
      source: TICKER_TOPIC,
    });
    return checkEvent(event, `funding for ${symbol}`) === undefined && fundingGate.admit(event) ? [event] : [];
  };

  const tickerOpenInterest = (symbol: string, base: string, state: TickerState, ts: number, receiveTime: number): ParseResult => {
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
      eventTime: ts,
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

  const fastTicker: TickerFields = { topicSymbol: '', type: 'snapshot', ts: 0, data: {} };
  return (frame, receiveTime) => {
    batchReceive = receiveTime;
    if (readAllLiquidationFrame(frame, fastBatch)) return batchResult();
    if (readTickerFrame(frame, fastTicker)) return ticker(fastTicker, receiveTime);
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
        if (!parsed.success) return rejectInvalid(TICKER_TOPIC, parsed.error);
        const { topic, type, ts, data } = parsed.data;
        const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
        const funding = { fundingRate: text(data.fundingRate), nextFundingTime: text(data.nextFundingTime), indexPrice: text(data.indexPrice), fundingIntervalHour: text(data.fundingIntervalHour) };
        return ticker({ topicSymbol: topic.slice(TICKER_TOPIC.length + 1), type, ts, data: { ...data, ...funding } }, receiveTime);
      }
      return reject(`unexpected topic ${msg.topic}`);
    }
    if ('op' in msg) return control(msg);
    return reject('unknown message shape');
  };
}

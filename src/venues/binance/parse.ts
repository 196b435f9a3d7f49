import type { z } from 'zod';
import { readForceOrderFrame, type ForceOrderFill } from './fast-frame.js';
import { compileValidator } from '../../schema/validator.js';
import type { FundingEvent, LiquidationEvent, OpenInterestEvent } from '../../schema/events.js';
import { decimalValue, isEpochMs, isMarketName, preview } from '../fields.js';
import { FundingGate, fundingEvent, signedDecimal } from '../funding.js';
import { EntryResults, NO_EVENTS, checkedResult, parseJsonFrame, reject, type FrameParser, type ParseResult } from '../venue.js';
import { ReferencePrices, fillSize, noReferenceReason, notionalUsd, type Instrument } from '../instruments.js';
import { ForceOrder, OpenInterestRest, PremiumIndexRest, PremiumIndexRow } from './schema.js';
import { REFERENCE_SYMBOLS, binanceInstrument, documentedCoinmContractUsd, type BinanceVenue } from './instruments.js';

export { documentedCoinmContractUsd } from './instruments.js';

export type { BinanceVenue } from './instruments.js';

const forceOrder = compileValidator(ForceOrder);
// The poller's REST answers come through the parser too (about a fifth of a simulated hour's frames): compiled as well.
const premiumIndex = compileValidator(PremiumIndexRest);
const premiumIndexRow = compileValidator(PremiumIndexRow);
const openInterestRest = compileValidator(OpenInterestRest);



export interface BinanceParserOptions {
  venue: BinanceVenue;
  /** COIN-M: USD value of one contract, by symbol (e.g. BTCUSD_PERP) or pair (BTCUSD). From exchangeInfo `contractSize`. */
  contractUsd?: (symbolOrPair: string) => number | undefined;
  /** Told once per symbol when the documented fallback contract size is used. */
  onContractFallback?: (symbol: string, usd: number) => void;
  /** Instruments as discovery or a recording listed them; the pattern table covers any other symbol. */
  instruments?: (symbol: string) => Instrument | undefined;
  /** How old (receive time, ms) a reference price may be; default DEFAULT_REFERENCE_MAX_AGE_MS (5 min). */
  referenceMaxAgeMs?: number;
}

/** Binance's standard funding interval (docs "Mark Price": funding every 8 hours unless a market's was changed). */
export const BINANCE_DEFAULT_FUNDING_HOURS = 8;

/** Base asset of a USDⓈ-M symbol (the instrument table's rule). */
export const usdmBase = (symbol: string): string => binanceInstrument('binance-usdm', symbol).base;

/**
 * forceOrder → LiquidationEvent. `S` is the liquidation order's side, so SELL closes a long.
 * `z` (filled accumulated quantity) × `ap` (average fill price) is what was actually liquidated;
 * `q`/`p` are the order's size and limit price and overstate it.
 */
export function createBinanceParser(opts: BinanceParserOptions): FrameParser {
  const isCoinm = opts.venue === 'binance-coinm';
  const warned = new Set<string>();
  // Describing an instrument allocates; symbols are few, frames are many. Keyed by symbol, then pair (COIN-M
  // frames carry `ps`; two lookups cost less than building a joint key per frame); undefined for a name no
  // market has (see isMarketName), checked once as it is cached.
  const instruments = new Map<string, Map<string | undefined, Instrument>>();
  const instrumentOf = (symbol: string, pair?: string): Instrument | undefined => {
    let byPair = instruments.get(symbol);
    let inst = byPair?.get(pair);
    if (inst === undefined) {
      if (!isMarketName(symbol) || (pair !== undefined && !isMarketName(pair))) return undefined;
      inst = opts.instruments?.(symbol) ?? binanceInstrument(opts.venue, symbol, { pair, contractUsd: opts.contractUsd });
      if (inst.from === 'built-in' && isCoinm && !warned.has(symbol)) {
        warned.add(symbol);
        opts.onContractFallback?.(symbol, inst.contractValue);
      }
      if (byPair === undefined) instruments.set(symbol, (byPair = new Map()));
      byPair.set(pair, inst);
    }
    return inst;
  };
  // USD prices of non-USD quotes (BTC for ETHBTC): the mark of REFERENCE_SYMBOLS in the venue's own
  // premiumIndex answers, which the open-interest poller fetches every sweep.
  const references = new ReferencePrices(opts.referenceMaxAgeMs);
  const referenceOf = new Map(Object.entries(REFERENCE_SYMBOLS).map(([asset, symbol]) => [symbol, asset]));

  // tradeTime is T as text; a venue frame's own keys never supply it (a schema-valid order may carry
  // any extra key, Ttext included).
  const toEvent = (o: ForceOrderFill, receiveTime: number, tradeTime: string): ParseResult => {
    // Both paths hand over z and ap in decimal form (the fast path's pattern, the schema), so Number reads
    // them exactly; what is left is a decimal too long for a double.
    const filled = Number(o.z);
    const avgPrice = Number(o.ap);
    if (!Number.isFinite(filled) || !Number.isFinite(avgPrice)) return reject(`non-numeric z/ap: ${o.z}/${o.ap}`);
    // An order that filled nothing liquidated nothing (Binance also pushes NEW/EXPIRED states).
    if (filled === 0) return NO_EVENTS;
    // COIN-M's base comes from ps; USD-M ignores ps (its instrument is the symbol's).
    const inst = instrumentOf(o.s, isCoinm ? o.ps : undefined);
    if (inst === undefined) return reject(`invalid symbol ${JSON.stringify(o.s)}`);
    const { baseQty: qty, quoteNotional } = fillSize(inst, filled, avgPrice);
    // Inputs were validated by the ForceOrder schema; what remains to check is arithmetic.
    if (!(avgPrice > 0 && qty > 0 && quoteNotional > 0 && Number.isFinite(quoteNotional) && Number.isFinite(qty)))
      return reject(`invalid liquidation: price ${o.ap}, quantity ${o.z}`);
    const usd = notionalUsd(inst, quoteNotional, references, receiveTime);
    if (usd === undefined) return reject(noReferenceReason(o.s, inst.quote, references.maxAgeMs));
    const base = inst.base;
    const event: LiquidationEvent = {
      type: 'liquidation',
      // join builds one flat string; a template literal builds a rope of five nodes, and ids are
      // kept (deduplication) long enough for that to show in GC time (measured: ~15% of throughput).
      id: [opts.venue, o.s, tradeTime, o.S, o.z, o.ap].join(':'),
      venue: opts.venue,
      symbol: o.s,
      base,
      side: o.S === 'SELL' ? 'long' : 'short',
      price: avgPrice,
      qty,
      notionalUsd: usd,
      eventTime: o.T,
      receiveTime,
      fidelity: 'sampled',
      kind: 'liquidation',
      source: 'forceOrder',
    };
    return { ok: true, events: [event] };
  };

  // Funding from the premiumIndex rows the open-interest poller fetches every sweep (docs "Mark Price"):
  // `lastFundingRate` is the rate of the interval under way, `nextFundingTime` when it is paid, `indexPrice` the
  // index. The answer does not state the interval: 8 h, Binance's standard (a market Binance moved to 4 h or 1 h
  // is listed by GET /fapi/v1/fundingInfo, not read here; docs/mapping.md says so). Delivery contracts have no
  // funding (`lastFundingRate` "", `nextFundingTime` 0): no event.
  const fundingGate = new FundingGate();
  const rowFunding = (row: Record<string, unknown>, symbol: string, mark: number, receiveTime: number): FundingEvent | string | undefined => {
    const { lastFundingRate, nextFundingTime, indexPrice, time, pair } = row;
    if (typeof lastFundingRate !== 'string' || lastFundingRate === '') return undefined;
    const rate = signedDecimal(lastFundingRate);
    if (rate === undefined) return `premiumIndex ${symbol}: lastFundingRate ${JSON.stringify(lastFundingRate.slice(0, 40))} is not a decimal`;
    if (typeof time !== 'number' || !isEpochMs(time)) return `premiumIndex ${symbol}: time is not epoch milliseconds`;
    const next = typeof nextFundingTime === 'number' && isEpochMs(nextFundingTime) && nextFundingTime > 0 ? nextFundingTime : undefined;
    const inst = instrumentOf(symbol, isCoinm && typeof pair === 'string' ? pair : undefined);
    if (inst === undefined) return `premiumIndex: invalid symbol ${JSON.stringify(symbol)}`;
    const index = typeof indexPrice === 'string' ? decimalValue(indexPrice) : undefined;
    return fundingEvent({
      venue: opts.venue,
      symbol,
      base: inst.base,
      rate,
      intervalHours: BINANCE_DEFAULT_FUNDING_HOURS,
      markPrice: mark,
      indexPrice: index,
      nextFundingTime: next,
      eventTime: time,
      receiveTime,
      source: 'premiumIndex',
    });
  };

  const markPrices = new Map<string, number>();
  const openInterest = (oi: z.infer<typeof OpenInterestRest>, receiveTime: number): ParseResult => {
    const contracts = decimalValue(oi.openInterest);
    if (contracts === undefined) return reject(`invalid openInterest ${oi.openInterest}`);
    const inst = instrumentOf(oi.symbol, isCoinm ? oi.pair : undefined);
    if (inst === undefined) return reject(`invalid symbol ${JSON.stringify(oi.symbol)}`);
    const mark = markPrices.get(oi.symbol);
    if (mark === undefined) return NO_EVENTS; // valued once the next premiumIndex poll brings its mark price
    // COIN-M open interest is in contracts of a fixed USD value; USD-M in base units, priced in its quote.
    const { baseQty, quoteNotional } = fillSize(inst, contracts, mark);
    const oiUsd = notionalUsd(inst, quoteNotional, references, receiveTime);
    if (oiUsd === undefined) return reject(noReferenceReason(oi.symbol, inst.quote, references.maxAgeMs));
    const event: OpenInterestEvent = {
      type: 'open_interest',
      venue: opts.venue,
      symbol: oi.symbol,
      base: inst.base,
      oiBase: baseQty,
      oiUsd,
      markPrice: mark,
      eventTime: oi.time,
      receiveTime,
      source: 'openInterest',
    };
    return checkedResult([event], `open interest for ${oi.symbol}`);
  };

  return (frame, receiveTime) => {
    const fast = readForceOrderFrame(frame);
    if (fast !== undefined) return toEvent(fast, receiveTime, fast.Ttext);
    const text = parseJsonFrame(frame);
    if (!text.ok) return text;
    let json = text.json;
    if (Array.isArray(json)) {
      // One compiled check of the whole answer; only an answer with a bad row is checked row by row, and each bad
      // row is dead-lettered on its own while the other symbols' marks are kept.
      const whole = premiumIndex.is(json);
      let out: EntryResults | undefined;
      for (const row of json as unknown[]) {
        if (!whole && !premiumIndexRow.is(row)) {
          (out ??= new EntryResults('premiumIndex')).reject(row, `invalid premiumIndex row: ${premiumIndexRow.explain(row)}`);
          continue;
        }
        const { symbol, markPrice } = row as z.infer<typeof PremiumIndexRow>;
        const mark = decimalValue(markPrice);
        // A name no market has is not kept (see isMarketName).
        if (mark !== undefined && mark > 0 && isMarketName(symbol)) {
          markPrices.set(symbol, mark);
          const asset = referenceOf.get(symbol);
          if (asset !== undefined && !isCoinm) references.set(asset, mark, receiveTime);
          const funding = rowFunding(row as Record<string, unknown>, symbol, mark, receiveTime);
          if (typeof funding === 'string') (out ??= new EntryResults('premiumIndex')).reject(row, funding);
          else if (funding !== undefined && fundingGate.admit(funding)) (out ??= new EntryResults('premiumIndex funding')).add(funding, row);
        }
      }
      return out?.result() ?? NO_EVENTS;
    }
    if (typeof json !== 'object' || json === null) return reject('unknown message shape');
    const msg = json as Record<string, unknown>;
    // Combined-stream frames wrap the event; {"result":null,"id":n} answers a SUBSCRIBE.
    if ('stream' in msg) json = msg.data;
    else if ('id' in msg && !('e' in msg)) return msg.error ? reject(`subscribe error: ${preview(msg.error)}`) : NO_EVENTS;
    if ('openInterest' in msg) {
      return openInterestRest.is(msg) ? openInterest(msg, receiveTime) : reject(`invalid openInterest: ${openInterestRest.explain(msg)}`);
    }
    return forceOrder.is(json) ? toEvent(json.o, receiveTime, String(json.o.T)) : reject(`invalid forceOrder: ${forceOrder.explain(json)}`);
  };
}

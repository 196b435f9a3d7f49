import { z } from 'zod';
import { readForceOrderFrame, type ForceOrderFill } from './fast-frame.js';
import { compileValidator } from '../../schema/validator.js';
import type { LiquidationEvent, OpenInterestEvent, VenueId } from '../../schema/events.js';
import { DecimalString, EpochMs, decimalValue, isMarketName, preview } from '../fields.js';
import { NO_EVENTS, checkedResult, parseJsonFrame, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';

export type BinanceVenue = Extract<VenueId, 'binance-usdm' | 'binance-coinm'>;

export const ForceOrder = z.object({
  e: z.literal('forceOrder'),
  E: z.number().int(),
  o: z.object({
    s: z.string().min(1),
    ps: z.string().min(1).optional(),
    S: z.enum(['BUY', 'SELL']),
    ap: DecimalString,
    z: DecimalString,
    X: z.string(),
    T: EpochMs,
  }),
});
export type ForceOrder = z.infer<typeof ForceOrder>;
const forceOrder = compileValidator(ForceOrder);

/** REST GET /fapi|dapi/v1/openInterest, recorded as a frame by the poller. */
const OpenInterestRest = z.object({
  symbol: z.string().min(1),
  pair: z.string().optional(),
  openInterest: DecimalString,
  time: EpochMs,
});

/** REST GET /fapi|dapi/v1/premiumIndex (all symbols): the mark prices open interest is valued at. */
const PremiumIndexRest = z.array(z.object({ symbol: z.string(), markPrice: z.string() }).loose());

/** Binance's documented COIN-M contract value when exchangeInfo is unavailable: 100 USD for BTC, 10 USD otherwise. */
export function documentedCoinmContractUsd(pair: string): number {
  return pair.startsWith('BTC') ? 100 : 10;
}

export interface BinanceParserOptions {
  venue: BinanceVenue;
  /** COIN-M: USD value of one contract, by symbol (e.g. BTCUSD_PERP) or pair (BTCUSD). From exchangeInfo `contractSize`. */
  contractUsd?: (symbolOrPair: string) => number | undefined;
  /** Told once per symbol when the documented fallback contract size is used. */
  onContractFallback?: (symbol: string, usd: number) => void;
}

const USDM_QUOTES = ['USDT', 'USDC', 'BUSD', 'FDUSD'];

export function usdmBase(symbol: string): string {
  const bare = symbol.split('_')[0] ?? symbol;
  for (const q of USDM_QUOTES) if (bare.endsWith(q) && bare.length > q.length) return bare.slice(0, -q.length);
  return bare;
}

export function coinmBase(pairOrSymbol: string): string {
  const pair = pairOrSymbol.split('_')[0] ?? pairOrSymbol;
  return pair.endsWith('USD') && pair.length > 3 ? pair.slice(0, -3) : pair;
}

/**
 * forceOrder → LiquidationEvent. `S` is the liquidation order's side, so SELL closes a long.
 * `z` (filled accumulated quantity) × `ap` (average fill price) is what was actually liquidated;
 * `q`/`p` are the order's size and limit price and overstate it.
 */
export function createBinanceParser(opts: BinanceParserOptions): FrameParser {
  const isCoinm = opts.venue === 'binance-coinm';
  const warned = new Set<string>();
  // Deriving the base asset allocates; symbols are few, frames are many.
  const bases = new Map<string, string>();
  // Undefined for a name no market has (see isMarketName); checked once per name, as it is cached.
  const baseOf = (key: string): string | undefined => {
    let b = bases.get(key);
    if (b === undefined) {
      if (!isMarketName(key)) return undefined;
      bases.set(key, (b = opts.venue === 'binance-coinm' ? coinmBase(key) : usdmBase(key)));
    }
    return b;
  };
  const contractUsd = (symbol: string, pairField: string | undefined): number => {
    const pair = pairField ?? symbol.split('_')[0] ?? symbol;
    const known = opts.contractUsd?.(symbol) ?? opts.contractUsd?.(pair);
    if (known !== undefined) return known;
    const usd = documentedCoinmContractUsd(pair);
    if (!warned.has(symbol)) {
      warned.add(symbol);
      opts.onContractFallback?.(symbol, usd);
    }
    return usd;
  };

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
    let qty: number;
    let notionalUsd: number;
    let base: string | undefined;
    if (isCoinm) {
      notionalUsd = filled * contractUsd(o.s, o.ps);
      qty = notionalUsd / avgPrice;
      base = baseOf(o.ps ?? o.s);
    } else {
      qty = filled;
      notionalUsd = filled * avgPrice;
      base = baseOf(o.s);
    }
    // COIN-M's base comes from ps; the symbol needs its own check (a cached lookup after the first frame).
    if (base === undefined || (o.ps !== undefined && baseOf(o.s) === undefined)) return reject(`invalid symbol ${JSON.stringify(o.s)}`);
    // Inputs were validated by the ForceOrder schema; what remains to check is arithmetic.
    if (!(avgPrice > 0 && qty > 0 && notionalUsd > 0 && Number.isFinite(notionalUsd) && Number.isFinite(qty)))
      return reject(`invalid liquidation: price ${o.ap}, quantity ${o.z}`);
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
      notionalUsd,
      eventTime: o.T,
      receiveTime,
      fidelity: 'sampled',
      kind: 'liquidation',
      source: 'forceOrder',
    };
    return { ok: true, events: [event] };
  };

  const markPrices = new Map<string, number>();
  const openInterest = (oi: z.infer<typeof OpenInterestRest>, receiveTime: number): ParseResult => {
    const contracts = decimalValue(oi.openInterest);
    if (contracts === undefined) return reject(`invalid openInterest ${oi.openInterest}`);
    const base = baseOf(isCoinm ? (oi.pair ?? oi.symbol) : oi.symbol);
    if (base === undefined || baseOf(oi.symbol) === undefined) return reject(`invalid symbol ${JSON.stringify(oi.symbol)}`);
    const mark = markPrices.get(oi.symbol);
    if (mark === undefined) return NO_EVENTS; // valued once the next premiumIndex poll brings its mark price
    // COIN-M open interest is in contracts of a fixed USD value; USD-M in base units.
    const oiUsd = isCoinm ? contracts * contractUsd(oi.symbol, oi.pair) : contracts * mark;
    const event: OpenInterestEvent = {
      type: 'open_interest',
      venue: opts.venue,
      symbol: oi.symbol,
      base,
      oiBase: isCoinm ? oiUsd / mark : contracts,
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
      const index = PremiumIndexRest.safeParse(json);
      if (!index.success) return rejectInvalid('premiumIndex', index.error);
      for (const { symbol, markPrice } of index.data) {
        const mark = decimalValue(markPrice);
        // A name no market has is not kept (see isMarketName).
        if (mark !== undefined && mark > 0 && isMarketName(symbol)) markPrices.set(symbol, mark);
      }
      return NO_EVENTS;
    }
    if (typeof json !== 'object' || json === null) return reject('unknown message shape');
    const msg = json as Record<string, unknown>;
    // Combined-stream frames wrap the event; {"result":null,"id":n} answers a SUBSCRIBE.
    if ('stream' in msg) json = msg.data;
    else if ('id' in msg && !('e' in msg)) return msg.error ? reject(`subscribe error: ${preview(msg.error)}`) : NO_EVENTS;
    if ('openInterest' in msg) {
      const oi = OpenInterestRest.safeParse(msg);
      return oi.success ? openInterest(oi.data, receiveTime) : rejectInvalid('openInterest', oi.error);
    }
    return forceOrder.is(json) ? toEvent(json.o, receiveTime, String(json.o.T)) : reject(`invalid forceOrder: ${forceOrder.explain(json)}`);
  };
}

import { z } from 'zod';
import type { LiquidationEvent, VenueId } from '../../schema/events.js';
import { NO_EVENTS, reject, rejectInvalid, type FrameParser, type ParseResult } from '../venue.js';

export type BinanceVenue = Extract<VenueId, 'binance-usdm' | 'binance-coinm'>;

const ForceOrder = z.object({
  e: z.literal('forceOrder'),
  E: z.number().int(),
  o: z.object({
    s: z.string().min(1),
    ps: z.string().min(1).optional(),
    S: z.enum(['BUY', 'SELL']),
    ap: z.string(),
    z: z.string(),
    X: z.string(),
    T: z.number().int(),
  }),
});
export type ForceOrder = z.infer<typeof ForceOrder>;

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
  const warned = new Set<string>();
  // Deriving the base asset allocates; symbols are few, frames are many.
  const bases = new Map<string, string>();
  const baseOf = (key: string): string => {
    let b = bases.get(key);
    if (b === undefined) bases.set(key, (b = opts.venue === 'binance-coinm' ? coinmBase(key) : usdmBase(key)));
    return b;
  };
  const contractUsd = (o: ForceOrder['o']): number => {
    const pair = o.ps ?? o.s.split('_')[0] ?? o.s;
    const known = opts.contractUsd?.(o.s) ?? opts.contractUsd?.(pair);
    if (known !== undefined) return known;
    const usd = documentedCoinmContractUsd(pair);
    if (!warned.has(o.s)) {
      warned.add(o.s);
      opts.onContractFallback?.(o.s, usd);
    }
    return usd;
  };

  const toEvent = (msg: ForceOrder, receiveTime: number): ParseResult => {
    const o = msg.o;
    const filled = Number(o.z);
    const avgPrice = Number(o.ap);
    if (!Number.isFinite(filled) || !Number.isFinite(avgPrice)) return reject(`non-numeric z/ap: ${o.z}/${o.ap}`);
    // An order that filled nothing liquidated nothing (Binance also pushes NEW/EXPIRED states).
    if (filled === 0) return NO_EVENTS;
    let qty: number;
    let notionalUsd: number;
    let base: string;
    if (opts.venue === 'binance-coinm') {
      notionalUsd = filled * contractUsd(o);
      qty = notionalUsd / avgPrice;
      base = baseOf(o.ps ?? o.s);
    } else {
      qty = filled;
      notionalUsd = filled * avgPrice;
      base = baseOf(o.s);
    }
    // Inputs were validated by the ForceOrder schema; what remains to check is arithmetic.
    if (!(avgPrice > 0 && qty > 0 && notionalUsd > 0 && Number.isFinite(notionalUsd) && Number.isFinite(qty)))
      return reject(`invalid liquidation: price ${o.ap}, quantity ${o.z}`);
    const event: LiquidationEvent = {
      type: 'liquidation',
      id: `${opts.venue}:${o.s}:${o.T}:${o.S}:${o.z}:${o.ap}`,
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

  return (frame, receiveTime) => {
    let json: unknown;
    try {
      json = JSON.parse(frame);
    } catch {
      return reject('invalid JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject('unknown message shape');
    const msg = json as Record<string, unknown>;
    // Combined-stream frames wrap the event; {"result":null,"id":n} answers a SUBSCRIBE.
    if ('stream' in msg) json = msg.data;
    else if ('id' in msg && !('e' in msg)) return msg.error ? reject(`subscribe error: ${JSON.stringify(msg.error)}`) : NO_EVENTS;
    const parsed = ForceOrder.safeParse(json);
    if (!parsed.success) return rejectInvalid('forceOrder', parsed.error);
    return toEvent(parsed.data, receiveTime);
  };
}

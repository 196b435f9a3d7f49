import { z } from 'zod';
import type { Instrument } from '../instruments.js';
import { binanceInstrument } from './instruments.js';
import { BINANCE_REST_URLS } from './oi-poller.js';
import type { BinanceVenue } from './parse.js';

/**
 * Market metadata from Binance's public exchangeInfo (`/fapi/v1/exchangeInfo`, `/dapi/v1/exchangeInfo`):
 * COIN-M contract values for notional, and the perpetual symbols of each venue. One GET each, read
 * directly: a general exchange library here cost every command its start-up time. The mapping is the
 * reference library's market list, kept as the oracle of test/venues/binance-markets.test.ts.
 */
export interface BinanceMarket {
  symbol: string;
  pair: string;
  base: string;
  /** USD per contract on COIN-M; 1 on USD-M (quantities are in base units). */
  contractSize: number;
  perpetual: boolean;
  /** Quote and settle (margin) asset as listed (`USDT`, `BTC` for ETHBTC; `USD` and the coin on COIN-M). */
  quote: string;
  settle: string;
}

const ExchangeInfoSymbol = z
  .object({
    symbol: z.string().min(1),
    pair: z.string().optional(),
    contractType: z.string().optional(),
    deliveryDate: z.number().optional(),
    baseAsset: z.string(),
    quoteAsset: z.string(),
    marginAsset: z.string(),
    contractSize: z.number().positive().optional(),
  })
  .loose();
const ExchangeInfo = z.object({ symbols: z.array(ExchangeInfoSymbol) }).loose();

/** Binance's delivery date of perpetuals that carry no `contractType` (year 2100). */
const PERPETUAL_DELIVERY = 4133404800000;

/** exchangeInfo answer → the contracts of `venue` (settled in the quote on USD-M, in the base on COIN-M). */
export function binanceMarketsFrom(venue: BinanceVenue, answer: unknown): BinanceMarket[] {
  const info = ExchangeInfo.safeParse(answer);
  if (!info.success) {
    const issue = info.error.issues[0];
    throw new Error(`${venue} exchangeInfo: unexpected response: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return info.data.symbols
    .filter((s) => s.contractType !== undefined && (venue === 'binance-usdm' ? s.marginAsset === s.quoteAsset : s.marginAsset === s.baseAsset))
    .map((s) => ({
      symbol: s.symbol,
      pair: s.pair ?? s.symbol,
      base: s.baseAsset,
      contractSize: s.contractSize ?? 1,
      perpetual: s.contractType === 'PERPETUAL' || s.deliveryDate === PERPETUAL_DELIVERY,
      quote: s.quoteAsset,
      settle: s.marginAsset,
    }));
}

export interface MarketsOptions {
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

/** Throws on network, HTTP or format errors (discovery then falls back to documented defaults). */
export async function fetchBinanceMarkets(venue: BinanceVenue, o: MarketsOptions = {}): Promise<BinanceMarket[]> {
  const { base, prefix } = BINANCE_REST_URLS[venue];
  const res = await (o.fetchImpl ?? fetch)(`${(o.baseUrl ?? base).replace(/\/+$/, '')}${prefix}/exchangeInfo`, { signal: o.signal });
  if (!res.ok) throw new Error(`${venue} exchangeInfo: HTTP ${res.status}`);
  return binanceMarketsFrom(venue, await res.json());
}

/** Lookup used by the COIN-M parser: by symbol (BTCUSD_PERP) or pair (BTCUSD). */
export function contractSizeLookup(markets: BinanceMarket[]): (symbolOrPair: string) => number | undefined {
  const sizes = new Map<string, number>();
  for (const m of markets) {
    sizes.set(m.symbol, m.contractSize);
    if (!sizes.has(m.pair)) sizes.set(m.pair, m.contractSize);
  }
  return (key) => sizes.get(key);
}

/** The instruments of a market list: the table's description with the listed quote, settle and contract size. */
export function listedInstruments(venue: BinanceVenue, markets: BinanceMarket[]): Record<string, Instrument> {
  return Object.fromEntries(
    markets.map((m) => {
      const inst = binanceInstrument(venue, m.symbol, { pair: venue === 'binance-coinm' ? m.pair : undefined, contractUsd: () => (venue === 'binance-coinm' ? m.contractSize : undefined) });
      return [m.symbol, { ...inst, quote: m.quote || inst.quote, settle: m.settle || inst.settle, from: 'discovery' as const }];
    }),
  );
}

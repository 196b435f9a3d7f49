import type { Instrument } from '../instruments.js';
import { binanceInstrument } from './instruments.js';
/**
 * Market metadata from Binance through ccxt (so no hand-written REST client): COIN-M contract
 * values for notional, and the perpetual symbols of each venue.
 */
export interface BinanceMarket {
  symbol: string;
  pair: string;
  base: string;
  /** USD per contract on COIN-M; 1 on USD-M (quantities are in base units). */
  contractSize: number;
  perpetual: boolean;
  /** Quote and settle asset as ccxt reports them (`USDT`, `BTC` for ETHBTC; `USD` and the coin on COIN-M). */
  quote: string;
  settle: string;
}

export async function fetchBinanceMarkets(venue: 'binance-usdm' | 'binance-coinm'): Promise<BinanceMarket[]> {
  const { default: ccxt } = await import('ccxt');
  const exchange = venue === 'binance-usdm' ? new ccxt.binanceusdm() : new ccxt.binancecoinm();
  const markets = await exchange.fetchMarkets();
  return markets
    .filter((m): m is NonNullable<typeof m> => m !== undefined && m.contract === true && (venue === 'binance-usdm' ? m.linear : m.inverse) === true)
    .map((m) => {
      const info = m.info as Record<string, unknown>;
      return {
        symbol: String(m.id),
        pair: String(info.pair ?? m.id),
        base: String(m.base),
        contractSize: Number(m.contractSize ?? 1),
        perpetual: m.swap === true,
        quote: String(m.quote),
        settle: String(m.settle ?? m.quote),
      };
    });
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
export function listedInstruments(venue: 'binance-usdm' | 'binance-coinm', markets: BinanceMarket[]): Record<string, Instrument> {
  return Object.fromEntries(
    markets.map((m) => {
      const inst = binanceInstrument(venue, m.symbol, { pair: venue === 'binance-coinm' ? m.pair : undefined, contractUsd: () => (venue === 'binance-coinm' ? m.contractSize : undefined) });
      return [m.symbol, { ...inst, quote: m.quote || inst.quote, settle: m.settle || inst.settle, from: 'discovery' as const }];
    }),
  );
}

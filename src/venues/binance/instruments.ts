import type { VenueId } from '../../schema/events.js';
import type { Instrument } from '../instruments.js';

export type BinanceVenue = 'binance-usdm' | 'binance-coinm';

/**
 * Binance's instrument table by symbol pattern (docs "Exchange Information"; discovery's exchangeInfo
 * `contractSize` overrides COIN-M contract values):
 * - USDⓈ-M: linear, quantities in base units. The quote is the symbol's suffix: `USDT`, `USDC`, `FDUSD`,
 *   `BUSD` (counted 1:1 as USD) or `BTC` (`ETHBTC`: priced in BTC, converted with a reference price).
 *   Delivery contracts add `_YYMMDD` (`BTCUSDT_251226`). A symbol with none of these suffixes is read as
 *   USDT-quoted, the venue's default quote.
 * - COIN-M: inverse, `BTCUSD_PERP` and `BTCUSD_YYMMDD`, quantities in contracts of a fixed USD value:
 *   100 USD for BTC and 10 USD for the others when exchangeInfo is unavailable (Binance's documented values).
 */
export const USDM_QUOTES: readonly string[] = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'BTC'];

/** Binance's documented COIN-M contract value when exchangeInfo is unavailable: 100 USD for BTC, 10 USD otherwise. */
export function documentedCoinmContractUsd(pair: string): number {
  return pair.startsWith('BTC') ? 100 : 10;
}

/**
 * One Binance market. `contractUsd` (COIN-M, from discovery) is consulted by symbol, then by pair; `pair`
 * is the frame's `ps` when it has one.
 */
export function binanceInstrument(
  venue: BinanceVenue,
  symbol: string,
  o: { pair?: string; contractUsd?: (symbolOrPair: string) => number | undefined } = {},
): Instrument {
  const bare = symbol.split('_')[0] || symbol;
  if (venue === 'binance-coinm') {
    const pair = o.pair ?? bare;
    const base = pair.endsWith('USD') && pair.length > 3 ? pair.slice(0, -3) : pair;
    const known = o.contractUsd?.(symbol) ?? o.contractUsd?.(pair);
    return {
      symbol,
      base,
      quote: 'USD',
      settle: base,
      type: 'inverse',
      contractValue: known ?? documentedCoinmContractUsd(pair),
      from: known === undefined ? 'built-in' : 'discovery',
    };
  }
  const quote = USDM_QUOTES.find((q) => bare.endsWith(q) && bare.length > q.length);
  return {
    symbol,
    base: quote === undefined ? bare : bare.slice(0, -quote.length),
    quote: quote ?? 'USDT',
    settle: quote ?? 'USDT',
    type: 'linear',
    contractValue: 1,
    from: 'built-in',
  };
}

/** The USD-M perpetual whose mark price is the reference for a quote asset (BTC → BTCUSDT's mark). */
export const REFERENCE_SYMBOLS: Readonly<Record<string, string>> = { BTC: 'BTCUSDT' };

import type { Instrument } from '../instruments.js';
import { PerpetualMarket, PerpetualMarkets } from './schema.js';

export const DYDX_REST_URL = 'https://indexer.dydx.trade';

/**
 * Used when the market list cannot be read (discovery off or failed): the largest dYdX markets by open interest.
 * The venue subscribes per market, so with this list its totals are `partial` (a lower bound).
 */
export const DEFAULT_DYDX_MARKETS: readonly string[] = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'DOGE-USD', 'XRP-USD', 'LINK-USD', 'AVAX-USD', 'SUI-USD', 'LTC-USD', 'WIF-USD', 'PEPE-USD', 'ADA-USD'];

/**
 * Every dYdX v4 market is a linear perpetual `BASE-USD`, margined and settled in USDC, sized in base units
 * (docs "Perpetual markets": `stepSize` in base units, prices in USD): notional = size × price.
 */
const TICKER = /^([A-Za-z0-9,._]+)-USD$/;

export function dydxInstrument(ticker: string, from: Instrument['from'] = 'built-in'): Instrument | undefined {
  const m = TICKER.exec(ticker);
  if (!m) return undefined;
  return { symbol: ticker, base: m[1]!, quote: 'USD', settle: 'USDC', type: 'linear', contractValue: 1, from };
}

/** The markets of a perpetualMarkets answer that are trading (`ACTIVE`); throws when it is not one. */
export function activeMarkets(json: unknown): string[] {
  const parsed = PerpetualMarkets.safeParse(json);
  if (!parsed.success) throw new Error('perpetualMarkets: unexpected response');
  return Object.values(parsed.data.markets)
    .flatMap((m) => {
      const market = PerpetualMarket.safeParse(m);
      return market.success && market.data.status === 'ACTIVE' && dydxInstrument(market.data.ticker) ? [market.data.ticker] : [];
    })
    .sort();
}

/** GET /v4/perpetualMarkets: every active market. Throws on network, HTTP or format errors. */
export async function fetchDydxMarkets(o: { baseUrl?: string; fetchImpl?: typeof fetch; signal?: AbortSignal } = {}): Promise<string[]> {
  const base = (o.baseUrl ?? DYDX_REST_URL).replace(/\/+$/, '');
  const res = await (o.fetchImpl ?? fetch)(`${base}/v4/perpetualMarkets`, { signal: o.signal });
  if (!res.ok) throw new Error(`perpetualMarkets: HTTP ${res.status}`);
  return activeMarkets(await res.json());
}

import { readFileSync } from 'node:fs';

/** Venue message samples, copied into test/fixtures (SOURCES.md there says where each came from). */
export const fixturePath = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;
export const fixture = (name: string): string => readFileSync(fixturePath(name), 'utf8').trim();

/** The Binance samples as frames on the all-market combined stream. */
export function binanceFrames() {
  const usdm1 = fixture('binance-usdm-forceorder-1.json');
  const usdm2 = fixture('binance-usdm-forceorder-2.json');
  const usdm3 = JSON.stringify({ e: 'forceOrder', E: 1698871323061, o: JSON.parse(fixture('binance-usdm-forceorder-3-order.json')) as unknown });
  const coinm1 = fixture('binance-coinm-forceorder-1.json');
  const wrap = (data: string) => `{"stream":"!forceOrder@arr","data":${data}}`;
  return { usdm: [usdm1, usdm2, usdm3].map(wrap), coinm: [coinm1].map(wrap), raw: { usdm1, usdm2, usdm3, coinm1 } };
}

/**
 * Expected totals of binanceFrames(), computed by hand from the samples:
 * USD-M: long 0.014×9910 + 0.009×18990 = 309.65; short 1.437×34959.70 = 50237.0889.
 * COIN-M: long 1 BTC contract = 100 USD.
 */
export const BINANCE_FIXTURE_TOTALS = {
  'binance-usdm': { longUsd: 309.65, shortUsd: 50237.0889, count: 3, lowerBound: true },
  'binance-coinm': { longUsd: 100, shortUsd: 0, count: 1, lowerBound: true },
} as const;

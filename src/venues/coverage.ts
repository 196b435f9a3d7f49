import { z } from 'zod';
import type { VenueAbout } from './venue.js';

/**
 * Published liquidation totals of 10 October 2025 (UTC), by exchange, for reference: how much of that day's
 * market the registered venues cover. Figures are CoinGlass's as reported that week (shared/README.md of
 * the repository's reference material); other sources differ, so the source travels with the figure.
 */
export const OCT10_PUBLISHED = {
  source: 'CoinGlass, 24 h liquidations of 10 October 2025 UTC',
  /** All venues together: CoinGlass gave about $19.1–19.3 B. */
  allVenuesUsd: { low: 19.1e9, high: 19.3e9 },
  byExchange: {
    hyperliquid: 10.3e9,
    bybit: 4.65e9,
    binance: 2.4e9,
    okx: 1.2e9,
  } as Readonly<Record<string, number>>,
};

export const Coverage = z.object({
  /** Exchanges with at least one registered venue, and their published figure where one is known. */
  exchanges: z.array(z.object({ exchange: z.string(), publishedUsd: z.number().optional() })),
  /** Sum of the covered exchanges' published figures, over the all-venue total (low and high end). */
  share: z.object({ low: z.number(), high: z.number() }),
  source: z.string(),
});
export type Coverage = z.infer<typeof Coverage>;

/** What share of 10 October's published total the given venues' exchanges account for (each exchange once). */
export function coverageOf(venues: readonly VenueAbout[]): Coverage {
  const exchanges = [...new Set(venues.map((v) => v.exchange))].map((exchange) => ({ exchange, publishedUsd: OCT10_PUBLISHED.byExchange[exchange] }));
  const covered = exchanges.reduce((s, e) => s + (e.publishedUsd ?? 0), 0);
  const { low, high } = OCT10_PUBLISHED.allVenuesUsd;
  return { exchanges, share: { low: covered / high, high: Math.min(1, covered / low) }, source: OCT10_PUBLISHED.source };
}

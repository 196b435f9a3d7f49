import { z } from 'zod';
import { Fidelity, isLowerBound } from '../schema/events.js';
import { Coverage, coverageOf } from './coverage.js';
import { VENUES, venueAbout } from './registry.js';

export const VenueEntry = z.object({
  id: z.string(),
  name: z.string(),
  exchange: z.string(),
  /** What the venue's liquidation source normally is; a lower bound unless complete. */
  fidelity: Fidelity,
  lowerBound: z.boolean(),
  doc: z.string(),
});

/** `GET /api/venues` and `liqstream venues`: every registered venue and what share of 10 October they cover. */
export const VenueCatalogue = z.object({
  venues: z.array(VenueEntry),
  coverage: Coverage,
  /** The coverage in one sentence, as the live page and `liqstream venues` show it. */
  summary: z.string(),
});
export type VenueCatalogue = z.infer<typeof VenueCatalogue>;

export function venueCatalogue(): VenueCatalogue {
  const abouts = VENUES.map(venueAbout);
  const coverage = coverageOf(abouts);
  return {
    venues: VENUES.map((id, i) => {
      const { name, exchange, fidelity, doc } = abouts[i]!;
      return { id, name, exchange, fidelity, lowerBound: isLowerBound(fidelity), doc };
    }),
    coverage,
    summary: coverageLine(coverage),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One line for people: which exchanges are covered and what share of 10 October's published total that is. */
function coverageLine(c: Coverage): string {
  const known = c.exchanges.filter((e) => e.publishedUsd !== undefined).map((e) => e.exchange);
  const unknown = c.exchanges.filter((e) => e.publishedUsd === undefined).map((e) => e.exchange);
  return (
    `${c.exchanges.length} exchanges covered: ${pct(c.share.low)}–${pct(c.share.high)} of 10 October 2025's published total` +
    ` (${known.join(', ')}; ${c.source})` +
    (unknown.length ? `; no published figure for ${unknown.join(', ')}, so not in the share` : '')
  );
}

import type { Aggregator } from '../aggregate/aggregator.js';
import { WINDOW_NAMES } from '../aggregate/windows.js';
import { LOWER_BOUND_REASON, type Side, type VenueId } from '../schema/events.js';

const SIDES: readonly Side[] = ['long', 'short'];

/**
 * Totals as people and programs read them: the replay report's `totals` with each venue's fidelity
 * and a `lowerBound` mark (on every venue whose source is not complete, and on the sum when any
 * part is), plus the event-time windows and open interest.
 */
export function totalsView(aggregator: Aggregator, now: number) {
  const snapshot = aggregator.totalsSnapshot();
  const lowerBound = (venue: string) => LOWER_BOUND_REASON[aggregator.fidelity[venue as VenueId] ?? 'complete'] !== undefined;
  const byVenue = Object.fromEntries(
    Object.entries(snapshot.byVenue).map(([venue, t]) => [venue, { ...t, fidelity: aggregator.fidelity[venue as VenueId] ?? 'complete', lowerBound: lowerBound(venue) }]),
  );
  const venues = Object.keys(byVenue);
  const windows = Object.fromEntries(
    WINDOW_NAMES.map((window) => {
      const perVenue = Object.fromEntries(
        venues.map((venue) => [venue, Object.fromEntries(SIDES.map((side) => [`${side}Usd`, aggregator.windowUsd(venue as VenueId, side, window)])) as { longUsd: number; shortUsd: number }]),
      );
      const usd = Object.values(perVenue).reduce((s, v) => s + v.longUsd + v.shortUsd, 0);
      return [window, { usd, byVenue: perVenue }];
    }),
  );
  const openInterest = Object.fromEntries(
    [...aggregator.openInterestByVenue()].map(([venue, v]) => [venue, { usd: v.usd, ageSeconds: Math.max(0, now - v.oldestReceiveTime) / 1000 }]),
  );
  return { asOf: aggregator.watermark || null, ...snapshot, lowerBound: venues.some(lowerBound), byVenue, windows, openInterest };
}

export type TotalsView = ReturnType<typeof totalsView>;

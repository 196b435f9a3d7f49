import type { Aggregator } from '../aggregate/aggregator.js';
import type { Side, VenueId } from '../schema/events.js';

const SIDES: readonly Side[] = ['long', 'short'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Symbols listed by liquidated USD over 24 h. */
const TOP_SYMBOLS = 10;

/**
 * Totals as people and programs read them: the replay report's `totals` (with its `lowerBound`
 * marks, see Aggregator.totalsSnapshot) plus each venue's fidelity, the windows and open interest.
 */
export function totalsView(aggregator: Aggregator, now: number) {
  const snapshot = aggregator.totalsSnapshot();
  const byVenue = Object.fromEntries(Object.entries(snapshot.byVenue).map(([venue, t]) => [venue, { ...t, fidelity: aggregator.fidelity[venue as VenueId] ?? 'complete' }]));
  const venues = Object.keys(byVenue);
  const windows = Object.fromEntries(
    aggregator.windowNames.map((window) => {
      const perVenue = Object.fromEntries(
        venues.map((venue) => [venue, Object.fromEntries(SIDES.map((side) => [`${side}Usd`, aggregator.windowUsd(venue as VenueId, side, window)])) as { longUsd: number; shortUsd: number }]),
      );
      return [window, { usd: aggregator.windowTotalUsd(window), byVenue: perVenue }];
    }),
  );
  // Open interest an hour before the windows' end, from the per-minute series (null before it is known).
  const hourAgo = Math.floor((aggregator.windowEnd() - HOUR) / MINUTE) * MINUTE;
  const [before = {}] = aggregator.openInterestByMinute([{ minute: hourAgo, units: 0, count: 0, byVenue: {} }]);
  const openInterest = Object.fromEntries(
    [...aggregator.openInterestByVenue()].map(([venue, v]) => {
      const then = before[venue];
      return [venue, { usd: v.usd, ageSeconds: Math.max(0, now - v.oldestReceiveTime) / 1000, change1h: then ? v.usd / then - 1 : null }];
    }),
  );
  const topSymbols = aggregator.topSymbols(TOP_SYMBOLS);
  // DeFi (lending protocols) beside the perps, with its own windows by protocol and chain; absent without any.
  const defi = snapshot.defi && {
    defi: { ...snapshot.defi, windows: Object.fromEntries(aggregator.windowNames.map((w) => [w, aggregator.defi.windowUsd(w, aggregator.windowEnd())])) },
  };
  return { asOf: aggregator.watermark || null, windowsEnd: aggregator.windowEnd() || null, ...snapshot, byVenue, windows, openInterest, topSymbols, ...defi };
}

export type TotalsView = ReturnType<typeof totalsView>;

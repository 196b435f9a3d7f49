import { toUsd } from '../aggregate/fixed-point.js';
import type { MinuteBucket } from '../aggregate/minute-series.js';
import type { CascadeSignal } from '../cascade/detector.js';
import { isLowerBound, type Fidelity, type VenueId } from '../schema/events.js';

const SIDES = ['long', 'short'] as const;

/**
 * A replayed day as OpenMetrics text with the original (event-time) timestamps, one sample per minute,
 * for `promtool tsdb create-blocks-from openmetrics`: the recorded day then shows in Grafana like a live one.
 * Series use the live metric names so dashboards and recording rules apply unchanged.
 */
export function replayOpenMetrics(
  minutes: MinuteBucket[],
  openInterest: Record<VenueId, number>[],
  fidelity: Record<VenueId, Fidelity>,
  cascades: Pick<CascadeSignal, 'start' | 'end' | 'lowerBound'>[],
): string {
  const venues = Object.keys(fidelity).sort() as VenueId[];
  const out: string[] = [];
  const ts = (m: MinuteBucket) => (m.minute + 60_000) / 1000; // the value as of the end of the minute

  out.push('# TYPE liqstream_liquidations_usd counter', '# HELP liqstream_liquidations_usd USD notional of liquidated positions');
  for (const venue of venues)
    for (const side of SIDES) {
      let units = 0;
      for (const m of minutes) {
        units += m.byVenue[venue]?.[side] ?? 0;
        out.push(`liqstream_liquidations_usd_total{venue="${venue}",side="${side}",fidelity="${fidelity[venue]}"} ${toUsd(units)} ${ts(m)}`);
      }
    }
  out.push('# TYPE liqstream_open_interest_usd gauge', '# HELP liqstream_open_interest_usd Open interest, venue total, USD');
  const oiVenues = [...new Set(openInterest.flatMap((o) => Object.keys(o)))].sort() as VenueId[];
  for (const venue of oiVenues)
    minutes.forEach((m, i) => {
      const v = openInterest[i]?.[venue];
      if (v !== undefined) out.push(`liqstream_open_interest_usd{venue="${venue}"} ${v} ${ts(m)}`);
    });
  // The lower-bound marks too, so the dashboard's panels and the alert texts read a backfilled day as a live one.
  out.push('# TYPE liqstream_lower_bound gauge', '# HELP liqstream_lower_bound 1 for a venue whose liquidation totals are lower bounds');
  for (const venue of venues) for (const m of minutes) out.push(`liqstream_lower_bound{venue="${venue}"} ${isLowerBound(fidelity[venue]) ? 1 : 0} ${ts(m)}`);
  out.push('# TYPE liqstream_estimate gauge', '# HELP liqstream_estimate 1 for a venue whose liquidation totals are estimates (inferred)');
  for (const venue of venues) for (const m of minutes) out.push(`liqstream_estimate{venue="${venue}"} ${fidelity[venue] === 'inferred' ? 1 : 0} ${ts(m)}`);
  const activeAt = (m: MinuteBucket) => cascades.find((c) => m.minute >= c.start && m.minute < (c.end ?? Infinity));
  out.push('# TYPE liqstream_cascade_active gauge', '# HELP liqstream_cascade_active 1 while a liquidation cascade episode is in progress');
  for (const m of minutes) out.push(`liqstream_cascade_active ${activeAt(m) ? 1 : 0} ${ts(m)}`);
  out.push('# TYPE liqstream_cascade_lower_bound gauge', '# HELP liqstream_cascade_lower_bound 1 while the cascade episode includes a lower-bound venue');
  for (const m of minutes) out.push(`liqstream_cascade_lower_bound ${activeAt(m)?.lowerBound ? 1 : 0} ${ts(m)}`);
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

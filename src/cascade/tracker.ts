import { toUsd } from '../aggregate/fixed-point.js';
import type { MinuteBucket } from '../aggregate/minute-series.js';
import { isLowerBound } from '../schema/events.js';
import { CascadeDetector, type CascadeParams, type CascadeSignal } from './detector.js';

/**
 * A minute as programs read it (aggregates topic, /api/minutes): USD by venue, and `lowerBound` (per
 * venue and on the minute) when the sum includes liquidations of a fidelity other than complete.
 */
export function minuteView(bucket: MinuteBucket) {
  const byVenue: Record<string, { longUsd: number; shortUsd: number; count: number; lowerBound: boolean }> = {};
  for (const [venue, v] of Object.entries(bucket.byVenue))
    byVenue[venue] = { longUsd: toUsd(v.long), shortUsd: toUsd(v.short), count: v.count, lowerBound: isLowerBound(v.fidelity) };
  const lowerBound = Object.values(byVenue).some((v) => v.lowerBound);
  // DeFi (lending protocols) only when the minute has any: a perps minute's record is unchanged.
  const usdOf = (byProtocol: Record<string, { long: number; short: number; count: number }>) =>
    Object.fromEntries(Object.entries(byProtocol).map(([p, v]) => [p, { longUsd: toUsd(v.long), shortUsd: toUsd(v.short), count: v.count }]));
  const defi = bucket.defi && { defi: usdOf(bucket.defi) };
  const defiRetracted = bucket.defiRetracted && { defiRetracted: usdOf(bucket.defiRetracted) };
  return { minute: bucket.minute, usd: toUsd(bucket.units), count: bucket.count, lowerBound, byVenue, ...defi, ...defiRetracted };
}

/** Signals kept for the live API (`/api/cascades`, the stream): the most recent ones, so a long run stays bounded. */
export const MAX_KEPT_SIGNALS = 1_000;

/**
 * The state of cascade detection: steps the detector at every closed minute and keeps the most
 * recent signals. It publishes nothing: the detection stage hands minutes and signals to the sinks.
 */
export class CascadeTracker {
  private detector: CascadeDetector;
  private kept: CascadeSignal[] = [];
  /** Signals produced since start (the kept ones are the last of them). */
  private produced = 0;
  /**
   * Minutes up to this one (start, ms) only step the detector: an earlier process already published
   * them and their signals, and this one is rebuilding its history from a re-read (see aggregation.ts).
   */
  publishedThrough = -Infinity;

  constructor(
    private readonly params: Partial<CascadeParams> = {},
    private readonly maxKept = MAX_KEPT_SIGNALS,
  ) {
    this.detector = new CascadeDetector(params);
  }

  /** Steps the detector; the signals the minute produced, or none when the minute was published before. */
  onMinuteClosed(bucket: MinuteBucket, oiUsd: number | undefined): CascadeSignal[] {
    const signals = this.detector.step(bucket, oiUsd);
    if (bucket.minute <= this.publishedThrough) return [];
    for (const signal of signals) {
      this.kept.push(signal);
      this.produced += 1;
    }
    if (this.kept.length > this.maxKept) this.kept = this.kept.slice(-this.maxKept);
    return signals;
  }

  /** Whether this minute is published (false while re-reading minutes an earlier member published). */
  publishes(minute: number): boolean {
    return minute > this.publishedThrough;
  }

  active(): boolean {
    return this.detector.active;
  }

  current(): ReturnType<CascadeDetector['current']> {
    return this.detector.current();
  }

  /** The most recent signals, oldest first, and how many were produced in all (the index after the last kept one). */
  signals(): { signals: readonly CascadeSignal[]; produced: number } {
    return { signals: this.kept, produced: this.produced };
  }

  /**
   * Forgets the detector's history (a new assignment: the history is rebuilt from the partials re-read,
   * and a member that lost the detector's partition must not keep showing a cascade). Signals already
   * produced stay readable: they were published.
   */
  reset(): void {
    this.detector = new CascadeDetector(this.params);
    this.publishedThrough = -Infinity;
  }
}

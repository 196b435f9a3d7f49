import { z } from 'zod';
import { Fidelity, lowestFidelity, type Side, type VenueId } from '../schema/events.js';

export const MINUTE = 60_000;

/**
 * One venue's share of a minute (1/10,000 USD units). `fidelity` is the least complete of the
 * liquidations in it, so every sum built from minutes (aggregates records, cascade episodes) knows
 * whether it is a lower bound; it is optional because partials published before it existed lack it.
 */
export const VenueMinute = z.object({ long: z.number().int(), short: z.number().int(), count: z.number().int(), fidelity: Fidelity.optional() });
export type VenueMinute = z.infer<typeof VenueMinute>;

/** Liquidated USD (as 1/10,000 USD units) and counts in one event-time minute, by venue and side. */
export interface MinuteBucket {
  minute: number;
  units: number;
  count: number;
  byVenue: Record<VenueId, VenueMinute>;
  /**
   * Lending (DeFi) liquidations of the minute by protocol, apart from every figure above: set on the merged minutes
   * the detection stage hands to its sinks (the aggregates topic) when there were any. Never in `units`/`byVenue`.
   */
  defi?: Record<VenueId, VenueMinute>;
  /** Lending liquidations of earlier (published) minutes taken back by retractions read since: subtract them. */
  defiRetracted?: Record<VenueId, VenueMinute>;
}

/** Adds `part` into `into` (merging partials, summing an episode): counts add, fidelity is the least complete. */
export function addVenueMinute(into: VenueMinute, part: VenueMinute): void {
  into.long += part.long;
  into.short += part.short;
  into.count += part.count;
  const fidelity = lowestFidelity(into.fidelity, part.fidelity);
  if (fidelity !== undefined) into.fidelity = fidelity;
}

/**
 * Per-minute liquidation totals keyed by the minute's start. Kept for `retainMinutes` behind the
 * newest minute (a replay keeps everything it read; a live process a day), so memory is bounded
 * by time, not by the number of events.
 */
export class MinuteSeries {
  private readonly buckets = new Map<number, MinuteBucket>();
  private newest = -Infinity;

  constructor(private readonly retainMinutes = Infinity) {}

  add(timeMs: number, venue: VenueId, side: Side, units: number, fidelity: Fidelity): void {
    const minute = Math.floor(timeMs / MINUTE) * MINUTE;
    if (minute <= this.newest - this.retainMinutes * MINUTE) return;
    let b = this.buckets.get(minute);
    if (!b) {
      this.buckets.set(minute, (b = { minute, units: 0, count: 0, byVenue: {} }));
      if (minute > this.newest) {
        this.newest = minute;
        this.prune();
      }
    }
    const v = (b.byVenue[venue] ??= { long: 0, short: 0, count: 0 });
    v[side] += units;
    v.count += 1;
    v.fidelity = lowestFidelity(v.fidelity, fidelity);
    b.units += units;
    b.count += 1;
  }

  /**
   * Takes back one liquidation added with `add` (a retraction), exactly. A minute no longer kept is left alone
   * (it was pruned with the event in it). The minute's fidelity stays the least complete seen.
   */
  remove(timeMs: number, venue: VenueId, side: Side, units: number): void {
    const b = this.buckets.get(Math.floor(timeMs / MINUTE) * MINUTE);
    const v = b?.byVenue[venue];
    if (!b || !v) return;
    v[side] -= units;
    v.count -= 1;
    b.units -= units;
    b.count -= 1;
  }

  /** Adds a bucket counted elsewhere (a replay worker's share of the minute). */
  addBucket(part: MinuteBucket): void {
    let b = this.buckets.get(part.minute);
    if (!b) {
      this.buckets.set(part.minute, (b = { minute: part.minute, units: 0, count: 0, byVenue: {} }));
      this.newest = Math.max(this.newest, part.minute);
    }
    b.units += part.units;
    b.count += part.count;
    for (const [venue, v] of Object.entries(part.byVenue)) addVenueMinute((b.byVenue[venue] ??= { long: 0, short: 0, count: 0 }), v);
  }

  /** The minutes with data, unordered (what addBucket takes back). */
  withData(): MinuteBucket[] {
    return [...this.buckets.values()];
  }

  get(minute: number): MinuteBucket | undefined {
    return this.buckets.get(minute);
  }

  /**
   * Every minute from the first to the last with data, in order, empty minutes included, except that
   * a silence longer than `maxGapMinutes` keeps only its last `maxGapMinutes` empty minutes (a
   * recording spanning years must not become millions of rows).
   */
  range(maxGapMinutes = 1_440): MinuteBucket[] {
    const minutes = [...this.buckets.keys()].sort((a, b) => a - b);
    const out: MinuteBucket[] = [];
    let prev: number | undefined;
    for (const m of minutes) {
      const from = prev === undefined ? m : Math.max(prev + MINUTE, m - maxGapMinutes * MINUTE);
      for (let e = from; e < m; e += MINUTE) out.push({ minute: e, units: 0, count: 0, byVenue: {} });
      out.push(this.buckets.get(m)!);
      prev = m;
    }
    return out;
  }

  first(): number {
    let min = Infinity;
    for (const m of this.buckets.keys()) if (m < min) min = m;
    return min;
  }

  private prune(): void {
    if (!Number.isFinite(this.retainMinutes)) return;
    const cutoff = this.newest - this.retainMinutes * MINUTE;
    for (const m of this.buckets.keys()) if (m <= cutoff) this.buckets.delete(m);
  }
}

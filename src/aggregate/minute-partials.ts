import { z } from 'zod';
import { VenueId } from '../schema/events.js';
import { addVenueMinute, MINUTE, VenueMinute, type MinuteBucket } from './minute-series.js';

/**
 * One partition's share of one closed minute, published by the aggregator that owns the partition
 * (scale-out: each aggregator of a group sees only its partitions). Liquidation partitions carry
 * their liquidations; open-interest partitions the open interest of their symbols at the minute's end.
 * Sums are integers of 1/10,000 USD, so merging is exact and independent of order.
 */
export const MinutePartial = z.object({
  type: z.literal('minute-partial'),
  minute: z.number().int(),
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  /** Partitions of `topic`: the merge waits for all of them. */
  partitions: z.number().int().min(1),
  units: z.number().int(),
  count: z.number().int().min(0),
  byVenue: z.record(VenueId, VenueMinute),
  /** Open-interest partitions: the sum over the partition's symbols (units); null before any is known. */
  oiUnits: z.number().int().nullable(),
  /** Lending (DeFi) liquidations of the partition in the minute, by protocol, net of retractions read before it closed. */
  defi: z.record(VenueId, VenueMinute).optional(),
  /**
   * Lending liquidations of minutes closed before this one (published with them) that the partition's retractions
   * took back since its previous partial, by protocol: a reader of the aggregates topic subtracts them.
   */
  defiRetracted: z.record(VenueId, VenueMinute).optional(),
});
export type MinutePartial = z.infer<typeof MinutePartial>;

export interface MergedMinute {
  bucket: MinuteBucket;
  /** All-venue open interest, units; undefined before any is known. */
  oiUnits: number | undefined;
}

/**
 * Merges partials into whole minutes, in minute order. A minute is merged once every partition of
 * every topic seen has reported it, has reported a later minute (it had nothing then: an aggregator
 * starts closing at its own first minute), or has been silent for `idleMs` of wall time (its owner
 * is gone or has nothing to close; the merge does not wait for a rebalance). The first partial of a
 * (minute, partition) wins: a new owner re-reports the minutes the previous one had.
 * Pure: wall time is passed in.
 */
export class MinuteMerger {
  private readonly pending = new Map<number, Map<string, MinutePartial>>();
  private readonly partitions = new Map<string, { newest: number; lastSeen: number }>();
  private readonly topics = new Map<string, number>();
  private next: number | undefined;
  /** Wall time of the first merge attempt: a partition never heard of is idle idleMs after it. */
  private started: number | undefined;

  constructor(private readonly idleMs: number) {}

  add(p: MinutePartial, wallNow: number): void {
    const key = `${p.topic}:${p.partition}`;
    this.topics.set(p.topic, Math.max(this.topics.get(p.topic) ?? 0, p.partitions));
    const seen = this.partitions.get(key);
    this.partitions.set(key, { newest: Math.max(seen?.newest ?? -Infinity, p.minute), lastSeen: wallNow });
    if (this.next !== undefined && p.minute < this.next) return;
    let m = this.pending.get(p.minute);
    if (!m) this.pending.set(p.minute, (m = new Map()));
    if (!m.has(key)) m.set(key, p);
  }

  /** The minutes that can be merged now, in order. */
  ready(wallNow: number): MergedMinute[] {
    const out: MergedMinute[] = [];
    this.started ??= wallNow;
    // Stops when nothing is pending: an empty minute is merged only on the way to a reported one.
    while (this.pending.size > 0) {
      const minute = this.next ?? Math.min(...this.pending.keys());
      const got = this.pending.get(minute) ?? new Map<string, MinutePartial>();
      for (const [topic, n] of this.topics)
        for (let partition = 0; partition < n; partition++) {
          const key = `${topic}:${partition}`;
          if (got.has(key)) continue;
          const seen = this.partitions.get(key);
          const passed = seen !== undefined && seen.newest > minute;
          const idle = wallNow - (seen?.lastSeen ?? this.started) >= this.idleMs;
          if (!passed && !idle) return out;
        }
      this.pending.delete(minute);
      this.next = minute + MINUTE;
      out.push(merge(minute, [...got.values()]));
    }
    return out;
  }
}

function merge(minute: number, partials: MinutePartial[]): MergedMinute {
  const bucket: MinuteBucket = { minute, units: 0, count: 0, byVenue: {} };
  let oi: number | undefined;
  for (const p of partials) {
    bucket.units += p.units;
    bucket.count += p.count;
    for (const [venue, v] of Object.entries(p.byVenue) as [VenueId, VenueMinute][]) addVenueMinute((bucket.byVenue[venue] ??= { long: 0, short: 0, count: 0 }), v);
    if (p.oiUnits !== null) oi = (oi ?? 0) + p.oiUnits;
    for (const [venue, v] of Object.entries(p.defi ?? {}) as [VenueId, VenueMinute][]) addVenueMinute(((bucket.defi ??= {})[venue] ??= { long: 0, short: 0, count: 0 }), v);
    for (const [venue, v] of Object.entries(p.defiRetracted ?? {}) as [VenueId, VenueMinute][])
      addVenueMinute(((bucket.defiRetracted ??= {})[venue] ??= { long: 0, short: 0, count: 0 }), v);
  }
  return { bucket, oiUnits: oi };
}

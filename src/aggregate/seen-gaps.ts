import { createHash } from 'node:crypto';
import type { GapEvent } from '../schema/events.js';

/** How many of the latest gaps are remembered: far more than are written between a record and a re-sent copy of it. */
export const SEEN_GAPS_LIMIT = 4096;

/**
 * The latest gaps applied, by what they say: venue, from, to and reason. A gap has no id, and a producer that sends
 * a publish again, after a first attempt that failed having reached the broker in part, writes it twice (the
 * liquidations beside it are dropped as copies by their ids, the gap was counted twice: liqstream_gaps_total and
 * the seconds nobody watched). Two records of the same hole of the same venue are one hole. Kept as digests, so a
 * reason of any length costs the same; the oldest goes first once `limit` are held.
 */
export class SeenGaps {
  private readonly digests = new Set<string>();

  constructor(private readonly limit = SEEN_GAPS_LIMIT) {}

  /** True the first time this gap is seen (among the latest `limit`), false for a copy. */
  add(gap: GapEvent): boolean {
    const digest = createHash('sha256').update(JSON.stringify([gap.venue, gap.from, gap.to, gap.reason])).digest('base64');
    if (this.digests.has(digest)) return false;
    this.digests.add(digest);
    if (this.digests.size > this.limit) this.digests.delete(this.digests.values().next().value!);
    return true;
  }
}

import { countedAsLiquidation, type LiquidationEvent, type NormalizedEvent } from '../schema/events.js';

const DAY_MS = 86_400_000;
/**
 * The tape is kept once per USD floor: a query for liquidations of $1M or more reads the tape of the $1M floor,
 * which at crash rates covers hours where the tape of everything covers seconds (issue 21: a $5M filter over
 * the last 2,000 events in the browser showed 90 s of a crash while the server had 145 since 21:16).
 */
export const TAPE_FLOORS_USD: readonly number[] = [0, 10_000, 100_000, 1_000_000, 10_000_000];

/** A ring of the newest events of one floor, and the newest event time it has let go of. */
class Tape {
  readonly events: LiquidationEvent[] = [];
  head = 0;
  /** Every liquidation of this floor with a later event time is still held (−∞: none let go yet). */
  evictedUpTo = -Infinity;

  constructor(
    readonly floor: number,
    private readonly capacity: number,
  ) {}

  add(e: LiquidationEvent): void {
    if (this.events.length < this.capacity) this.events.push(e);
    else {
      const old = this.events[this.head]!;
      if (old.eventTime > this.evictedUpTo) this.evictedUpTo = old.eventTime;
      this.events[this.head] = e;
      this.head = (this.head + 1) % this.capacity;
    }
  }
}
/** The largest are kept per 10 minutes of event time: a day is 144 buckets. */
const BUCKET_MS = 600_000;
/** Retracted ids remembered to keep their liquidations off the tape and the largest (rare: reorgs on chain). */
const RETRACTED_KEPT = 10_000;

/**
 * The recent liquidations a person looks at: a tape of the newest ones and the largest of the last
 * 24 hours (event time). Bounded: at most `capacity` in the tape, and the `largestKept` largest of
 * each 10 minutes. So the largest `largestKept` of the day are exact, whichever of them expire first.
 * Pure bookkeeping: no I/O, no clock (the newest event time is "now").
 */
export class MarketFeed {
  private readonly tapes: Tape[];
  private readonly buckets = new Map<number, LiquidationEvent[]>();
  private newest = 0;
  /** Ids of retracted (on-chain) liquidations, oldest first: never listed, whether retracted before or after arrival. */
  private readonly retracted = new Set<string>();

  constructor(
    private readonly capacity = 5_000,
    readonly largestKept = 100,
  ) {
    this.tapes = TAPE_FLOORS_USD.map((floor) => new Tape(floor, capacity));
  }

  add(event: NormalizedEvent): void {
    if (event.type === 'retraction') {
      this.retracted.add(event.id);
      if (this.retracted.size > RETRACTED_KEPT) this.retracted.delete(this.retracted.values().next().value!);
      return;
    }
    if (event.type !== 'liquidation' || !countedAsLiquidation(event)) return;
    for (const tape of this.tapes) if (event.notionalUsd >= tape.floor) tape.add(event);
    if (event.eventTime > this.newest) {
      this.newest = event.eventTime;
      for (const start of this.buckets.keys()) if (start + BUCKET_MS <= this.newest - DAY_MS) this.buckets.delete(start);
    }
    if (event.eventTime <= this.newest - DAY_MS) return;
    const start = Math.floor(event.eventTime / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets.get(start);
    if (!bucket) this.buckets.set(start, (bucket = []));
    const smallest = bucket[bucket.length - 1];
    if (bucket.length < this.largestKept || (smallest && byUsd(event, smallest) < 0)) {
      bucket.splice(insertAt(bucket, event), 0, event);
      if (bucket.length > this.largestKept) bucket.length = this.largestKept;
    }
  }

  /** Newest first (by arrival), filtered. */
  recent(filter: LiquidationFilter): LiquidationEvent[] {
    return this.recentWithCover(filter).liquidations;
  }

  /**
   * Newest first (by arrival), filtered, read from the tape of the highest floor at or below `minUsd`, and
   * `completeSince`: every liquidation that matches the filter with a later event time is in the answer
   * (unless `limit` cut it); null when the tape has let none go since the start.
   */
  recentWithCover(filter: LiquidationFilter): { liquidations: LiquidationEvent[]; completeSince: number | null } {
    let tape = this.tapes[0]!;
    for (const t of this.tapes) if (t.floor <= filter.minUsd) tape = t;
    const out: LiquidationEvent[] = [];
    const { events, head } = tape;
    for (let i = events.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const e = events[(head + i) % events.length]!;
      if (this.matches(e, filter)) out.push(e);
    }
    const since = Math.max(tape.evictedUpTo, filter.since ?? -Infinity);
    return { liquidations: out, completeSince: Number.isFinite(since) ? since : null };
  }

  /**
   * The largest of the 24 hours before the newest event, largest first, filtered; exact for at most
   * `largestKept` of them when unfiltered.
   */
  largest(filter: LiquidationFilter): LiquidationEvent[] {
    const since = this.newest - DAY_MS;
    const all: LiquidationEvent[] = [];
    for (const bucket of this.buckets.values()) for (const e of bucket) if (e.eventTime > since && this.matches(e, filter)) all.push(e);
    return all.sort(byUsd).slice(0, Math.min(filter.limit, this.largestKept));
  }

  private matches(e: LiquidationEvent, f: LiquidationFilter): boolean {
    return !this.retracted.has(e.id) && matches(e, f);
  }
}

export interface LiquidationFilter {
  minUsd: number;
  venue?: string;
  symbol?: string;
  /** The coin across venues (base-asset.ts). */
  base?: string;
  /** Only liquidations with a later event time (ms). */
  since?: number;
  limit: number;
}

const byUsd = (a: LiquidationEvent, b: LiquidationEvent) => b.notionalUsd - a.notionalUsd || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Where `e` goes in a list sorted by byUsd (binary search). */
function insertAt(list: LiquidationEvent[], e: LiquidationEvent): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byUsd(list[mid]!, e) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const matches = (e: LiquidationEvent, f: LiquidationFilter) =>
  e.notionalUsd >= f.minUsd &&
  (f.venue === undefined || e.venue === f.venue) &&
  (f.symbol === undefined || e.symbol === f.symbol) &&
  (f.base === undefined || e.base === f.base) &&
  (f.since === undefined || e.eventTime > f.since);

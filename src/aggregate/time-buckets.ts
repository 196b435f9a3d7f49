/**
 * Values kept per bucket of event time (one per minute, hour, …), and those older than a horizon behind the newest
 * event time dropped whole: memory bounded by time, not by how many events came. What a bucket holds is the
 * caller's (SeenIds: a hash table of ids; RetractionLedger: a map of ids).
 *
 * A bucket is answered while it is no older than the horizon behind the newest event time's bucket: an event between
 * the horizon and the horizon plus one bucket behind may still be found, none older is.
 */
export class TimeBuckets<T> {
  private readonly buckets = new Map<number, T>();
  private oldest = -Infinity;
  /** `oldest` when the buckets below it were last deleted. */
  private pruned = -Infinity;
  // The last bucket asked for: consecutive events mostly share one, so most lookups skip the Map.
  private lastKey = NaN;
  private last: T | undefined;

  constructor(
    private readonly bucketMs: number,
    private readonly horizonMs: number,
    private readonly make: () => T,
  ) {}

  /**
   * The bucket of `eventTime`, made when it is new; undefined when it is older than the horizon behind the newest
   * event time seen (it cannot be checked: dropped already, or never kept).
   */
  at(eventTime: number): T | undefined {
    const oldest = Math.floor((eventTime - this.horizonMs) / this.bucketMs);
    if (oldest > this.oldest) {
      this.oldest = oldest;
      // Deleting goes over every key: done once the oldest moved PRUNE_STEP buckets, not at each step (events one
      // bucket apart paid it on every event). Buckets below `oldest` are never answered, deleted or not.
      if (oldest - this.pruned >= PRUNE_STEP) this.prune();
    }
    const key = Math.floor(eventTime / this.bucketMs);
    if (key < this.oldest) return undefined;
    if (key === this.lastKey) return this.last;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, (bucket = this.make()));
    this.lastKey = key;
    this.last = bucket;
    return bucket;
  }

  /** The buckets still answered (those past the horizon deleted first). */
  values(): IterableIterator<T> {
    this.prune();
    return this.buckets.values();
  }

  private prune(): void {
    this.pruned = this.oldest;
    for (const k of this.buckets.keys()) if (k < this.oldest) this.buckets.delete(k);
  }
}

/** Buckets past the horizon are deleted once this many more are (see TimeBuckets.at). */
const PRUNE_STEP = 16;

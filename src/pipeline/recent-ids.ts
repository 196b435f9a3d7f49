import { idHash, idHashB, idHashFirstHalf } from '../aggregate/id-hash.js';

/**
 * Remembers the last `capacity` ids. A connection rollover overlaps two sockets for a moment,
 * so the same venue message can arrive twice; deterministic ids let us drop the copy.
 *
 * Every event passes through here, so it is a hash table of its own rather than a Set: a Set that
 * adds one id and deletes the oldest per event cost 400–600 ns per event (V8's ordered tables
 * rehash as deletions accumulate), this one about 150 ns, most of it hashing the id (src/aggregate/id-hash.ts: the
 * aggregator's filter takes the same hash from here on the embedded bus). Ids sit in a
 * ring in arrival order; each bucket chains ring slots through `nextInBucket`.
 */
export class RecentIds {
  private readonly ids: string[];
  private readonly hashes: Int32Array;
  private readonly nextInBucket: Int32Array;
  private readonly heads: Int32Array;
  private readonly mask: number;
  private used = 0;
  private oldest = 0;
  /** With `bothHalves`, the last id's hash (idHash's two halves), left for the ingestor to hand on: the aggregator's filter takes it. */
  lastHashA = 0;
  lastHashB = 0;

  /**
   * `bothHalves`: compute idHash's second half too and leave both in lastHashA/B (the embedded bus hands them on); off,
   * only the first, which the buckets use (on Kafka the aggregator hashes each id in its own process: ≈ 35 ns a
   * 70-character id saved).
   */
  constructor(
    private readonly capacity: number,
    private readonly bothHalves = false,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    let buckets = 1;
    while (buckets < capacity * 2) buckets *= 2;
    this.mask = buckets - 1;
    this.heads = new Int32Array(buckets).fill(-1);
    this.ids = new Array<string>(capacity).fill('');
    this.hashes = new Int32Array(capacity);
    this.nextInBucket = new Int32Array(capacity);
  }

  /** True when the id was seen recently; otherwise remembers it. */
  seen(id: string): boolean {
    let hash: number;
    if (this.bothHalves) {
      hash = idHash(id);
      this.lastHashA = hash;
      this.lastHashB = idHashB;
    } else hash = idHashFirstHalf(id);
    const bucket = hash & this.mask;
    for (let i = this.heads[bucket]!; i !== -1; i = this.nextInBucket[i]!) {
      if (this.hashes[i] === hash && this.ids[i] === id) return true;
    }
    const slot = this.oldest;
    if (this.used === this.capacity) this.unlink(slot);
    else this.used += 1;
    this.ids[slot] = id;
    this.hashes[slot] = hash;
    this.nextInBucket[slot] = this.heads[bucket]!;
    this.heads[bucket] = slot;
    this.oldest = slot + 1 === this.capacity ? 0 : slot + 1;
    return false;
  }

  private unlink(slot: number): void {
    const bucket = this.hashes[slot]! & this.mask;
    let i = this.heads[bucket]!;
    if (i === slot) {
      this.heads[bucket] = this.nextInBucket[slot]!;
      return;
    }
    while (this.nextInBucket[i] !== slot) i = this.nextInBucket[i]!;
    this.nextInBucket[i] = this.nextInBucket[slot]!;
  }
}

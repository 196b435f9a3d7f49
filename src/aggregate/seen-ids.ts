import { idHash, idHashB } from './id-hash.js';
import { TimeBuckets } from './time-buckets.js';

/**
 * Ids are kept per event-time minute: during a cascade the minutes being written are a few hundred KB each and
 * stay in the CPU's cache, where one table per hour grew to tens of MB and took a cache miss per id (the embedded
 * real mix in one process, paired runs, 2026-12-06: 7% faster; docs/benchmarks.md). RetractionLedger keeps its ids
 * by the same minutes, so the two agree on what is still checked.
 */
export const ID_BUCKET_MS = 60_000;
/**
 * A minute's first table: 16 slots, 160 bytes. A quiet minute holds a few ids and the horizon about 1,560 minutes: at
 * 256 slots the tables of a quiet day took 4 MB whatever the ids (the review of 2026-12-06).
 */
const FIRST_SLOTS = 16;

/** What `SeenIds.check` found: a new id, one seen in the current generation, or one seen only before it. */
export const NEW_ID = 0;
export const SEEN_ID = 1;
export const SEEN_BEFORE_RESET = 2;
export type IdCheck = typeof NEW_ID | typeof SEEN_ID | typeof SEEN_BEFORE_RESET;

/**
 * Liquidation ids seen within a horizon of event time, for dropping the copies that active-active
 * connectors (two processes on one venue) and re-reads after a restart deliver. Ids are deterministic
 * per venue event and so is their event time, so an id is looked up only in its own event-time minute.
 *
 * Each minute is an open-addressing table of 64-bit hashes (two independent 32-bit FNV-1a variants) in
 * an Int32Array, with a 16-bit generation per slot: 10 bytes a slot, grown at half full, so 20–40 bytes
 * per id in a minute of 8 ids or more (160 bytes a minute below that) instead of the ~100 a string in a Set
 * costs. Two different ids collide with probability about n²/2⁶⁵ within one minute (3·10⁻⁸ for a million
 * ids in one minute); a collision drops one real event. Minutes older than the horizon behind the newest
 * event time are dropped whole: memory is bounded by the ids of the horizon.
 *
 * Generations: the aggregator rebuilds its windows from a re-read on every assignment and needs a
 * filter that starts empty for that (`nextGeneration`), but it must also remember, across the
 * rebalance, which ids it has already counted: an id seen only in an earlier generation is
 * SEEN_BEFORE_RESET (apply it to the rebuilt state, never count it again).
 */
export class SeenIds {
  private readonly minutes: TimeBuckets<HashTable>;
  private generation = 1;

  constructor(horizonMs: number) {
    this.minutes = new TimeBuckets(ID_BUCKET_MS, horizonMs, () => new HashTable());
  }

  /** True when `id` was already seen (in any generation); otherwise remembers it. */
  seen(id: string, eventTime: number): boolean {
    return this.check(id, eventTime) !== NEW_ID;
  }

  /**
   * Whether `id` is new, was seen in this generation, or only in an earlier one; marks it as seen in
   * this generation. An event older than the horizon (behind the newest event time seen) cannot be
   * checked and counts as new. `hashA` and `hashB`: `id`'s idHash when the caller has it (0, 0: hashed here).
   */
  check(id: string, eventTime: number, hashA = 0, hashB = 0): IdCheck {
    const table = this.minutes.at(eventTime);
    if (!table) return NEW_ID;
    if (hashA === 0 && hashB === 0) {
      hashA = idHash(id);
      hashB = idHashB;
    }
    return table.add(hashA, hashB, this.generation);
  }

  /** Starts a new generation: every id seen so far becomes SEEN_BEFORE_RESET until it is seen again. */
  nextGeneration(): void {
    if (this.generation < 0xffff) this.generation += 1;
    else {
      // Wrapped: mark every id as earlier (generation 0) and start again at 1, so no old slot aliases.
      for (const t of this.minutes.values()) t.clearGenerations();
      this.generation = 1;
    }
  }

  /** Bytes held by the tables (for the memory figure in docs/reliability.md). */
  bytes(): number {
    let n = 0;
    for (const t of this.minutes.values()) n += t.bytes();
    return n;
  }
}

class HashTable {
  private slots = new Int32Array(2 * FIRST_SLOTS);
  private generations = new Uint16Array(FIRST_SLOTS);
  private size = 0;

  bytes(): number {
    return this.slots.byteLength + this.generations.byteLength;
  }

  clearGenerations(): void {
    this.generations.fill(0);
  }

  /** Adds an id's hash (idHash's halves) in `generation`; says whether it was new, or there in this or an earlier generation. */
  add(a: number, b: number, generation: number): IdCheck {
    const found = this.insert(a, b, generation);
    if (found !== NEW_ID) return found;
    if (++this.size * 2 > this.slots.length / 2) this.grow();
    return NEW_ID;
  }

  private insert(a: number, b: number, generation: number): IdCheck {
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    for (let i = (a ^ (b >>> 7)) & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i]!;
      const y = slots[2 * i + 1]!;
      if (x === 0 && y === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        this.generations[i] = generation;
        return NEW_ID;
      }
      if (x === a && y === b) {
        if (this.generations[i] === generation) return SEEN_ID;
        this.generations[i] = generation;
        return SEEN_BEFORE_RESET;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldGenerations = this.generations;
    this.slots = new Int32Array(old.length * 2);
    this.generations = new Uint16Array(oldGenerations.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!, oldGenerations[i / 2]!);
  }
}

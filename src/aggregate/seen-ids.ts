const HOUR = 3_600_000;

/**
 * Liquidation ids seen within a horizon of event time, for dropping the copies that active-active
 * connectors (two processes on one venue) and re-reads after a restart deliver. Ids are deterministic
 * per venue event and so is their event time, so an id is looked up only in its own event-time hour.
 *
 * Each hour is an open-addressing table of 64-bit hashes (two independent 32-bit FNV-1a variants) in
 * an Int32Array: 8 bytes a slot, grown at half full, so 16–32 bytes per id instead of the ~100 a string
 * in a Set costs. Two different ids collide with probability about n²/2⁶⁵ (3·10⁻⁶ for 10 million ids
 * in one hour); a collision drops one real event. Hours older than the horizon behind the newest event
 * time are dropped whole: memory is bounded by the ids of the horizon.
 */
export class SeenIds {
  private readonly hours = new Map<number, HashTable>();
  private oldestHour = -Infinity;

  constructor(private readonly horizonMs: number) {}

  /**
   * True when `id` was already seen; otherwise remembers it. An event older than the horizon (behind the
   * newest event time seen) cannot be checked and counts as new (returns false).
   */
  seen(id: string, eventTime: number): boolean {
    const oldest = Math.floor((eventTime - this.horizonMs) / HOUR);
    if (oldest > this.oldestHour) {
      this.oldestHour = oldest;
      for (const h of this.hours.keys()) if (h < oldest) this.hours.delete(h);
    }
    const hour = Math.floor(eventTime / HOUR);
    if (hour < this.oldestHour) return false;
    let table = this.hours.get(hour);
    if (!table) this.hours.set(hour, (table = new HashTable()));
    return !table.add(id);
  }

  /** Bytes held by the tables (for the memory figure in docs/reliability.md). */
  bytes(): number {
    let n = 0;
    for (const t of this.hours.values()) n += t.bytes();
    return n;
  }
}

class HashTable {
  private slots = new Int32Array(2 * 1024);
  private size = 0;

  bytes(): number {
    return this.slots.byteLength;
  }

  /** Adds the id's hash; false when it was already there. */
  add(id: string): boolean {
    let a = 0x811c9dc5 | 0;
    let b = 0x2f3e9d6b | 0;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    if (a === 0 && b === 0) b = 1; // (0, 0) marks an empty slot
    if (!this.insert(a, b)) return false;
    if (++this.size * 2 > this.slots.length / 2) this.grow();
    return true;
  }

  private insert(a: number, b: number): boolean {
    const slots = this.slots;
    const mask = slots.length / 2 - 1;
    for (let i = (a ^ (b >>> 7)) & mask; ; i = (i + 1) & mask) {
      const x = slots[2 * i]!;
      const y = slots[2 * i + 1]!;
      if (x === 0 && y === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = b;
        return true;
      }
      if (x === a && y === b) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i]!, old[i + 1]!);
  }
}

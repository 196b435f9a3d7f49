/**
 * Remembers the last `capacity` ids. A connection rollover overlaps two sockets for a moment,
 * so the same venue message can arrive twice; deterministic ids let us drop the copy.
 */
export class RecentIds {
  private readonly set = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  /** True when the id was seen recently; otherwise remembers it. */
  seen(id: string): boolean {
    if (this.set.has(id)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.set.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.set.add(id);
    return false;
  }
}

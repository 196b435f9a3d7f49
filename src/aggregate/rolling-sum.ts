/**
 * A rolling sum over event time with fixed-size buckets: memory is bounded by the number of
 * buckets, never by the number of events. Buckets are addressed by absolute index
 * (floor(time / resolution)); a slot whose stored index differs holds stale data and reads as 0.
 */
export class RollingSum {
  private readonly index: Float64Array;
  private readonly units: Float64Array;
  private readonly counts: Float64Array;
  private newest = -Infinity;

  constructor(
    readonly resolutionMs: number,
    readonly slots: number,
  ) {
    this.index = new Float64Array(slots).fill(-1);
    this.units = new Float64Array(slots);
    this.counts = new Float64Array(slots);
  }

  get spanMs(): number {
    return this.resolutionMs * this.slots;
  }

  /** Returns false when the event is older than the span kept (it cannot be placed in a bucket). */
  add(timeMs: number, units: number): boolean {
    const abs = Math.floor(timeMs / this.resolutionMs);
    if (abs <= this.newest - this.slots) return false;
    if (abs > this.newest) this.newest = abs;
    const slot = abs % this.slots;
    if (this.index[slot] !== abs) {
      this.index[slot] = abs;
      this.units[slot] = 0;
      this.counts[slot] = 0;
    }
    this.units[slot]! += units;
    this.counts[slot]! += 1;
    return true;
  }

  /**
   * Takes back one event added with `add` (a retraction): exact, as units are integers. False when its bucket is
   * no longer kept (older than the span: it left every window already, nothing to take back).
   */
  remove(timeMs: number, units: number): boolean {
    const abs = Math.floor(timeMs / this.resolutionMs);
    const slot = ((abs % this.slots) + this.slots) % this.slots;
    if (this.index[slot] !== abs) return false;
    this.units[slot]! -= units;
    this.counts[slot]! -= 1;
    return true;
  }

  /** Sum and count of events with time in (nowMs - windowMs, nowMs], at bucket resolution. */
  sum(windowMs: number, nowMs: number): { units: number; count: number } {
    // Never the sum of what is kept in place of a longer window (WindowSpec refuses those at start).
    if (windowMs > this.spanMs) throw new RangeError(`a ${windowMs} ms window is longer than the ${this.spanMs} ms kept`);
    const last = Math.floor(nowMs / this.resolutionMs);
    const n = Math.ceil(windowMs / this.resolutionMs);
    let units = 0;
    let count = 0;
    for (let abs = last - n + 1; abs <= last; abs++) {
      const slot = ((abs % this.slots) + this.slots) % this.slots;
      if (this.index[slot] === abs) {
        units += this.units[slot]!;
        count += this.counts[slot]!;
      }
    }
    return { units, count };
  }

  /** The bucket starting at `startMs`, if still kept. */
  bucket(startMs: number): { units: number; count: number } {
    return this.sum(this.resolutionMs, startMs);
  }
}

/**
 * The event-time watermark of a set of partitions: the minimum over the partitions that may still
 * deliver something older than the rest. Kafka keeps order only within a partition, and kafkajs
 * hands over one partition's batch at a time, so the newest event time seen (the old watermark)
 * races ahead of partitions whose batches come later, most of all when catching up a backlog.
 *
 * A partition holds the watermark back while
 * - it had a backlog at assignment that it has not read up to yet (its clock may be far behind), or
 * - it delivered something, or was assigned, within the last `idleMs` of **wall** time (a partition
 *   that has not delivered yet may be about to: kafkajs fetches partitions one after another).
 * Idleness is wall time on purpose: an idle partition has no event time of its own, and judging it by
 * the other partitions' event time would call a partition idle merely because another one is being
 * read faster through a backlog. Wall time measures what matters: is this partition still delivering?
 * After a silence of every partition (none delivered for idleMs), the first delivery gives each partition
 * idleMs again, as an assignment does: data resumes on all of them at once (a spill drained after a broker
 * outage, a burst after a quiet spell), one partition's batch at a time, and the first batch alone would
 * otherwise close the minutes that the next partitions' batches still hold events of.
 *
 * When no partition holds it back, the watermark is the newest event time seen. It never goes back.
 * Pure: wall time is passed in.
 */
export class PartitionWatermark {
  private readonly partitions = new Map<string, { clock: number; lastDelivery: number; backlog: boolean }>();
  private value = -Infinity;

  constructor(private readonly idleMs: number) {}

  /** A new assignment replaces the previous one; a partition kept across it keeps its clock. */
  assign(partitions: { key: string; backlog: boolean }[], wallNow: number): void {
    const next = new Map<string, { clock: number; lastDelivery: number; backlog: boolean }>();
    for (const { key, backlog } of partitions) {
      const prev = this.partitions.get(key);
      next.set(key, { clock: prev?.clock ?? -Infinity, lastDelivery: wallNow, backlog });
    }
    this.partitions.clear();
    for (const [k, v] of next) this.partitions.set(k, v);
  }

  /** A batch of `key` was applied: its newest event time (if any) and whether it has caught up to its backlog. */
  delivered(key: string, newestEventTime: number, caughtUp: boolean, wallNow: number): void {
    if (this.allIdle(wallNow)) for (const q of this.partitions.values()) q.lastDelivery = wallNow;
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = { clock: -Infinity, lastDelivery: wallNow, backlog: false }));
    if (newestEventTime > p.clock) p.clock = newestEventTime;
    p.lastDelivery = wallNow;
    if (caughtUp) p.backlog = false;
  }

  current(wallNow: number): number {
    let min = Infinity;
    let max = -Infinity;
    let holding = false;
    for (const p of this.partitions.values()) {
      if (p.clock > max) max = p.clock;
      if (this.holds(p, wallNow)) {
        holding = true;
        if (p.clock < min) min = p.clock;
      }
    }
    const w = holding ? min : max;
    if (w > this.value) this.value = w;
    return this.value;
  }

  private holds(p: { lastDelivery: number; backlog: boolean }, wallNow: number): boolean {
    return p.backlog || wallNow - p.lastDelivery < this.idleMs;
  }

  private allIdle(wallNow: number): boolean {
    for (const p of this.partitions.values()) if (this.holds(p, wallNow)) return false;
    return true;
  }
}

import type { AssignedPartition } from '../bus/bus.js';

/**
 * Where each assigned partition stands against the offsets fixed at assignment: below `live` it is
 * rebuilding (re-reading what an earlier member applied), below `end` it is warming (catching up to
 * what was in the log when it was assigned). Pure bookkeeping; the bus reports offsets.
 */
export class AssignmentProgress {
  private readonly partitions = new Map<string, { live: number; end: number; next: number }>();
  private assigned = false;

  static key(topic: string, partition: number): string {
    return `${topic}:${partition}`;
  }

  /** A new assignment replaces the previous one. */
  assign(partitions: AssignedPartition[]): void {
    this.assigned = true;
    this.partitions.clear();
    for (const p of partitions)
      this.partitions.set(AssignmentProgress.key(p.topic, p.partition), { live: p.live, end: p.end, next: p.start });
  }

  /** A batch was applied, up to `nextOffset`. */
  advanced(key: string, nextOffset: number | undefined): void {
    const p = this.partitions.get(key);
    if (p && nextOffset !== undefined && nextOffset > p.next) p.next = nextOffset;
  }

  backlog(key: string): boolean {
    const p = this.partitions.get(key);
    return p !== undefined && p.next < p.end;
  }

  /** Some partition has not yet re-read up to its committed offset. */
  rebuilding(): boolean {
    for (const p of this.partitions.values()) if (p.next < p.live) return true;
    return false;
  }

  /** Not yet assigned, or some partition has not yet read up to the log end seen at assignment. */
  warming(): boolean {
    if (!this.assigned) return true;
    for (const p of this.partitions.values()) if (p.next < p.end) return true;
    return false;
  }
}

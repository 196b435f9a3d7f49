import type { LiquidationEvent } from '../schema/events.js';
import { ID_BUCKET_MS } from './seen-ids.js';
import { TimeBuckets } from './time-buckets.js';

interface Entry {
  /** The event as applied, and its units: a retraction takes back exactly these, whatever copy it carries. */
  applied?: { event: LiquidationEvent; units: number };
  retracted: boolean;
  /** This process counted it in its lifetime totals (not only re-read it to rebuild state). */
  countedHere: boolean;
  /** The state generation (see Aggregator.resetState) it was last applied in: windows and minutes hold it then. */
  generation: number;
}

/** What a retraction found: its event was never applied (nothing to take back), or was, and where. */
export type RetractionMatch = { applied: false } | { applied: true; event: LiquidationEvent; units: number; countedHere: boolean; inState: boolean };

/**
 * Which retractable liquidations (on-chain ones) were applied and which were retracted, by id, within a horizon
 * of event time: a retraction subtracts only what was added, once. A retraction that arrives before its event
 * (another partition, a replay, a re-read that starts between them) is remembered, and the event is then never
 * counted: a retracted id stays retracted (a log re-included after a reorg back to the same block hash gets the
 * same id and is not counted again; docs/reliability.md). Plain strings in a Map: only on-chain liquidations are
 * kept, a few thousand a day even on 10 October 2025, not the millions of perps the SeenIds hash tables hold.
 */
export class RetractionLedger {
  /** Ids per event-time minute, SeenIds's buckets: not tracked past the horizon, as there. */
  private readonly minutes: TimeBuckets<Map<string, Entry>>;
  private generation = 1;

  constructor(horizonMs: number) {
    this.minutes = new TimeBuckets(ID_BUCKET_MS, horizonMs, () => new Map());
  }

  /**
   * An on-chain liquidation about to be applied: false when its id was retracted (do not apply it), else true
   * and it is remembered as applied in the current generation.
   */
  applying(event: LiquidationEvent, units: number, countedHere: boolean): boolean {
    const ids = this.minutes.at(event.eventTime);
    if (ids === undefined) return true;
    const entry = ids.get(event.id);
    if (entry?.retracted) return false;
    if (entry) {
      entry.countedHere ||= countedHere;
      entry.generation = this.generation;
    } else ids.set(event.id, { applied: { event, units }, retracted: false, countedHere, generation: this.generation });
    return true;
  }

  /** Marks `id` retracted; says whether (and where) its event had been applied and not yet retracted. */
  retract(id: string, eventTime: number): RetractionMatch {
    const ids = this.minutes.at(eventTime);
    if (ids === undefined) return { applied: false };
    const entry = ids.get(id);
    if (!entry) {
      ids.set(id, { retracted: true, countedHere: false, generation: 0 });
      return { applied: false };
    }
    if (entry.retracted || !entry.applied) return { applied: false };
    entry.retracted = true;
    const { event, units } = entry.applied;
    entry.applied = undefined;
    return { applied: true, event, units, countedHere: entry.countedHere, inState: entry.generation === this.generation };
  }

  /** Windows and minutes were rebuilt from nothing: what was applied before is no longer in them until re-read. */
  nextGeneration(): void {
    this.generation += 1;
  }

  get size(): number {
    let n = 0;
    for (const m of this.minutes.values()) n += m.size;
    return n;
  }
}

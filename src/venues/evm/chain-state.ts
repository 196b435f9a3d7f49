import type { LiquidationEvent } from '../../schema/events.js';

/** How far back the parser remembers heads and what it emitted: a reorg deeper than this cannot be retracted. */
export const REORG_DEPTH = 64;

/**
 * One chain's recent history as the parser saw it: block hashes by number (from heads), and the liquidations it
 * emitted per block, so that a reorg retracts exactly the events of orphaned blocks, each once.
 */
export class ChainState {
  private readonly heads = new Map<number, { hash: string; timestamp?: number }>();
  private readonly emitted = new Map<number, Map<string, LiquidationEvent>>();
  /** Highest block number of the chain the parser follows; -1 before the first head. */
  tip = -1;

  hashOf(block: number): string | undefined {
    return this.heads.get(block)?.hash;
  }

  /** Block time in seconds, when its head was seen. */
  timestampOf(block: number, hash: string): number | undefined {
    const h = this.heads.get(block);
    return h && h.hash === hash ? h.timestamp : undefined;
  }

  /**
   * A new head. Returns the events of blocks it orphans (stored hash differs from the new chain's: a head for a
   * stored number with another hash, or a parent hash that differs from the stored block below), and the lowest
   * block number that changed (for the price book), if any.
   */
  head(number: number, hash: string, parentHash: string, timestamp: number): { retracted: LiquidationEvent[]; changedFrom?: number } {
    let conflict = Infinity;
    const stored = this.heads.get(number);
    if (stored && stored.hash !== hash) conflict = number;
    const parent = this.heads.get(number - 1);
    if (parent && parent.hash !== parentHash) conflict = Math.min(conflict, number - 1);
    if (conflict !== Infinity) {
      for (const n of [...this.heads.keys()]) if (n >= conflict) this.heads.delete(n);
      this.tip = number;
    } else this.tip = Math.max(this.tip, number);
    if (number > 0 && !this.heads.has(number - 1)) this.heads.set(number - 1, { hash: parentHash });
    this.heads.set(number, { hash, timestamp });
    // Events of blocks from the conflict (or of this block and its parent, in case a log came before its head) whose
    // hash is not the chain's now: above the new tip there is no block at all.
    const retracted: LiquidationEvent[] = [];
    const from = Math.min(conflict, number - 1);
    for (const [n, events] of this.emitted) {
      if (n < from) continue;
      const now = this.heads.get(n)?.hash;
      for (const [id, e] of events)
        if (e.onchain!.blockHash !== now) {
          retracted.push(e);
          events.delete(id);
        }
      if (events.size === 0) this.emitted.delete(n);
    }
    this.prune();
    retracted.sort((a, b) => a.onchain!.blockNumber - b.onchain!.blockNumber || a.onchain!.logIndex - b.onchain!.logIndex);
    return { retracted, ...(conflict !== Infinity || retracted.length > 0 ? { changedFrom: from } : {}) };
  }

  /** True when this event id was already emitted (the same log from the subscription and a backfill). */
  has(block: number, id: string): boolean {
    return this.emitted.get(block)?.has(id) ?? false;
  }

  record(e: LiquidationEvent): void {
    const n = e.onchain!.blockNumber;
    let m = this.emitted.get(n);
    if (!m) this.emitted.set(n, (m = new Map()));
    m.set(e.id, e);
  }

  /** Forgets and returns an emitted event (a log that came back `removed: true`). */
  take(block: number, id: string): LiquidationEvent | undefined {
    const m = this.emitted.get(block);
    const e = m?.get(id);
    if (e) m!.delete(id);
    return e;
  }

  private prune(): void {
    const floor = this.tip - REORG_DEPTH;
    for (const n of this.heads.keys()) if (n < floor) this.heads.delete(n);
    for (const n of this.emitted.keys()) if (n < floor) this.emitted.delete(n);
  }
}

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
  private highestLog = -1;

  hashOf(block: number): string | undefined {
    return this.heads.get(block)?.hash;
  }

  /** Block time in seconds, when its head was seen. */
  timestampOf(block: number, hash: string): number | undefined {
    const h = this.heads.get(block);
    return h && h.hash === hash ? h.timestamp : undefined;
  }

  /**
   * A new head (or a header the connector read back). Returns the events of the blocks it shows orphaned, and the
   * lowest block number that changed (for the price book), if any. What it shows: this block's hash (a stored block
   * of this number with another hash is orphaned) and its parent's (likewise for number-1). Blocks above are NOT
   * assumed orphaned: the connector may already have recorded the new chain's blocks above (a re-read walks back
   * from the tip), and a block of the old chain above the new tip is orphaned when the new chain's block of that
   * number arrives, at the latest one new head later.
   */
  head(number: number, hash: string, parentHash: string, timestamp: number): { retracted: LiquidationEvent[]; changedFrom?: number } {
    const changed: number[] = [];
    const stored = this.heads.get(number);
    if (stored && stored.hash !== hash) changed.push(number);
    const parent = this.heads.get(number - 1);
    if (parent && parent.hash !== parentHash) changed.push(number - 1);
    if (number > 0 && (!parent || parent.hash !== parentHash)) this.heads.set(number - 1, { hash: parentHash });
    this.heads.set(number, { hash, timestamp });
    this.tip = Math.max(this.tip, number);
    // Events of this block and its parent whose hash is not the chain's now (also those emitted before any head
    // of their number was seen).
    const retracted: LiquidationEvent[] = [];
    for (const n of [number - 1, number]) {
      const events = this.emitted.get(n);
      if (!events) continue;
      const now = this.heads.get(n)?.hash;
      for (const [id, e] of events)
        if (e.onchain!.blockHash !== now) {
          retracted.push(e);
          events.delete(id);
          if (!changed.includes(n)) changed.push(n);
        }
      if (events.size === 0) this.emitted.delete(n);
    }
    this.prune();
    retracted.sort((a, b) => a.onchain!.blockNumber - b.onchain!.blockNumber || a.onchain!.logIndex - b.onchain!.logIndex);
    return { retracted, ...(changed.length > 0 ? { changedFrom: Math.min(...changed) } : {}) };
  }

  /**
   * A log of block `number` with a hash other than the stored one: the node's chain has moved (a log comes from the
   * node's current chain; one of an abandoned chain comes `removed: true`), before the connector recorded the new
   * header. That block's events of the old hash are orphaned; the block keeps the new hash.
   */
  block(number: number, hash: string): { retracted: LiquidationEvent[]; changedFrom?: number } {
    const stored = this.heads.get(number);
    if (!stored || stored.hash === hash) return { retracted: [] };
    this.heads.set(number, { hash });
    const retracted: LiquidationEvent[] = [];
    const events = this.emitted.get(number);
    for (const [id, e] of events ?? [])
      if (e.onchain!.blockHash !== hash) {
        retracted.push(e);
        events!.delete(id);
      }
    retracted.sort((a, b) => a.onchain!.logIndex - b.onchain!.logIndex);
    return { retracted, changedFrom: number };
  }

  /** True when this event id was already emitted (the same log from the subscription and a backfill). */
  has(block: number, id: string): boolean {
    return this.emitted.get(block)?.has(id) ?? false;
  }

  record(e: LiquidationEvent): void {
    const n = e.onchain!.blockNumber;
    // Logs without heads (an eth_getLogs import of a block range) advance the horizon too, so memory stays bounded.
    if (n > this.highestLog) {
      this.highestLog = n;
      this.prune();
    }
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

  /** Blocks whose emitted events are still held (bounded by REORG_DEPTH below the highest block seen). */
  get heldBlocks(): number {
    return this.emitted.size;
  }

  private prune(): void {
    const floor = Math.max(this.tip, this.highestLog) - REORG_DEPTH;
    for (const n of this.heads.keys()) if (n < floor) this.heads.delete(n);
    for (const n of this.emitted.keys()) if (n < floor) this.emitted.delete(n);
  }
}

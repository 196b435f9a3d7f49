/**
 * Chainlink answers per aggregator, in chain order (block number, log index), so a liquidation is valued at the
 * oracle's last update strictly BEFORE it: the price the protocol itself saw, without an archive node. Bounded per
 * feed (a feed updates every heartbeat or deviation; the oldest are dropped first). Updates of orphaned blocks are
 * dropped on a reorg (`retain`).
 */
export interface PriceUpdate {
  block: number;
  logIndex: number;
  blockHash: string;
  /** The raw answer (feed decimals apply). */
  answer: bigint;
}

const before = (a: { block: number; logIndex: number }, block: number, logIndex: number): boolean => a.block < block || (a.block === block && a.logIndex < logIndex);

export class PriceBook {
  private readonly feeds = new Map<string, PriceUpdate[]>();

  constructor(private readonly maxPerFeed = 4_096) {}

  add(feed: string, u: PriceUpdate): void {
    let list = this.feeds.get(feed);
    if (!list) this.feeds.set(feed, (list = []));
    // Usually appended in order; a backfill or re-read inserts earlier ones. The same (block, logIndex) replaces.
    let i = list.length;
    while (i > 0 && before(u, list[i - 1]!.block, list[i - 1]!.logIndex)) i--;
    const prev = list[i - 1];
    if (prev && prev.block === u.block && prev.logIndex === u.logIndex) list[i - 1] = u;
    else list.splice(i, 0, u);
    if (list.length > this.maxPerFeed) list.splice(0, list.length - this.maxPerFeed);
  }

  /** The last update of `feed` strictly before (block, logIndex), or undefined when none is known. */
  before(feed: string, block: number, logIndex: number): PriceUpdate | undefined {
    const list = this.feeds.get(feed);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length; // first index not before
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(list[mid]!, block, logIndex)) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : undefined;
  }

  /** Keeps only the updates `keep` accepts (drops those of orphaned blocks). */
  retain(keep: (u: PriceUpdate) => boolean): void {
    for (const [feed, list] of this.feeds) this.feeds.set(feed, list.filter(keep));
  }

  /** Drops one update (a log that came back `removed: true`). */
  remove(feed: string, blockHash: string, logIndex: number): void {
    const list = this.feeds.get(feed);
    if (list) this.feeds.set(feed, list.filter((u) => !(u.blockHash === blockHash && u.logIndex === logIndex)));
  }
}

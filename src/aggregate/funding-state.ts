import type { FundingEvent, VenueId } from '../schema/events.js';

/** What /api/funding and the funding gauges say of one market. */
export interface FundingView {
  venue: VenueId;
  symbol: string;
  base: string;
  rate: number;
  intervalHours: number;
  ratePerHour: number;
  markPrice: number | null;
  indexPrice: number | null;
  nextFundingTime: number | null;
  eventTime: number;
}

/**
 * The last funding rate and mark price per market (issue 21): state, like open interest, never a total.
 * The latest by event time wins, so a re-read or Kafka's interleaving of partitions gives the same state.
 * Bounded: at most `maxMarkets` markets (least recently updated evicted), as market names are unbounded.
 */
export class FundingState {
  private readonly markets = new Map<string, FundingEvent>();

  constructor(private readonly maxMarkets = 4_096) {}

  apply(e: FundingEvent): void {
    const key = `${e.venue}|${e.symbol}`;
    const prev = this.markets.get(key);
    if (prev && prev.eventTime > e.eventTime) return;
    // Re-inserted, so Map order is recency order and the oldest is the first key.
    this.markets.delete(key);
    this.markets.set(key, e);
    if (this.markets.size > this.maxMarkets) this.markets.delete(this.markets.keys().next().value!);
  }

  clear(): void {
    this.markets.clear();
  }

  /** Every market's last funding, by venue then symbol; `base` only those of that coin. */
  list(base?: string): FundingView[] {
    return [...this.markets.values()]
      .filter((e) => base === undefined || e.base === base)
      .sort((a, b) => (a.venue === b.venue ? (a.symbol < b.symbol ? -1 : 1) : a.venue < b.venue ? -1 : 1))
      .map((e) => ({
        venue: e.venue,
        symbol: e.symbol,
        base: e.base,
        rate: e.rate,
        intervalHours: e.intervalHours,
        ratePerHour: e.ratePerHour,
        markPrice: e.markPrice ?? null,
        indexPrice: e.indexPrice ?? null,
        nextFundingTime: e.nextFundingTime ?? null,
        eventTime: e.eventTime,
      }));
  }
}

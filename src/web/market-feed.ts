import type { LiquidationEvent, NormalizedEvent } from '../schema/events.js';

const DAY_MS = 86_400_000;

/**
 * The recent liquidations a person looks at: a tape of the newest ones and the largest of the last
 * 24 hours (event time). Bounded: at most `capacity` in the tape, `largestKept` among the largest.
 * Pure bookkeeping: no I/O, no clock (the newest event time is "now").
 */
export class MarketFeed {
  private readonly tape: LiquidationEvent[] = [];
  private head = 0;
  private biggest: LiquidationEvent[] = [];
  private newest = 0;

  constructor(
    private readonly capacity = 5_000,
    private readonly largestKept = 200,
  ) {}

  add(event: NormalizedEvent): void {
    if (event.type !== 'liquidation' || event.kind !== 'liquidation') return;
    if (this.tape.length < this.capacity) this.tape.push(event);
    else {
      this.tape[this.head] = event;
      this.head = (this.head + 1) % this.capacity;
    }
    if (event.eventTime > this.newest) this.newest = event.eventTime;
    const smallest = this.biggest[this.biggest.length - 1];
    if (this.biggest.length < this.largestKept || (smallest && event.notionalUsd > smallest.notionalUsd)) {
      this.biggest.push(event);
      this.biggest.sort(byUsd);
      if (this.biggest.length > this.largestKept) this.biggest.length = this.largestKept;
    }
  }

  /** Newest first (by arrival), filtered. */
  recent(filter: LiquidationFilter): LiquidationEvent[] {
    const out: LiquidationEvent[] = [];
    for (let i = this.tape.length - 1; i >= 0 && out.length < filter.limit; i--) {
      const e = this.tape[(this.head + i) % this.tape.length]!;
      if (matches(e, filter)) out.push(e);
    }
    return out;
  }

  /** The largest of the last 24 hours of event time, largest first, filtered. */
  largest(filter: LiquidationFilter): LiquidationEvent[] {
    const since = this.newest - DAY_MS;
    this.biggest = this.biggest.filter((e) => e.eventTime > since);
    return this.biggest.filter((e) => matches(e, filter)).slice(0, filter.limit);
  }
}

export interface LiquidationFilter {
  minUsd: number;
  venue?: string;
  symbol?: string;
  limit: number;
}

const byUsd = (a: LiquidationEvent, b: LiquidationEvent) => b.notionalUsd - a.notionalUsd || (a.id < b.id ? -1 : 1);
const matches = (e: LiquidationEvent, f: LiquidationFilter) =>
  e.notionalUsd >= f.minUsd && (f.venue === undefined || e.venue === f.venue) && (f.symbol === undefined || e.symbol === f.symbol);

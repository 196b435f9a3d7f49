import { toUnits, toUsd } from '../aggregate/fixed-point.js';
import { countedAsLiquidation, type LiquidationEvent, type NormalizedEvent } from '../schema/events.js';
import { marketOf } from '../venues/market.js';

interface SymbolTotals {
  venue: string;
  symbol: string;
  longUnits: number;
  shortUnits: number;
  count: number;
}

export interface NotableState {
  symbols: SymbolTotals[];
  top: LiquidationEvent[];
}

const byUnits = (a: { units: number; key: string }, b: { units: number; key: string }) => b.units - a.units || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * What a report shows beyond totals: liquidated USD per symbol, and the largest liquidations (ADL
 * and vault fills excluded, as from totals). Exact (fixed-point sums) and independent of event order,
 * so a report stays byte-identical at any replay speed.
 */
export class NotableLiquidations {
  private readonly symbols = new Map<string, SymbolTotals>();
  /**
   * The same totals by venue, then symbol: the per-event lookup, with no `venue|symbol` string built and hashed per
   * event (`symbols` keeps the first-seen order that `state` hands over).
   */
  private readonly byVenue = new Map<string, Map<string, SymbolTotals>>();
  private top: LiquidationEvent[] = [];

  constructor(private readonly largestKept = 20) {}

  add(event: NormalizedEvent): void {
    if (event.type !== 'liquidation' || !countedAsLiquidation(event)) return;
    // Perps only: DeFi (lending) liquidations have their own section, by protocol and chain, net of retractions.
    if (marketOf(event) === 'lending') return;
    let venue = this.byVenue.get(event.venue);
    if (!venue) this.byVenue.set(event.venue, (venue = new Map()));
    let s = venue.get(event.symbol);
    if (!s) {
      s = this.totalsOf(event.venue, event.symbol);
      venue.set(event.symbol, s);
    }
    if (event.side === 'long') s.longUnits += toUnits(event.notionalUsd);
    else s.shortUnits += toUnits(event.notionalUsd);
    s.count += 1;
    const smallest = this.top[this.top.length - 1];
    if (this.top.length < this.largestKept || (smallest && larger(event, smallest))) {
      // Where a sort of the list with the event pushed last would put it: after every one it is not larger than.
      let at = this.top.length;
      while (at > 0 && larger(event, this.top[at - 1]!)) at -= 1;
      this.top.splice(at, 0, event);
      if (this.top.length > this.largestKept) this.top.length = this.largestKept;
    }
  }

  private totalsOf(venue: string, symbol: string): SymbolTotals {
    const key = `${venue}|${symbol}`;
    let s = this.symbols.get(key);
    if (!s) this.symbols.set(key, (s = { venue, symbol, longUnits: 0, shortUnits: 0, count: 0 }));
    return s;
  }

  /** As plain data, for a replay worker to hand over (see merge). */
  state(): NotableState {
    return { symbols: [...this.symbols.values()], top: this.top };
  }

  /** Adds what another instance saw (a replay worker's share): the same sums and largest as one instance fed both. */
  merge(other: NotableState): void {
    for (const s of other.symbols) {
      const key = `${s.venue}|${s.symbol}`;
      const mine = this.symbols.get(key);
      if (!mine) this.symbols.set(key, { ...s });
      else {
        mine.longUnits += s.longUnits;
        mine.shortUnits += s.shortUnits;
        mine.count += s.count;
      }
    }
    this.top = [...this.top, ...other.top].sort((a, b) => (larger(a, b) ? -1 : larger(b, a) ? 1 : 0)).slice(0, this.largestKept);
  }

  /** The `limit` symbols with the most liquidated USD. */
  bySymbol(limit = 50) {
    return [...this.symbols.entries()]
      .map(([key, s]) => ({ key, units: s.longUnits + s.shortUnits, s }))
      .sort(byUnits)
      .slice(0, limit)
      .map(({ s }) => ({ venue: s.venue, symbol: s.symbol, longUsd: toUsd(s.longUnits), shortUsd: toUsd(s.shortUnits), count: s.count }));
  }

  largest() {
    return this.top.map((e) => ({ id: e.id, venue: e.venue, symbol: e.symbol, side: e.side, price: e.price, notionalUsd: e.notionalUsd, eventTime: e.eventTime }));
  }
}

const larger = (a: LiquidationEvent, b: LiquidationEvent) => a.notionalUsd > b.notionalUsd || (a.notionalUsd === b.notionalUsd && a.id < b.id);

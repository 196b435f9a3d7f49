import { toUnits, toUsd } from '../aggregate/fixed-point.js';
import type { LiquidationEvent, NormalizedEvent } from '../schema/events.js';
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
  private top: LiquidationEvent[] = [];

  constructor(private readonly largestKept = 20) {}

  add(event: NormalizedEvent): void {
    if (event.type !== 'liquidation' || (event.kind !== 'liquidation' && event.kind !== 'backstop')) return;
    // Perps only: DeFi (lending) liquidations have their own section, by protocol and chain, net of retractions.
    if (marketOf(event) === 'lending') return;
    const key = `${event.venue}|${event.symbol}`;
    let s = this.symbols.get(key);
    if (!s) this.symbols.set(key, (s = { venue: event.venue, symbol: event.symbol, longUnits: 0, shortUnits: 0, count: 0 }));
    if (event.side === 'long') s.longUnits += toUnits(event.notionalUsd);
    else s.shortUnits += toUnits(event.notionalUsd);
    s.count += 1;
    const smallest = this.top[this.top.length - 1];
    if (this.top.length < this.largestKept || (smallest && larger(event, smallest))) {
      this.top.push(event);
      this.top.sort((a, b) => (larger(a, b) ? -1 : larger(b, a) ? 1 : 0));
      if (this.top.length > this.largestKept) this.top.length = this.largestKept;
    }
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

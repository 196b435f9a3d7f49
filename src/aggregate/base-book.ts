import { lowestFidelity, type Fidelity, type LiquidationEvent, type Side, type VenueId } from '../schema/events.js';
import { toUsd } from './fixed-point.js';
import { MINUTE } from './minute-series.js';
import { windowMs } from './windows.js';

/** The key every base past `maxBases` is counted under (bases are unbounded: every listing adds one). */
export const OTHER_BASE = 'other';

const SECOND = 1_000;
/** Second buckets serve windows up to 5 minutes exactly, minute buckets the rest (as WindowSet). */
const SECOND_SPAN = 300;
const MINUTE_SPAN = 1_440;

interface Cell {
  long: number;
  short: number;
  count: number;
}
const cell = (): Cell => ({ long: 0, short: 0, count: 0 });

interface MinuteCell extends Cell {
  byVenue: Map<VenueId, Cell>;
  /** The last mark price of the minute (by event time) from the base's funding or open-interest events. */
  price?: number;
  priceTime?: number;
}

interface BaseState {
  /** Lifetime totals (1/10,000 USD units); like the venue totals, they survive resetState. */
  totals: Cell;
  adl: Cell;
  venues: Set<VenueId>;
  fidelity: Fidelity | undefined;
  /** Event-time state, sparse (a base liquidated twice a day costs two entries): rebuilt after a reset. */
  seconds: Map<number, Cell>;
  minutes: Map<number, MinuteCell>;
}

const newBase = (): BaseState => ({ totals: cell(), adl: cell(), venues: new Set(), fidelity: undefined, seconds: new Map(), minutes: new Map() });

const add = (c: Cell, side: Side, units: number): void => {
  c[side] += units;
  c.count += 1;
};

/**
 * Liquidations per coin across venues (issue 21): lifetime totals, ADL kept apart, event-time windows (1 s
 * buckets for 5 minutes, 1 min buckets for 24 h, sparse) and per-minute long/short with the last mark price.
 * Integer 1/10,000 USD units as everywhere, so the sums are exact and order-independent.
 *
 * Bounded: at most `maxBases` coins are kept by name, in the order they first appear; any further coin is
 * counted under `other`, so every total still adds up. Per-minute and per-second state is pruned to 24 h and
 * 5 minutes behind the newest event of any base.
 */
export class BaseBook {
  private readonly bases = new Map<string, BaseState>();
  private newestSecond = -Infinity;
  private newestMinute = -Infinity;

  constructor(private readonly maxBases: number) {}

  private stateOf(base: string): BaseState {
    let s = this.bases.get(base);
    if (s) return s;
    const key = this.bases.size < this.maxBases || base === OTHER_BASE ? base : OTHER_BASE;
    s = this.bases.get(key);
    if (!s) this.bases.set(key, (s = newBase()));
    // Names past the bound share `other`'s state; remembered only by the check above, never stored.
    return s;
  }

  /** A liquidation (kind liquidation or backstop), or ADL (`adl`: kept apart, never in the totals). `counted`: a re-read one (no lifetime total moves). */
  addLiquidation(e: LiquidationEvent, units: number, counted: boolean, adl = false): void {
    const s = this.stateOf(e.base);
    if (adl) {
      if (!counted) add(s.adl, e.side, units);
      return;
    }
    if (!counted) add(s.totals, e.side, units);
    s.venues.add(e.venue);
    s.fidelity = lowestFidelity(s.fidelity, e.fidelity);
    const second = Math.floor(e.eventTime / SECOND);
    const minute = Math.floor(e.eventTime / MINUTE) * MINUTE;
    if (second > this.newestSecond - SECOND_SPAN) {
      let c = s.seconds.get(second);
      if (!c) s.seconds.set(second, (c = cell()));
      add(c, e.side, units);
    }
    if (minute > this.newestMinute - MINUTE_SPAN * MINUTE) {
      const m = this.minuteOf(s, minute);
      add(m, e.side, units);
      let v = m.byVenue.get(e.venue);
      if (!v) m.byVenue.set(e.venue, (v = cell()));
      add(v, e.side, units);
    }
    this.advance(second, minute);
  }

  /** A mark price of the base (funding or open-interest event): the minute keeps the latest by event time. */
  addPrice(base: string, price: number, eventTime: number): void {
    const minute = Math.floor(eventTime / MINUTE) * MINUTE;
    if (!(price > 0) || minute <= this.newestMinute - MINUTE_SPAN * MINUTE) return;
    // Prices alone never make a base: a coin nobody was liquidated in is not worth a slot of maxBases.
    const s = this.bases.get(base);
    if (!s) return;
    const m = this.minuteOf(s, minute);
    if (m.priceTime === undefined || eventTime >= m.priceTime) {
      m.price = price;
      m.priceTime = eventTime;
    }
  }

  private minuteOf(s: BaseState, minute: number): MinuteCell {
    let m = s.minutes.get(minute);
    if (!m) s.minutes.set(minute, (m = { ...cell(), byVenue: new Map() }));
    return m;
  }

  private advance(second: number, minute: number): void {
    if (second > this.newestSecond) {
      const pruneSeconds = Math.floor(second / SECOND_SPAN) !== Math.floor(this.newestSecond / SECOND_SPAN);
      this.newestSecond = second;
      // Pruned every 5 minutes of event time, not every second: the cost stays a pass per 5 minutes.
      if (pruneSeconds) for (const s of this.bases.values()) for (const k of s.seconds.keys()) if (k <= second - SECOND_SPAN) s.seconds.delete(k);
    }
    if (minute > this.newestMinute) {
      const pruneMinutes = Math.floor(minute / (60 * MINUTE)) !== Math.floor(this.newestMinute / (60 * MINUTE));
      this.newestMinute = minute;
      if (pruneMinutes) for (const s of this.bases.values()) for (const k of s.minutes.keys()) if (k <= minute - MINUTE_SPAN * MINUTE) s.minutes.delete(k);
    }
  }

  /** Forgets the event-time state (a rebalance re-reads it), keeping lifetime totals. */
  resetState(): void {
    for (const s of this.bases.values()) {
      s.seconds.clear();
      s.minutes.clear();
    }
    this.newestSecond = -Infinity;
    this.newestMinute = -Infinity;
  }

  /** Units and count of `base` and `side` in `window` ending at `end` (bucket resolution, as WindowSet). */
  private windowSum(s: BaseState, window: string, end: number): Cell {
    const ms = windowMs(window);
    const out = cell();
    const [map, res] = ms <= SECOND_SPAN * SECOND ? [s.seconds, SECOND] : [s.minutes, MINUTE];
    const last = Math.floor(end / res);
    const first = last - Math.ceil(ms / res) + 1;
    for (const [k, c] of map) {
      const abs = res === SECOND ? k : k / MINUTE;
      if (abs >= first && abs <= last) {
        out.long += c.long;
        out.short += c.short;
        out.count += c.count;
      }
    }
    return out;
  }

  names(): IterableIterator<string> {
    return this.bases.keys();
  }

  /** Everything /api/totals?by=base says of one base, in USD. */
  view(base: string, windows: readonly string[], end: number) {
    const s = this.bases.get(base);
    if (!s) return undefined;
    return {
      count: s.totals.count,
      usd: toUsd(s.totals.long + s.totals.short),
      longUsd: toUsd(s.totals.long),
      shortUsd: toUsd(s.totals.short),
      adlUsd: toUsd(s.adl.long + s.adl.short),
      venues: [...s.venues].sort(),
      fidelity: s.fidelity,
      windows: Object.fromEntries(
        windows.map((w) => {
          const c = this.windowSum(s, w, end);
          return [w, { usd: toUsd(c.long + c.short), longUsd: toUsd(c.long), shortUsd: toUsd(c.short), count: c.count }];
        }),
      ),
    };
  }

  /** USD of `base` in `window` per side (for gauges and ranking). */
  windowUsd(base: string, window: string, end: number): { longUsd: number; shortUsd: number; units: number } {
    const s = this.bases.get(base);
    if (!s) return { longUsd: 0, shortUsd: 0, units: 0 };
    const c = this.windowSum(s, window, end);
    return { longUsd: toUsd(c.long), shortUsd: toUsd(c.short), units: c.long + c.short };
  }

  /** USD of every base but `shown` (the `other` key included) in `window`: what a bounded label set calls `other`. */
  windowUsdExcept(shown: readonly string[], window: string, end: number): { longUsd: number; shortUsd: number } {
    const skip = new Set(shown);
    const sum = cell();
    for (const [base, s] of this.bases) {
      if (skip.has(base)) continue;
      const c = this.windowSum(s, window, end);
      sum.long += c.long;
      sum.short += c.short;
    }
    return { longUsd: toUsd(sum.long), shortUsd: toUsd(sum.short) };
  }

  /** The `n` bases with the most liquidated USD in the last 24 h ending at `end` (`other` excluded), largest first. */
  top(n: number, end: number): string[] {
    return [...this.bases.keys()]
      .filter((b) => b !== OTHER_BASE)
      .map((b) => ({ b, units: this.windowUsd(b, '24h', end).units }))
      .filter((r) => r.units > 0)
      .sort((x, y) => y.units - x.units || (x.b < y.b ? -1 : 1))
      .slice(0, n)
      .map((r) => r.b);
  }

  /** Minutes of `base` from `from` (inclusive) on, in order, with data or a price. */
  minutes(base: string, from: number) {
    const s = this.bases.get(base);
    if (!s) return [];
    return [...s.minutes]
      .filter(([minute]) => minute >= from)
      .sort(([a], [b]) => a - b)
      .map(([minute, m]) => ({
        minute,
        longUsd: toUsd(m.long),
        shortUsd: toUsd(m.short),
        count: m.count,
        price: m.price ?? null,
        byVenue: Object.fromEntries([...m.byVenue].sort(([a], [b]) => (a < b ? -1 : 1)).map(([venue, v]) => [venue, { longUsd: toUsd(v.long), shortUsd: toUsd(v.short), count: v.count }])),
      }));
  }
}

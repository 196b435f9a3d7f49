import { z } from 'zod';
import { MAX_EVENT_USD } from '../aggregate/fixed-point.js';
import { countedAsLiquidation, type NormalizedEvent } from '../schema/events.js';

/**
 * Histories are kept per coin for as many minutes as configured and stepped every minute: a week at most, so a
 * mistyped `buildupMinutes: 1e12` is refused at start rather than growing every coin's arrays for months.
 */
const WEEK_MINUTES = 7 * 24 * 60;
const DAY_MINUTES = 24 * 60;

/**
 * Early warning of a liquidation cascade, per coin (docs/cascades.md, "Early warning"). The detector says a
 * cascade *is* under way (8× baseline and $25M in one minute, all venues); this says one may be starting, from
 * four things traders watch before it: liquidations accelerating on the coin, its price moving fast for its own
 * volatility, open interest built up (leverage waiting to be unwound) and funding at an extreme (a crowded side).
 */
export const EarlyWarningParams = z.strictObject({
  /** Minutes behind the liquidation baseline (a median: the odd large liquidation does not move it). */
  baselineMinutes: z.number().int().min(10).max(WEEK_MINUTES).default(60),
  /** The recent rate is the mean of this many minutes, the one just closed included. */
  recentMinutes: z.number().int().min(1).max(60).default(3),
  /** Per coin, USD per minute: a baseline below this counts as this, so a dead coin's first liquidations are no acceleration. */
  floorUsd: z.number().positive().max(MAX_EVENT_USD).default(250_000),
  /** Acceleration (recent ÷ baseline) that starts to count, and the one that counts fully. */
  accelFrom: z.number().min(1).default(1.2),
  accelFull: z.number().min(1).max(1_000).default(8),
  /** Price velocity: the move over this many minutes, in units of the coin's own volatility over `volatilityMinutes`. */
  velocityMinutes: z.number().int().min(1).max(DAY_MINUTES).default(5),
  volatilityMinutes: z.number().int().min(30).max(WEEK_MINUTES).default(240),
  /** Open-interest build-up: growth over the lowest of the last `buildupMinutes`; this growth counts fully. */
  buildupMinutes: z.number().int().min(10).max(WEEK_MINUTES).default(360),
  buildupFull: z.number().positive().max(100).default(0.05),
  /** Funding per hour: the usual magnitude (0.01% per 8 h) counts nothing, `fundingExtremePerHour` fully. */
  fundingNeutralPerHour: z.number().nonnegative().max(1).default(0.0000125),
  fundingExtremePerHour: z.number().positive().max(1).default(0.0000625),
  /** A warning starts at this level (0–1) while liquidations accelerate, and ends after `clearMinutes` below `clearLevel`. */
  fireLevel: z.number().min(0).max(1).default(0.4),
  clearLevel: z.number().min(0).max(1).default(0.25),
  clearMinutes: z.number().int().min(1).max(DAY_MINUTES).default(10),
  /** Coins tracked at once; the least recently active is dropped beyond (bases are unbounded). */
  maxCoins: z.number().int().min(1).max(10_000).default(200),
})
  .refine((p) => p.clearLevel < p.fireLevel, { message: 'clearLevel must be below fireLevel', path: ['clearLevel'] })
  .refine((p) => p.accelFull > p.accelFrom, { message: 'accelFull must be above accelFrom', path: ['accelFull'] })
  .refine((p) => p.fundingExtremePerHour > p.fundingNeutralPerHour, { message: 'fundingExtremePerHour must be above fundingNeutralPerHour', path: ['fundingExtremePerHour'] });
export type EarlyWarningParams = z.infer<typeof EarlyWarningParams>;

/** Weights of the four parts in the level; build-up and funding share one part (either one shows crowding). */
const WEIGHTS = { acceleration: 0.5, velocity: 0.3, crowding: 0.2 } as const;
const MINUTE = 60_000;
/** How far past its receive time an event's time may be and still count (venue clocks drift by seconds, not minutes). */
const MAX_AHEAD_MS = 5 * MINUTE;

/** The parts of a coin's level at its last closed minute, each 0–1, and the level itself. */
export interface WarningParts {
  acceleration: number;
  velocity: number;
  buildup: number;
  funding: number;
  level: number;
}

export interface CoinWarning extends WarningParts {
  base: string;
  /** The minute (start, ms) the level was computed for. */
  minute: number;
  /** True while a warning is on; `since` is the minute it started. */
  warning: boolean;
  since: number | null;
}

/** A warning's start or end, as the gauge and the alert see it (event time). */
export interface WarningChange {
  base: string;
  phase: 'start' | 'end';
  minute: number;
  parts: WarningParts;
}

interface Pending {
  liqUsd: number;
  price?: number;
  oi: Map<string, number>;
  funding: Map<string, number>;
}

interface Coin {
  liq: number[];
  prices: number[];
  oiTotals: number[];
  /** Kept with the histories (pushLiq, pushPrice) so that a step sorts nothing and takes one logarithm: see HistoryCaches. */
  sortedBefore: number[];
  returns: number[];
  oi: Map<string, number>;
  funding: Map<string, number>;
  lastPrice: number | undefined;
  lastActive: number;
  quiet: number;
  since: number | null;
  last: CoinWarning | undefined;
}

const clamp01 = (x: number): number => (x > 0 ? (x < 1 ? x : 1) : 0);
const medianOfSorted = (s: readonly number[]): number => {
  if (s.length === 0) return 0;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const median = (xs: readonly number[]): number => medianOfSorted([...xs].sort((a, b) => a - b));
/** Pushes `x`, keeping the last `keep`; how many it dropped from the front. */
const push = (xs: number[], x: number, keep: number): number => {
  xs.push(x);
  if (xs.length <= keep) return 0;
  const dropped = xs.length - keep;
  xs.splice(0, dropped);
  return dropped;
};
/** Math.min of a non-empty list without spreading it into arguments (a 360-minute history each step): NaN and -0 as Math.min. */
const lowest = (xs: readonly number[]): number => {
  let low = Infinity;
  for (const x of xs) {
    if (x !== x) return NaN;
    if (x < low || (x === 0 && low === 0 && Object.is(x, -0))) low = x;
  }
  return low;
};
/** The first index of a sorted list whose value is not below `x`. */
const lowerBound = (s: readonly number[], x: number): number => {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * What a step would otherwise recompute from a coin's whole histories each minute, for every tracked coin (200 coins
 * × 1,440 minutes a day, whatever the events): the baseline's minutes sorted (for their median) and the log return of
 * each pair of consecutive prices. Kept as the histories move, so `warningParts` gives the same numbers (the same
 * values summed in the same order, the median of the same values) without a sort or 240 logarithms per coin-minute.
 */
export interface HistoryCaches {
  /** `liq` without its last `recentMinutes`, ascending. */
  sortedBefore: readonly number[];
  /** returns[j] = Math.log(prices[j + 1] / prices[j]). */
  returns: readonly number[];
}

/** Pushes a minute's liquidations onto `c.liq` (keeping the baseline's and the recent minutes) and moves `c.sortedBefore` with it. */
export function pushLiq(p: EarlyWarningParams, c: { liq: number[]; sortedBefore: number[] }, usd: number): void {
  const before = c.liq.length;
  c.liq.push(usd);
  // The minute that leaves the recent ones joins the baseline's…
  if (before >= p.recentMinutes) {
    const entering = c.liq[before - p.recentMinutes]!;
    c.sortedBefore.splice(lowerBound(c.sortedBefore, entering), 0, entering);
  }
  // …and those beyond the history leave it (they were the baseline's oldest).
  const dropped = c.liq.length - (p.baselineMinutes + p.recentMinutes);
  for (let i = 0; i < dropped; i++) c.sortedBefore.splice(lowerBound(c.sortedBefore, c.liq[i]!), 1);
  if (dropped > 0) c.liq.splice(0, dropped);
}

/** Pushes a minute's price onto `c.prices` (keeping what velocity and volatility need) and its log return onto `c.returns`. */
export function pushPrice(p: EarlyWarningParams, c: { prices: number[]; returns: number[] }, price: number): void {
  if (c.prices.length > 0) c.returns.push(Math.log(price / c.prices[c.prices.length - 1]!));
  const dropped = push(c.prices, price, p.volatilityMinutes + p.velocityMinutes + 1);
  if (dropped > 0) c.returns.splice(0, dropped);
}
const minuteOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;

/**
 * The level's parts for one coin's history (pure; exported for the tests and the score). With `caches` (kept by
 * pushLiq and pushPrice beside the histories) the same numbers without sorting the baseline or taking a logarithm
 * per price: what each step of EarlyWarning uses.
 */
export function warningParts(p: EarlyWarningParams, c: Pick<Coin, 'liq' | 'prices' | 'oiTotals' | 'funding'>, caches?: HistoryCaches): WarningParts {
  const recent = c.liq.slice(-p.recentMinutes);
  const baseline = Math.max(caches ? medianOfSorted(caches.sortedBefore) : median(c.liq.slice(0, -p.recentMinutes)), p.floorUsd);
  // Sustained, not a bump: the *least* of the recent minutes against the baseline (one whale's liquidation, or a
  // burst of two minutes, leaves it low), and rising: the minute just closed is the largest of them.
  const least = recent.length < p.recentMinutes ? 0 : Math.min(...recent);
  const rising = (c.liq.at(-1) ?? 0) >= Math.max(...recent);
  const acceleration = rising && least > baseline ? clamp01(Math.log(least / baseline / p.accelFrom) / Math.log(p.accelFull / p.accelFrom)) : 0;

  let velocity = 0;
  const n = c.prices.length;
  if (n > p.velocityMinutes + 10) {
    const returns = caches?.returns;
    // A doubling or halving within a minute is a bad print, not volatility: one absurd mark price (1e308)
    // would otherwise make the scale so large that no real move registers until it leaves the history (4 h).
    // Summed in order from 0, twice (mean, then squared deviations), as a list of the kept returns would be.
    let sum = 0;
    let kept = 0;
    for (let i = 1; i < n - p.velocityMinutes; i++) {
      const r = returns ? returns[i - 1]! : Math.log(c.prices[i]! / c.prices[i - 1]!);
      if (Math.abs(r) <= Math.LN2) {
        sum += r;
        kept += 1;
      }
    }
    const mean = sum / kept;
    let squares = 0;
    for (let i = 1; i < n - p.velocityMinutes; i++) {
      const r = returns ? returns[i - 1]! : Math.log(c.prices[i]! / c.prices[i - 1]!);
      if (Math.abs(r) <= Math.LN2) squares += (r - mean) ** 2;
    }
    const sd = Math.sqrt(squares / kept);
    const move = Math.abs(Math.log(c.prices[n - 1]! / c.prices[n - 1 - p.velocityMinutes]!));
    // A coin whose price never moved has no volatility to measure against: any move is news, but only a large one counts.
    const scale = Math.max(sd * Math.sqrt(p.velocityMinutes), 1e-4);
    velocity = clamp01((move / scale - 2) / 3);
  }

  const oiNow = c.oiTotals.at(-1);
  const oiLow = c.oiTotals.length > 0 ? lowest(c.oiTotals) : undefined;
  const buildup = oiNow !== undefined && oiLow !== undefined && oiLow > 0 ? clamp01((oiNow / oiLow - 1) / p.buildupFull) : 0;

  let funding = 0;
  if (c.funding.size > 0) {
    let sum = 0;
    for (const r of c.funding.values()) sum += Math.abs(r);
    funding = clamp01((sum / c.funding.size - p.fundingNeutralPerHour) / (p.fundingExtremePerHour - p.fundingNeutralPerHour));
  }
  const level = WEIGHTS.acceleration * acceleration + WEIGHTS.velocity * velocity + WEIGHTS.crowding * Math.max(buildup, funding);
  return { acceleration, velocity, buildup, funding, level: Math.round(level * 1e6) / 1e6 };
}

/**
 * The early-warning state: fed every applied event, it steps every coin once per closed event-time minute.
 * Pure: no clock, so a live run and a replay agree. Liquidations of kind `liquidation` and `backstop` count (ADL and vault
 * positions are no forced selling into the book); open interest and mark prices from OI and funding events.
 */
export class EarlyWarning {
  readonly params: EarlyWarningParams;
  private readonly coins = new Map<string, Coin>();
  private readonly pending = new Map<number, Map<string, Pending>>();
  /** Per pending minute, how many of its coins were not tracked when they came (capped at maxCoins). */
  private readonly pendingNew = new Map<number, number>();
  private closedThrough = -Infinity;
  /** Events for minutes already closed: counted, not applied (a minute's level is not recomputed). */
  late = 0;
  /** Events whose event time is more than MAX_AHEAD_MS past their receive time: counted, not applied. */
  ahead = 0;
  /**
   * Events of a coin not tracked yet, in a minute that already has `maxCoins` new coins pending: counted, not
   * applied. Bases are unbounded (a venue listing thousands of markets, a hostile producer): without this a flood
   * of 300,000 bases in one minute held them all pending and stepped them in 14 s of blocked event loop.
   */
  overflow = 0;

  constructor(params: Partial<EarlyWarningParams> = {}) {
    this.params = EarlyWarningParams.parse(params);
  }

  /** Takes one event into its minute; the minute counts once it is closed (`closeThrough`). */
  onEvent(e: NormalizedEvent): void {
    if (e.type === 'gap' || e.type === 'retraction') return;
    // An event time far past its receipt (a venue's clock, a hostile frame) would close every minute up to it.
    if (e.eventTime > e.receiveTime + MAX_AHEAD_MS) {
      this.ahead += 1;
      return;
    }
    const minute = minuteOf(e.eventTime);
    if (minute <= this.closedThrough) {
      // Open interest and funding travel on their own topic and may come after the liquidations closed their
      // minute: they are still the newest values, so they count from the next minute. A late liquidation is counted.
      if (e.type === 'liquidation') this.late += 1;
      else {
        const c = this.coins.get(e.base);
        if (c) {
          const key = `${e.venue}:${e.symbol}`;
          if (e.type === 'open_interest') c.oi.set(key, e.oiUsd);
          else c.funding.set(key, e.ratePerHour);
          c.lastPrice = e.markPrice ?? c.lastPrice;
        }
      }
      return;
    }
    let coins = this.pending.get(minute);
    if (!coins) this.pending.set(minute, (coins = new Map()));
    let p = coins.get(e.base);
    if (!p) {
      if (!this.coins.has(e.base)) {
        const fresh = this.pendingNew.get(minute) ?? 0;
        if (fresh >= this.params.maxCoins) {
          this.overflow += 1;
          return;
        }
        this.pendingNew.set(minute, fresh + 1);
      }
      coins.set(e.base, (p = { liqUsd: 0, oi: new Map(), funding: new Map() }));
    }
    // The market's key for open interest and funding only: a liquidation (most events) builds no string.
    if (e.type === 'liquidation') {
      if (countedAsLiquidation(e)) p.liqUsd += e.notionalUsd;
    } else if (e.type === 'open_interest') {
      p.oi.set(`${e.venue}:${e.symbol}`, e.oiUsd);
      p.price = e.markPrice;
    } else {
      p.funding.set(`${e.venue}:${e.symbol}`, e.ratePerHour);
      if (e.markPrice !== undefined) p.price = e.markPrice;
    }
  }

  /**
   * Closes every minute up to and including `minute`. The stage graph calls it as the detection stage closes each
   * whole minute (every partition past it), so the events of a minute are all in before it counts.
   */
  closeThrough(minute: number): WarningChange[] {
    if (minute <= this.closedThrough) return [];
    const out: WarningChange[] = [];
    // The pending minutes up to `minute`, sorted once: before the first close every past minute an event names is
    // pending, and spreading them into Math.min (RangeError at ~120,000) or scanning them all per step (quadratic) failed.
    const keys = [...this.pending.keys()].filter((k) => k <= minute).sort((x, y) => x - y);
    let m = this.closedThrough === -Infinity ? Math.min(keys[0] ?? minute, minute) : this.closedThrough + MINUTE;
    // Empty minutes only age the histories; more of them in a row than the longest history are skipped, so a
    // silence of days (or a first event long before the rest) costs nothing.
    const longest = (Math.max(this.params.baselineMinutes + this.params.recentMinutes, this.params.volatilityMinutes + this.params.velocityMinutes + 1, this.params.buildupMinutes) + 1) * MINUTE;
    let i = 0;
    while (m <= minute) {
      out.push(...this.step(m));
      m += MINUTE;
      while (i < keys.length && keys[i]! < m) i += 1;
      const next = keys[i] ?? minute;
      if (next - m > longest) m = next - longest;
    }
    this.closedThrough = minute;
    return out;
  }

  /** Closes every minute that has events (end of a replay). */
  finish(): WarningChange[] {
    let last = -Infinity;
    for (const k of this.pending.keys()) last = Math.max(last, k);
    return this.pending.size === 0 ? [] : this.closeThrough(last);
  }

  /** Every coin's state at its last closed minute, highest level first. */
  current(): CoinWarning[] {
    return [...this.coins.values()].flatMap((c) => (c.last ? [c.last] : [])).sort((a, b) => b.level - a.level || (a.base < b.base ? -1 : 1));
  }

  private step(minute: number): WarningChange[] {
    const p = this.params;
    const inputs = this.pending.get(minute);
    this.pending.delete(minute);
    this.pendingNew.delete(minute);
    for (const base of inputs?.keys() ?? []) if (!this.coins.has(base)) this.addCoin(base, minute);
    const out: WarningChange[] = [];
    for (const [base, c] of this.coins) {
      const input = inputs?.get(base);
      if (input) {
        c.lastActive = minute;
        for (const [k, v] of input.oi) c.oi.set(k, v);
        for (const [k, v] of input.funding) c.funding.set(k, v);
        if (input.price !== undefined) c.lastPrice = input.price;
      }
      pushLiq(p, c, input?.liqUsd ?? 0);
      if (c.lastPrice !== undefined) pushPrice(p, c, c.lastPrice);
      if (c.oi.size > 0) {
        let total = 0;
        for (const v of c.oi.values()) total += v;
        push(c.oiTotals, total, p.buildupMinutes);
      }
      const parts = warningParts(p, c, c);
      if (c.since === null && parts.level >= p.fireLevel && parts.acceleration > 0) {
        c.since = minute;
        c.quiet = 0;
        out.push({ base, phase: 'start', minute, parts });
      } else if (c.since !== null) {
        c.quiet = parts.level < p.clearLevel ? c.quiet + 1 : 0;
        if (c.quiet >= p.clearMinutes) {
          c.since = null;
          out.push({ base, phase: 'end', minute, parts });
        }
      }
      c.last = { base, minute, ...parts, warning: c.since !== null, since: c.since };
    }
    return out;
  }

  private addCoin(base: string, minute: number): void {
    if (this.coins.size >= this.params.maxCoins) {
      let oldest: string | undefined;
      for (const [b, c] of this.coins) if (c.since === null && (oldest === undefined || c.lastActive < this.coins.get(oldest)!.lastActive)) oldest = b;
      if (oldest === undefined) return;
      this.coins.delete(oldest);
    }
    this.coins.set(base, { liq: [], prices: [], oiTotals: [], sortedBefore: [], returns: [], oi: new Map(), funding: new Map(), lastPrice: undefined, lastActive: minute, quiet: 0, since: null, last: undefined });
  }
}

/** Feeds events in event-time order, closing each minute when the first event of a later one arrives (tests, scores, benches). */
export function feedInOrder(ew: EarlyWarning, events: Iterable<NormalizedEvent>): WarningChange[] {
  const out: WarningChange[] = [];
  let open = -Infinity;
  for (const e of events) {
    if (e.type !== 'gap' && e.type !== 'retraction') {
      const minute = minuteOf(e.eventTime);
      if (minute > open) {
        if (open !== -Infinity) out.push(...ew.closeThrough(minute - MINUTE));
        open = minute;
      }
    }
    ew.onEvent(e);
  }
  out.push(...ew.finish());
  return out;
}

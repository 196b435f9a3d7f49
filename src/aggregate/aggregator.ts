import { countedAsLiquidation, isLowerBound, lowestFidelity, type Fidelity, type FundingEvent, type GapEvent, type LiquidationEvent, type NormalizedEvent, type OpenInterestEvent, type RetractionEvent, type Side, type VenueId } from '../schema/events.js';
import { marketOf } from '../venues/market.js';
import { DefiTotals, type DefiReplayState } from './defi-totals.js';
import { RetractionLedger } from './retraction-ledger.js';
import { MAX_EXACT_UNITS, toUnits, toUsd } from './fixed-point.js';
import { AGGREGATOR_DEFAULTS } from './settings.js';
import { BaseBook } from './base-book.js';
import { FundingState } from './funding-state.js';
import { MINUTE, MinuteSeries, type MinuteBucket } from './minute-series.js';
import { SEEN_BEFORE_RESET, SEEN_ID, SeenIds } from './seen-ids.js';
import { SeenGaps } from './seen-gaps.js';
import { SymbolWindows } from './symbol-windows.js';
import { WindowSet, windowList } from './windows.js';

export interface AggregatorOptions {
  /** Per-symbol windows are kept for at most this many venue:symbol keys (least recently updated evicted). */
  maxSymbols: number;
  /** Per-symbol window gauges are exposed for the N largest symbols by 24 h USD. */
  symbolsTopN: number;
  /** Per-symbol open interest gauges: these symbols always, plus the N largest by USD. */
  oiSymbols: string[];
  oiTopN: number;
  /** Per-coin state for at most this many coins (the rest under `other`), gauges for the N largest (base-book.ts). */
  maxBases: number;
  basesTopN: number;
  /**
   * Clock for window ends and ages: the wall clock live (`run`, `aggregate`), the event-time watermark
   * in a replay. Live windows end at max(wall clock, newest event), so a quiet minute reads 0 instead of
   * the last busy one; a replay's end where its events are, at any speed.
   */
  clock: (() => number) | 'watermark';
  /** Windows beside the standard ones (validated by WindowSpec). */
  windows: readonly string[];
  /** Minutes of per-minute history kept (a replay keeps all). */
  retainMinutes: number;
  /** A minute is closed once the watermark is this far past its end (events may arrive out of order). */
  latenessMs: number;
  /** Liquidation ids are remembered this far behind the newest event time, to drop copies (active-active connectors, re-reads). */
  dedupHorizonMs: number;
  /**
   * A symbol's open interest leaves the venue totals once its last value is this old (a delisted
   * symbol is never updated again, and would otherwise stay in the venue's total forever).
   */
  oiTtlMs: number;
  /** Called when a retraction took back a liquidation: the event and the units as they were applied. */
  onRetracted?: (event: LiquidationEvent, units: number) => void;
  /** Called once per closed minute, in order, empty minutes included, with all-venue open interest (USD). */
  onMinuteClosed?: (bucket: MinuteBucket, oiUsd: number | undefined) => void;
}

export const defaultAggregatorOptions = (): AggregatorOptions => ({
  maxSymbols: AGGREGATOR_DEFAULTS.maxSymbols,
  symbolsTopN: AGGREGATOR_DEFAULTS.symbolsTopN,
  oiSymbols: AGGREGATOR_DEFAULTS.oiSymbols,
  oiTopN: AGGREGATOR_DEFAULTS.oiTopN,
  maxBases: AGGREGATOR_DEFAULTS.maxBases,
  basesTopN: AGGREGATOR_DEFAULTS.basesTopN,
  windows: AGGREGATOR_DEFAULTS.windows,
  clock: Date.now,
  retainMinutes: 1_440,
  latenessMs: AGGREGATOR_DEFAULTS.latenessMs,
  dedupHorizonMs: 86_400_000 + 2 * 3_600_000,
  oiTtlMs: AGGREGATOR_DEFAULTS.oiTtlMs,
});

interface VenueTotals {
  longUnits: number;
  shortUnits: number;
  count: number;
}
const noTotals = (): VenueTotals => ({ longUnits: 0, shortUnits: 0, count: 0 });
function addTo(t: VenueTotals, side: Side, units: number): void {
  if (side === 'long') t.longUnits += units;
  else t.shortUnits += units;
  t.count += 1;
}
const totalsInUsd = (t: VenueTotals) => ({ longUsd: toUsd(t.longUnits), shortUsd: toUsd(t.shortUnits), count: t.count });

/** A venue's liquidation state, found with one lookup per event. */
interface VenueLiquidations {
  totals: VenueTotals;
  windows: Record<Side, WindowSet>;
  /** liqstream_liquidations_usd_total (in units, exact) and _total, copied into prom-client when scraped. */
  counters: Record<Side, Partial<Record<Fidelity, { units: number; count: number }>>>;
}

interface OiEntry {
  venue: VenueId;
  symbol: string;
  units: number;
  receiveTime: number;
}

type OiValue = { venue: VenueId; units: number; t: number };

/**
 * What a replay report reads from an aggregator, as plain data (structured-cloneable): a replay worker
 * thread's share, which the main thread adds into its own aggregator (see `mergeReplayState`). Windows
 * and Prometheus counters are not in it: a replay with workers serves no live page.
 */
export interface AggregatorReplayState {
  watermark: number;
  totals: [VenueId, VenueTotals][];
  apart: Record<ApartKind, [VenueId, VenueTotals][]>;
  fidelity: Record<VenueId, Fidelity>;
  gaps: number;
  /** Per venue, what liqstream_gaps_total and liqstream_gap_seconds_total read. */
  gapsByVenue: [VenueId, { count: number; seconds: number }][];
  /** Per venue, copies of a liquidation this aggregator dropped (liqstream_duplicate_liquidations_total). */
  duplicates: [VenueId, number][];
  minutes: MinuteBucket[];
  adlMinutes: MinuteBucket[];
  oiByMinute: [number, [string, OiValue][]][];
  oi: [string, OiEntry][];
  /** Units applied (see Aggregator.appliedUnits): the merged sums stay exact only while these add up to at most MAX_EXACT_UNITS. */
  appliedUnits: number;
  /** On-chain lending liquidations (issue 20), kept apart from the perps above. */
  defi: DefiReplayState;
}

const addTotals = (into: VenueTotals, part: VenueTotals): void => {
  into.longUnits += part.longUnits;
  into.shortUnits += part.shortUnits;
  into.count += part.count;
};

const SIDES: readonly Side[] = ['long', 'short'];
type ApartKind = 'adl' | 'vault';
const MAX_CATCH_UP_MINUTES = 1_440;

function venueTotals(entries: Iterable<{ venue: VenueId; units: number }>): Record<VenueId, number> {
  const out: Record<VenueId, number> = {};
  for (const { venue, units } of entries) out[venue] = (out[venue] ?? 0) + units;
  return out;
}

const totalOi = (byVenue: Record<VenueId, number>): number | undefined => {
  const values = Object.values(byVenue);
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
};

/**
 * Applies normalized events to event-time windows, totals and metrics. Windows are kept by event
 * time; where they end is `windowEnd()`: in a replay the watermark (the newest event time seen), so a
 * replay at any speed produces the same state; live the wall clock, so a quiet feed reads 0.
 */
export class Aggregator {
  private readonly opts: AggregatorOptions;
  private readonly venues = new Map<VenueId, VenueLiquidations>();
  private all = new WindowSet();
  private bySymbol: SymbolWindows;
  /** Per coin across venues (issue 21): totals, windows, minutes with the mark price. */
  readonly byBase: BaseBook;
  /** The last funding rate and mark price per market (issue 21): state, never part of a total. */
  readonly funding = new FundingState();
  /**
   * Kept apart from liquidation totals: ADL (the counterparties' positions closed against a
   * liquidation) and vault fills (a liquidator vault's inventory, counted once already when the vault
   * took it over from the liquidated account).
   */
  private readonly apart: Record<ApartKind, Map<VenueId, VenueTotals>> = { adl: new Map(), vault: new Map() };
  private readonly oi = new Map<string, OiEntry>();
  /** Open interest per venue (units) as of the last update inside each minute. */
  /**
   * Per minute, each symbol's last open interest in it (by event time). Venue totals are derived from
   * these per-symbol values, never from the order events arrived in: Kafka interleaves symbols
   * (partitions) differently on every run, but keeps each symbol's own events in order.
   */
  private readonly oiByMinute = new Map<number, Map<string, { venue: VenueId; units: number; t: number }>>();
  /** Open interest per symbol as of the last closed minute (live cascade tracking). */
  private readonly closedOi = new Map<string, { venue: VenueId; units: number; t: number }>();
  minutes: MinuteSeries;
  /** ADL per minute, kept apart from `minutes` (liquidations) as ADL is from every total. */
  private adlMinutes: MinuteSeries;
  private nextMinuteToClose: number | undefined;
  /** Fidelity of each venue's liquidations (the lowest seen, so a sampled source is never reported as complete). */
  readonly fidelity: Record<VenueId, LiquidationEvent['fidelity']> = {};
  private gapCount = 0;
  /** Survives resetState(), as the gap counts do. */
  private readonly seenGaps = new SeenGaps();
  private readonly seenIds: SeenIds;
  /** Lending (DeFi) liquidations, kept apart from every perps total (src/venues/market.ts). */
  readonly defi: DefiTotals;
  /** Which on-chain liquidations were applied and which retracted (RetractionEvent): each taken back once, exactly. */
  private readonly retractions: RetractionLedger;
  /** Retractions that took nothing back (event not applied, retracted already, or a perp's), per venue. */
  private readonly unmatchedRetractions = new Map<VenueId, number>();
  /** Liquidations dropped as copies of an id already seen, and liquidations that arrived after their minute was closed, per venue. */
  private readonly duplicates = new Map<VenueId, number>();
  private readonly lateAfterClose = new Map<VenueId, number>();
  /**
   * Units of every liquidation, ADL and vault fill applied, re-read ones included (and again after resetState).
   * Every USD sum this aggregator holds (totals, counters, windows, minutes, symbols) is a sum over some of
   * them, so none passes MAX_EXACT_UNITS while this does not; a liquidation that would take it past is refused.
   */
  private appliedUnits = 0;
  /** Liquidations refused because a sum would have left the exact range, per venue. */
  private readonly outOfRange = new Map<VenueId, number>();
  watermark = 0;

  /**
   * Lifetime counts that are not totals (late events, gaps). Like the totals, they survive `resetState()`.
   */
  private readonly lifetime = {
    late: new Map<VenueId, number>(),
    gaps: new Map<VenueId, { count: number; seconds: number }>(),
  };

  constructor(options: Partial<AggregatorOptions> = {}) {
    this.opts = { ...defaultAggregatorOptions(), ...options };
    this.minutes = new MinuteSeries(this.opts.retainMinutes);
    this.adlMinutes = new MinuteSeries(this.opts.retainMinutes);
    this.bySymbol = new SymbolWindows(this.opts.maxSymbols);
    this.byBase = new BaseBook(this.opts.maxBases);
    this.seenIds = new SeenIds(this.opts.dedupHorizonMs);
    this.defi = new DefiTotals(this.opts.retainMinutes);
    this.retractions = new RetractionLedger(this.opts.dedupHorizonMs);
    this.windowNames = windowList(this.opts.windows);
  }

  /** How many coins get per-coin gauges (besides `other`). */
  get basesTopN(): number {
    return this.opts.basesTopN;
  }

  /** The windows served (standard and configured), shortest first. */
  readonly windowNames: readonly string[];

  /**
   * Applies one event. A `replayed` event (re-read after a restart or a rebalance; an earlier member
   * already counted it) rebuilds windows, minutes and open interest but moves no lifetime counter:
   * Prometheus saw those increments from the earlier process, and counting them again would make
   * increase() report them twice across the restart.
   */
  /**
   * False when the event was dropped as a copy of a liquidation or a gap already applied, or refused because its sums
   * would have left the exact range (counted in liqstream_out_of_range_liquidations_total; never rounded).
   * `idHashA`, `idHashB`: a liquidation's idHash when the caller has it (the ingestor's, on the embedded bus); 0, 0:
   * the duplicate filter hashes the id.
   */
  apply(event: NormalizedEvent, replayed = false, idHashA = 0, idHashB = 0): boolean {
    switch (event.type) {
      case 'liquidation': {
        const found = this.seenIds.check(event.id, event.eventTime, idHashA, idHashB);
        if (found === SEEN_ID) {
          if (!replayed) this.duplicates.set(event.venue, (this.duplicates.get(event.venue) ?? 0) + 1);
          return false;
        }
        // Seen before the last resetState: this process counted it, or re-read it as counted by an earlier
        // member, before the rebalance. It rebuilds the state and is never counted again, whatever the
        // bus's boundary says (a commit refused after the session expired leaves that boundary stale).
        const counted = replayed || found === SEEN_BEFORE_RESET;
        const units = toUnits(event.notionalUsd);
        // Debt repaid is summed too (DeFi): its units count against the exact range like the notional's.
        const summed = units + (event.onchain ? toUnits(event.onchain.debtUsd) : 0);
        // Written so that NaN (units of a value no schema lets in) is refused too.
        if (!(summed <= MAX_EXACT_UNITS - this.appliedUnits)) {
          if (!counted) this.outOfRange.set(event.venue, (this.outOfRange.get(event.venue) ?? 0) + 1);
          return false;
        }
        const lending = marketOf(event) === 'lending' && countedAsLiquidation(event);
        // A retracted id is never applied, whichever came first (see RetractionLedger).
        if (lending && !this.retractions.applying(event, units, !counted)) return false;
        this.appliedUnits += summed;
        if (lending) this.applyDefi(event, units, counted);
        else if (event.kind === 'adl' || event.kind === 'vault') this.applyApart(event.kind, event, units, counted);
        else this.applyLiquidation(event, units, counted);
        return true;
      }
      case 'open_interest':
        this.applyOpenInterest(event);
        this.byBase.addPrice(event.base, event.markPrice, event.eventTime);
        return true;
      case 'funding':
        this.applyFunding(event);
        return true;
      case 'gap':
        // A copy of a gap this aggregator applied, re-read or not (a re-sent publish), takes nothing more.
        if (!this.seenGaps.add(event)) return false;
        if (!replayed) this.applyGap(event);
        return true;
      case 'retraction':
        return this.applyRetraction(event, replayed);
    }
  }

  /**
   * Forgets the event-time state (windows, minutes, open interest) but keeps the lifetime counters and
   * the ids seen. On a new assignment every assigned partition is re-read, so the state is rebuilt for
   * exactly the partitions this member now owns: one that moved to another member must not stay in
   * this member's windows, or `sum` over the group would count it twice. The duplicate filter starts a
   * new generation instead of starting empty: the re-read rebuilds the windows from ids it saw before,
   * and none of those is counted again.
   */
  resetState(): void {
    for (const v of this.venues.values()) v.windows = { long: new WindowSet(), short: new WindowSet() };
    this.all = new WindowSet();
    this.bySymbol = new SymbolWindows(this.opts.maxSymbols);
    this.byBase.resetState();
    this.funding.clear();
    this.oi.clear();
    this.oiByMinute.clear();
    this.closedOi.clear();
    this.minutes = new MinuteSeries(this.opts.retainMinutes);
    this.adlMinutes = new MinuteSeries(this.opts.retainMinutes);
    this.nextMinuteToClose = undefined;
    this.seenIds.nextGeneration();
    this.defi.resetState();
    this.retractions.nextGeneration();
    this.watermark = 0;
  }

  replayState(): AggregatorReplayState {
    return {
      watermark: this.watermark,
      totals: [...this.venues].map(([venue, v]) => [venue, v.totals]),
      apart: { adl: [...this.apart.adl], vault: [...this.apart.vault] },
      fidelity: this.fidelity,
      gaps: this.gapCount,
      gapsByVenue: [...this.lifetime.gaps],
      duplicates: [...this.duplicates],
      minutes: this.minutes.withData(),
      adlMinutes: this.adlMinutes.withData(),
      oiByMinute: [...this.oiByMinute].map(([minute, symbols]) => [minute, [...symbols]]),
      oi: [...this.oi],
      appliedUnits: this.appliedUnits,
      defi: this.defi.replayState(),
    };
  }

  /**
   * Adds another aggregator's replay state. Exact when the two saw disjoint venues (a replay worker
   * owns whole venues): sums are integers, and per-symbol open interest keeps the later value as apply does.
   */
  mergeReplayState(s: AggregatorReplayState): void {
    // Refused, not rounded: a merge cannot leave out part of a share, so the replay fails instead.
    if (!(s.appliedUnits <= MAX_EXACT_UNITS - this.appliedUnits))
      throw new RangeError(`the replay's shares together pass the exact range of a sum ($${toUsd(MAX_EXACT_UNITS)}): its totals could not be exact`);
    this.appliedUnits += s.appliedUnits;
    this.watermark = Math.max(this.watermark, s.watermark);
    for (const [venue, t] of s.totals) addTotals(this.venueLiquidations(venue).totals, t);
    for (const kind of ['adl', 'vault'] as const)
      for (const [venue, t] of s.apart[kind]) {
        let mine = this.apart[kind].get(venue);
        if (!mine) this.apart[kind].set(venue, (mine = noTotals()));
        addTotals(mine, t);
      }
    for (const [venue, f] of Object.entries(s.fidelity)) this.fidelity[venue] = lowestFidelity(this.fidelity[venue], f);
    this.gapCount += s.gaps;
    for (const [venue, g] of s.gapsByVenue) {
      const mine = this.lifetime.gaps.get(venue) ?? { count: 0, seconds: 0 };
      this.lifetime.gaps.set(venue, { count: mine.count + g.count, seconds: mine.seconds + g.seconds });
    }
    for (const [venue, n] of s.duplicates) this.duplicates.set(venue, (this.duplicates.get(venue) ?? 0) + n);
    for (const b of s.minutes) this.minutes.addBucket(b);
    for (const b of s.adlMinutes) this.adlMinutes.addBucket(b);
    this.defi.mergeReplayState(s.defi);
    for (const [minute, symbols] of s.oiByMinute) {
      let mine = this.oiByMinute.get(minute);
      if (!mine) this.oiByMinute.set(minute, (mine = new Map()));
      for (const [key, v] of symbols) {
        const prev = mine.get(key);
        if (!prev || v.t >= prev.t) mine.set(key, v);
      }
    }
    for (const [key, e] of s.oi) {
      const prev = this.oi.get(key);
      if (!prev || e.receiveTime >= prev.receiveTime) this.oi.set(key, e);
    }
  }

  /** Minutes before this one are closed (handed to onMinuteClosed); undefined before the first close. */
  get closedBefore(): number | undefined {
    return this.nextMinuteToClose;
  }

  /** Open interest per `venue|symbol` (units) as of the last closed minute, expired values left out. */
  closedOpenInterest(): ReadonlyMap<string, { venue: VenueId; units: number; t: number }> {
    return this.closedOi;
  }

  private applyLiquidation(e: LiquidationEvent, units: number, replayed: boolean): void {
    this.minutes.add(e.eventTime, e.venue, e.side, units, e.fidelity);
    if (e.eventTime > this.watermark) this.watermark = e.eventTime;
    if (!replayed && this.nextMinuteToClose !== undefined && e.eventTime < this.nextMinuteToClose)
      this.lateAfterClose.set(e.venue, (this.lateAfterClose.get(e.venue) ?? 0) + 1);
    this.fidelity[e.venue] = lowestFidelity(this.fidelity[e.venue], e.fidelity);
    const v = this.venueLiquidations(e.venue);
    if (!replayed) {
      addTo(v.totals, e.side, units);
      const counters = (v.counters[e.side][e.fidelity] ??= { units: 0, count: 0 });
      counters.units += units;
      counters.count += 1;
    }

    if (!v.windows[e.side].add(e.eventTime, units) && !replayed) this.lifetime.late.set(e.venue, (this.lifetime.late.get(e.venue) ?? 0) + 1);
    this.all.add(e.eventTime, units);
    this.bySymbol.add(e.venue, e.symbol, e.eventTime, units);
    this.byBase.addLiquidation(e, units, replayed);
  }

  /** Funding is market state: the last per market, and its mark price on the coin's minute (never a total). */
  private applyFunding(e: FundingEvent): void {
    this.funding.apply(e);
    if (e.markPrice !== undefined) this.byBase.addPrice(e.base, e.markPrice, e.eventTime);
  }

  /**
   * A lending liquidation: into the DeFi totals only (never a perps total, window, minute or cascade). The watermark
   * moves with it, so a replay's windows end where its events are, DeFi-only ones too.
   */
  private applyDefi(e: LiquidationEvent, units: number, counted: boolean): void {
    if (e.eventTime > this.watermark) this.watermark = e.eventTime;
    this.defi.add(e, units, counted);
  }

  /**
   * Takes back exactly what the retracted liquidation added (the units recorded when it was applied, not the
   * copy the retraction carries), only if it was applied and not retracted already; a retraction that comes
   * first keeps its event from ever being counted. False (and counted as unmatched) when it took nothing back.
   */
  private applyRetraction(r: RetractionEvent, replayed: boolean): boolean {
    const ours = r.id === r.event.id && r.venue === r.event.venue && marketOf(r.event) === 'lending';
    const match = ours ? this.retractions.retract(r.id, r.event.eventTime) : { applied: false as const };
    if (!match.applied) {
      if (!replayed) this.unmatchedRetractions.set(r.venue, (this.unmatchedRetractions.get(r.venue) ?? 0) + 1);
      return false;
    }
    // appliedUnits is not lowered: it only bounds the sums (which a retraction lowers), so it stays a safe bound.
    this.defi.remove(match.event, match.units, { inState: match.inState, countedHere: match.countedHere, replayed });
    if (match.inState) this.opts.onRetracted?.(match.event, match.units);
    return true;
  }

  private venueLiquidations(venue: VenueId): VenueLiquidations {
    let v = this.venues.get(venue);
    if (!v)
      this.venues.set(
        venue,
        (v = { totals: noTotals(), windows: { long: new WindowSet(), short: new WindowSet() }, counters: { long: {}, short: {} } }),
      );
    return v;
  }

  private applyApart(kind: ApartKind, e: LiquidationEvent, units: number, replayed: boolean): void {
    // Per minute (state: rebuilt from re-read events too); totals below are lifetime counts (and the counters).
    if (kind === 'adl') {
      this.adlMinutes.add(e.eventTime, e.venue, e.side, units, e.fidelity);
      this.byBase.addLiquidation(e, units, replayed, true);
    }
    if (replayed) return;
    let t = this.apart[kind].get(e.venue);
    if (!t) this.apart[kind].set(e.venue, (t = noTotals()));
    addTo(t, e.side, units);
  }

  private applyOpenInterest(e: OpenInterestEvent): void {
    const key = `${e.venue}|${e.symbol}`;
    const units = toUnits(e.oiUsd);
    this.oi.set(key, { venue: e.venue, symbol: e.symbol, units, receiveTime: e.receiveTime });
    const minute = Math.floor(e.eventTime / MINUTE) * MINUTE;
    let symbols = this.oiByMinute.get(minute);
    if (!symbols) {
      this.oiByMinute.set(minute, (symbols = new Map()));
      if (this.oiByMinute.size > this.opts.retainMinutes) this.oiByMinute.delete(Math.min(...this.oiByMinute.keys()));
    }
    const prev = symbols.get(key);
    if (!prev || e.eventTime >= prev.t) symbols.set(key, { venue: e.venue, units, t: e.eventTime });
  }

  /**
   * Open interest per venue (units) in effect at the end of each minute of `buckets`: each symbol's
   * last value carried forward until it is `oiTtlMs` old by event time (see expireBefore).
   */
  private oiUnitsByMinute(buckets: MinuteBucket[]): Record<VenueId, number>[] {
    const known = [...this.oiByMinute.keys()].sort((a, b) => a - b);
    const current = new Map<string, { venue: VenueId; units: number; t: number }>();
    let i = 0;
    return buckets.map((b) => {
      while (i < known.length && known[i]! <= b.minute) for (const [key, v] of this.oiByMinute.get(known[i++]!)!) current.set(key, v);
      this.expireBefore(current, b.minute + MINUTE);
      return venueTotals(current.values());
    });
  }

  /**
   * Drops the values of `entries` that are `oiTtlMs` old at `end` (event time of the value, so a replay,
   * a live run and a restarted one that re-read the same events agree on every minute).
   */
  private expireBefore(entries: Map<string, { t: number }>, end: number): void {
    for (const [key, v] of entries) if (end - v.t > this.opts.oiTtlMs) entries.delete(key);
  }

  /**
   * Drops live per-symbol open interest whose last answer (receive time) is `oiTtlMs` old by the
   * aggregator's clock. Applying the same events after a restart rebuilds the same map, so the venue
   * totals match at the same clock.
   */
  private expireOpenInterest(): void {
    const now = this.opts.clock === 'watermark' ? this.watermark : this.opts.clock();
    for (const [key, entry] of this.oi) if (now - entry.receiveTime > this.opts.oiTtlMs) this.oi.delete(key);
  }

  /** Open interest per venue (USD) at the end of each minute of `buckets`. */
  /** The `n` symbols with the most liquidated USD in the last 24 h, with every window (USD), largest first. */
  topSymbols(n: number): { venue: VenueId; symbol: string; windows: Record<string, number> }[] {
    const end = this.windowEnd();
    return [...this.bySymbol.entries()]
      .map((r) => ({ ...r, key: `${r.venue}|${r.symbol}`, day: r.windows.sum('24h', end).units }))
      .filter((r) => r.day > 0)
      .sort((a, b) => b.day - a.day || (a.key < b.key ? -1 : 1))
      .slice(0, n)
      .map(({ venue, symbol, windows }) => ({
        venue,
        symbol,
        windows: Object.fromEntries(this.windowNames.map((w) => [w, toUsd(windows.sum(w, end).units)])),
      }));
  }

  /**
   * The minutes a report shows: the perps' `minutes.range()`, widened with empty minutes to where DeFi
   * liquidations are (a DeFi-only minute has no perps bucket). Without DeFi, exactly `minutes.range()`.
   */
  reportMinutes(): MinuteBucket[] {
    const defi = this.defi.minutes.withData();
    if (defi.length === 0) return this.minutes.range();
    const both = new MinuteSeries();
    for (const b of this.minutes.withData()) both.addBucket(b);
    for (const b of defi) both.addBucket({ minute: b.minute, units: 0, count: 0, byVenue: {} });
    return both.range();
  }

  /** DeFi (lending) USD per protocol in each minute of `buckets`, net of retractions (for reports; apart from perps). */
  defiByMinute(buckets: MinuteBucket[]): Record<VenueId, number>[] {
    return buckets.map((b) => Object.fromEntries(Object.entries(this.defi.minutes.get(b.minute)?.byVenue ?? {}).map(([venue, v]) => [venue, toUsd(v.long + v.short)])));
  }

  /** ADL USD per venue in each minute of `buckets` (for reports; never part of liquidation totals). */
  adlByMinute(buckets: MinuteBucket[]): Record<VenueId, number>[] {
    return buckets.map((b) => {
      const m = this.adlMinutes.get(b.minute);
      return Object.fromEntries(Object.entries(m?.byVenue ?? {}).map(([venue, v]) => [venue, toUsd(v.long + v.short)]));
    });
  }

  openInterestByMinute(buckets: MinuteBucket[]): Record<VenueId, number>[] {
    return this.oiUnitsByMinute(buckets).map((byVenue) => Object.fromEntries(Object.entries(byVenue).map(([venue, units]) => [venue, toUsd(units)])));
  }

  /** All-venue open interest (USD) at the end of each minute of `buckets`; undefined before any is known. */
  openInterestAt(buckets: MinuteBucket[]): (number | undefined)[] {
    return this.oiUnitsByMinute(buckets).map((byVenue) => {
      const units = totalOi(byVenue);
      return units === undefined ? undefined : toUsd(units);
    });
  }

  /**
   * Hands every minute that can no longer change to onMinuteClosed: those that end at least `latenessMs`
   * before `watermark`, the event time every partition has reached (see PartitionWatermark). A
   * liquidation that still arrives for a closed minute is counted as late and kept in the totals and
   * windows, but the closed minute's record is not changed.
   */
  closeThrough(watermark: number): void {
    if (!this.opts.onMinuteClosed || !Number.isFinite(watermark)) return;
    const closable = Math.floor((watermark - this.opts.latenessMs) / MINUTE) * MINUTE - MINUTE;
    // The first minute with liquidations, perps or DeFi (a DeFi-only stream closes minutes too: their partials carry it).
    const first = Math.min(this.minutes.first(), this.defi.minutes.first());
    if (this.nextMinuteToClose === undefined && !Number.isFinite(first)) return;
    let minute: number = this.nextMinuteToClose ?? first;
    // After a long silence (or a recording that jumps years), close at most a day of empty minutes:
    // enough for any window or baseline, and bounded work.
    minute = Math.max(minute, closable - MAX_CATCH_UP_MINUTES * MINUTE);
    for (; minute <= closable; minute += MINUTE) {
      const bucket = this.minutes.get(minute) ?? { minute, units: 0, count: 0, byVenue: {} };
      for (const [key, v] of this.oiByMinute.get(minute) ?? []) this.closedOi.set(key, v);
      this.expireBefore(this.closedOi, minute + MINUTE);
      const total = totalOi(venueTotals(this.closedOi.values()));
      this.opts.onMinuteClosed(bucket, total === undefined ? undefined : toUsd(total));
    }
    this.nextMinuteToClose = minute;
  }

  private applyGap(e: GapEvent): void {
    this.gapCount += 1;
    const g = this.lifetime.gaps.get(e.venue) ?? { count: 0, seconds: 0 };
    g.count += 1;
    g.seconds += Math.max(0, e.to - e.from) / 1000;
    this.lifetime.gaps.set(e.venue, g);
  }

  /** Open interest per venue in USD (sum over its symbols' latest values). */
  openInterestByVenue(): Map<VenueId, { usd: number; oldestReceiveTime: number }> {
    this.expireOpenInterest();
    const out = new Map<VenueId, { units: number; oldest: number }>();
    for (const entry of this.oi.values()) {
      const v = out.get(entry.venue) ?? { units: 0, oldest: Infinity };
      v.units += entry.units;
      v.oldest = Math.min(v.oldest, entry.receiveTime);
      out.set(entry.venue, v);
    }
    return new Map([...out].map(([venue, v]) => [venue, { usd: toUsd(v.units), oldestReceiveTime: v.oldest }]));
  }

  /**
   * Where the windows end now. Live it is the wall clock, or the newest event if that is ahead of it (a
   * venue clock running fast must not drop its own events out of "last 1m"); a replay, the watermark.
   */
  windowEnd(): number {
    return this.opts.clock === 'watermark' ? this.watermark : Math.max(this.opts.clock(), this.watermark);
  }

  windowUsd(venue: VenueId, side: Side, window: string): number {
    return toUsd(this.venues.get(venue)?.windows[side].sum(window, this.windowEnd()).units ?? 0);
  }

  /** All venues and sides in the window, summed in units (adding the venues' USD figures would round). */
  windowTotalUsd(window: string): number {
    return toUsd(this.all.sum(window, this.windowEnd()).units);
  }

  /**
   * Totals for reports and the live API: exact to 1/10,000 USD and independent of event order. Each
   * venue, and the sum, says whether it is a lower bound: whether it includes liquidations of a
   * fidelity other than complete (the one place that decides it for every total read by people).
   */
  totalsSnapshot() {
    const byVenue: Record<string, { longUsd: number; shortUsd: number; count: number; lowerBound: boolean }> = {};
    const adl: Record<string, { longUsd: number; shortUsd: number; count: number }> = {};
    let units = 0;
    let count = 0;
    for (const venue of [...this.venues.keys()].sort()) {
      const t = this.venues.get(venue)!.totals;
      byVenue[venue] = { ...totalsInUsd(t), lowerBound: isLowerBound(this.fidelity[venue]) };
      units += t.longUnits + t.shortUnits;
      count += t.count;
    }
    const vault: Record<string, { longUsd: number; shortUsd: number; count: number }> = {};
    for (const venue of [...this.apart.vault.keys()].sort()) vault[venue] = totalsInUsd(this.apart.vault.get(venue)!);
    for (const venue of [...this.apart.adl.keys()].sort()) {
      const t = this.apart.adl.get(venue)!;
      adl[venue] = totalsInUsd(t);
    }
    const lowerBound = Object.values(byVenue).some((t) => t.lowerBound);
    // DeFi next to the perps, only when there is any: a perps-only report or answer is unchanged.
    const defi = this.defi.empty ? {} : { defi: this.defi.snapshot() };
    return { usd: toUsd(units), count, lowerBound, byVenue, adl, ...(Object.keys(vault).length > 0 ? { vault } : {}), ...defi, gaps: this.gapCount };
  }

  /**
   * Everything a metrics sink reads, as plain values (src/sinks/prometheus): lifetime counters per
   * label set and the gauges' current values. Computed on demand, at scrape time.
   */
  readonly metricsView = {
    liquidations: (): { venue: VenueId; side: Side; fidelity: Fidelity; usd: number; count: number }[] => {
      const out: { venue: VenueId; side: Side; fidelity: Fidelity; usd: number; count: number }[] = [];
      for (const [venue, v] of this.venues)
        for (const side of SIDES)
          for (const [fidelity, c] of Object.entries(v.counters[side])) out.push({ venue, side, fidelity: fidelity as Fidelity, usd: toUsd(c.units), count: c.count });
      return out;
    },
    /** Liquidations refused because a sum would have left the exact range. */
    outOfRange: (): ReadonlyMap<VenueId, number> => this.outOfRange,
    duplicates: (): ReadonlyMap<VenueId, number> => this.duplicates,
    unmatchedRetractions: (): ReadonlyMap<VenueId, number> => this.unmatchedRetractions,
    lateAfterClose: (): ReadonlyMap<VenueId, number> => this.lateAfterClose,
    lateEvents: (): ReadonlyMap<VenueId, number> => this.lifetime.late,
    gaps: (): ReadonlyMap<VenueId, { count: number; seconds: number }> => this.lifetime.gaps,
    /** ADL or vault USD per `venue|side` (exact sums of units; a side never seen is absent). */
    apartUsd: (kind: ApartKind): ReadonlyMap<string, number> => {
      const out = new Map<string, number>();
      for (const [venue, t] of this.apart[kind]) {
        if (t.longUnits > 0) out.set(`${venue}|long`, toUsd(t.longUnits));
        if (t.shortUnits > 0) out.set(`${venue}|short`, toUsd(t.shortUnits));
      }
      return out;
    },
    venues: (): Iterable<VenueId> => this.venues.keys(),
    isLowerBound: (venue: VenueId): boolean => isLowerBound(this.fidelity[venue]),
    /** An inferred part makes a venue's totals an estimate (≈), not only a lower bound (src/report/marks.ts). */
    isEstimate: (venue: VenueId): boolean => this.fidelity[venue] === 'inferred',
    windowTotalUsd: (window: string): number => this.windowTotalUsd(window),
    topSymbols: (): ReturnType<Aggregator['topSymbols']> => this.topSymbols(this.opts.symbolsTopN),
    /** Age of each venue's oldest open-interest value, seconds, by the aggregator's clock. */
    openInterestAges: (): Map<VenueId, { usd: number; ageSeconds: number }> => {
      const now = this.opts.clock === 'watermark' ? this.watermark : this.opts.clock();
      return new Map([...this.openInterestByVenue()].map(([venue, v]) => [venue, { usd: v.usd, ageSeconds: Math.max(0, now - v.oldestReceiveTime) / 1000 }]));
    },
    /** Per-symbol open interest (USD): allow-listed symbols and the N largest. */
    symbolOpenInterest: (): { venue: VenueId; symbol: string; usd: number }[] => {
      const allow = new Set(this.opts.oiSymbols);
      this.expireOpenInterest();
      const ranked = [...this.oi.values()].sort((a, b) => b.units - a.units || (a.symbol < b.symbol ? -1 : 1));
      return ranked.filter((entry, i) => i < this.opts.oiTopN || allow.has(entry.symbol)).map((e) => ({ venue: e.venue, symbol: e.symbol, usd: toUsd(e.units) }));
    },
  };
}

import { isLowerBound, lowestFidelity, type Fidelity, type LiquidationEvent, type VenueId } from '../schema/events.js';
import { toUnits, toUsd } from './fixed-point.js';
import { MinuteSeries, type MinuteBucket } from './minute-series.js';
import { WindowSet } from './windows.js';

/**
 * Chains counted by name per process; beyond them an event's chain is counted as `other`: every chain becomes a
 * metric label and a key of state, and whoever can write to the topic must not grow them without bound.
 */
export const MAX_CHAINS = 32;
export const OTHER_CHAIN = 'other';
/** Chain of a lending liquidation that carries no on-chain detail (a protocol module that leaves it out). */
export const UNKNOWN_CHAIN = 'unknown';

/** Collateral seized (the notional, units), debt repaid (units) and count; all sums of integers, exact. */
interface Part {
  units: number;
  debtUnits: number;
  count: number;
}
const noPart = (): Part => ({ units: 0, debtUnits: 0, count: 0 });
const partUsd = (p: Part) => ({ usd: toUsd(p.units), debtUsd: toUsd(p.debtUnits), count: p.count });

/** What a replay worker's share hands back (structured-cloneable), see Aggregator.replayState. */
export interface DefiReplayState {
  totals: [string, Part][];
  applied: [string, Part][];
  retracted: [string, Part][];
  fidelity: [VenueId, Fidelity][];
  minutes: MinuteBucket[];
}

/** One DeFi liquidation's place: `protocol|chain`. */
const keyOf = (protocol: VenueId, chain: string) => `${protocol}|${chain}`;
const split = (key: string) => key.split('|') as [VenueId, string];

/**
 * On-chain lending liquidations (venues whose market is `lending`, src/venues/market.ts), kept apart from the
 * perps: lifetime totals and Prometheus counters by protocol and chain, windows by protocol and chain, and a
 * minute series by protocol. Sums in 1/10,000 USD units like the perps', so a retraction takes back exactly what
 * its event added (`remove`), in any order.
 */
export class DefiTotals {
  /** Net of retractions: what this process counted (like the perps' lifetime totals). */
  private readonly totals = new Map<string, Part>();
  /** Monotonic, for Prometheus: applied by this process, and retracted by it (docs/reliability.md). */
  private readonly appliedCounters = new Map<string, Part>();
  private readonly retractedCounters = new Map<string, Part>();
  private readonly fidelity = new Map<VenueId, Fidelity>();
  private readonly chains = new Set<string>();
  private windows = new Map<string, WindowSet>();
  private all = new WindowSet();
  minutes: MinuteSeries;

  constructor(private readonly retainMinutes: number) {
    this.minutes = new MinuteSeries(retainMinutes);
  }

  /** The chain an event is counted under: its own while at most MAX_CHAINS are known, else `other`. */
  chainOf(e: LiquidationEvent): string {
    const chain = e.onchain?.chain ?? UNKNOWN_CHAIN;
    if (this.chains.has(chain)) return chain;
    if (this.chains.size >= MAX_CHAINS) return OTHER_CHAIN;
    this.chains.add(chain);
    return chain;
  }

  /** Adds a liquidation to windows and minutes; to totals and counters too unless `counted` (re-read). */
  add(e: LiquidationEvent, units: number, counted: boolean): void {
    const key = keyOf(e.venue, this.chainOf(e));
    this.fidelity.set(e.venue, lowestFidelity(this.fidelity.get(e.venue), e.fidelity));
    this.windowsOf(key).add(e.eventTime, units);
    this.all.add(e.eventTime, units);
    this.minutes.add(e.eventTime, e.venue, e.side, units, e.fidelity);
    if (counted) return;
    addPart(this.partOf(this.totals, key), units, debtUnitsOf(e), 1);
    addPart(this.partOf(this.appliedCounters, key), units, debtUnitsOf(e), 1);
  }

  /**
   * Takes back a liquidation added with `add`: from windows and minutes when they hold it (`inState`), from the
   * totals when this process counted it (`countedHere`), and into the retracted counters unless `replayed`.
   */
  remove(e: LiquidationEvent, units: number, where: { inState: boolean; countedHere: boolean; replayed: boolean }): void {
    const key = keyOf(e.venue, this.chainOf(e));
    if (where.inState) {
      this.windowsOf(key).remove(e.eventTime, units);
      this.all.remove(e.eventTime, units);
      this.minutes.remove(e.eventTime, e.venue, e.side, units);
    }
    if (where.countedHere) addPart(this.partOf(this.totals, key), -units, -debtUnitsOf(e), -1);
    if (!where.replayed) addPart(this.partOf(this.retractedCounters, key), units, debtUnitsOf(e), 1);
  }

  /** Forgets windows and minutes (rebuilt from a re-read, see Aggregator.resetState); lifetime sums stay. */
  resetState(): void {
    this.windows = new Map();
    this.all = new WindowSet();
    this.minutes = new MinuteSeries(this.retainMinutes);
  }

  get empty(): boolean {
    return this.totals.size === 0 && this.appliedCounters.size === 0;
  }

  /**
   * Lifetime totals by protocol and chain, net of retractions, and what was retracted: the `defi` block of the
   * report's and /api/totals' totals. Lending protocols' logs are complete: `lowerBound` only if an event said
   * otherwise.
   */
  snapshot() {
    let sum = noPart();
    const byProtocol: Record<string, { usd: number; debtUsd: number; count: number; lowerBound: boolean; byChain: Record<string, ReturnType<typeof partUsd>> }> = {};
    const protocols = new Map<VenueId, { part: Part; byChain: Record<string, ReturnType<typeof partUsd>> }>();
    for (const key of [...this.totals.keys()].sort()) {
      const [protocol, chain] = split(key);
      const t = this.totals.get(key)!;
      let p = protocols.get(protocol);
      if (!p) protocols.set(protocol, (p = { part: noPart(), byChain: {} }));
      p.byChain[chain] = partUsd(t);
      addPart(p.part, t.units, t.debtUnits, t.count);
      sum = { units: sum.units + t.units, debtUnits: sum.debtUnits + t.debtUnits, count: sum.count + t.count };
    }
    for (const [protocol, p] of protocols) byProtocol[protocol] = { ...partUsd(p.part), lowerBound: isLowerBound(this.fidelity.get(protocol)), byChain: p.byChain };
    let retracted = noPart();
    for (const r of this.retractedCounters.values()) retracted = { units: retracted.units + r.units, debtUnits: retracted.debtUnits + r.debtUnits, count: retracted.count + r.count };
    return { ...partUsd(sum), lowerBound: Object.values(byProtocol).some((p) => p.lowerBound), byProtocol, retracted: { usd: toUsd(retracted.units), count: retracted.count } };
  }

  /** Liquidated USD in `window` ending at `end`: in all, and by protocol and chain (net of retractions). */
  windowUsd(window: string, end: number): { usd: number; byProtocol: Record<VenueId, Record<string, number>> } {
    const byProtocol: Record<VenueId, Record<string, number>> = {};
    for (const key of [...this.windows.keys()].sort()) {
      const [protocol, chain] = split(key);
      (byProtocol[protocol] ??= {})[chain] = toUsd(this.windows.get(key)!.sum(window, end).units);
    }
    return { usd: toUsd(this.all.sum(window, end).units), byProtocol };
  }

  /** Prometheus counters per protocol and chain: applied and retracted (USD and count), both monotonic. */
  counters(): { protocol: VenueId; chain: string; applied: ReturnType<typeof partUsd>; retracted: ReturnType<typeof partUsd> }[] {
    const keys = [...new Set([...this.appliedCounters.keys(), ...this.retractedCounters.keys()])].sort();
    return keys.map((key) => {
      const [protocol, chain] = split(key);
      return { protocol, chain, applied: partUsd(this.appliedCounters.get(key) ?? noPart()), retracted: partUsd(this.retractedCounters.get(key) ?? noPart()) };
    });
  }

  /** Window gauges' label sets: every protocol and chain with windows. */
  windowKeys(): [VenueId, string][] {
    return [...this.windows.keys()].sort().map(split);
  }

  windowOf(protocol: VenueId, chain: string, window: string, end: number): number {
    return toUsd(this.windows.get(keyOf(protocol, chain))?.sum(window, end).units ?? 0);
  }

  replayState(): DefiReplayState {
    return { totals: [...this.totals], applied: [...this.appliedCounters], retracted: [...this.retractedCounters], fidelity: [...this.fidelity], minutes: this.minutes.withData() };
  }

  /** Adds a replay worker's share (a share owns whole venues, so protocols never overlap: exact). */
  mergeReplayState(s: DefiReplayState): void {
    for (const [key, t] of s.totals) addPart(this.partOf(this.totals, key), t.units, t.debtUnits, t.count);
    for (const [key, t] of s.applied) addPart(this.partOf(this.appliedCounters, key), t.units, t.debtUnits, t.count);
    for (const [key, t] of s.retracted) addPart(this.partOf(this.retractedCounters, key), t.units, t.debtUnits, t.count);
    for (const [venue, f] of s.fidelity) this.fidelity.set(venue, lowestFidelity(this.fidelity.get(venue), f));
    for (const b of s.minutes) this.minutes.addBucket(b);
  }

  private partOf(map: Map<string, Part>, key: string): Part {
    let p = map.get(key);
    if (!p) map.set(key, (p = noPart()));
    return p;
  }

  private windowsOf(key: string): WindowSet {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new WindowSet()));
    return w;
  }
}

function addPart(p: Part, units: number, debtUnits: number, count: number): void {
  p.units += units;
  p.debtUnits += debtUnits;
  p.count += count;
}

/** Debt repaid in units (0 without on-chain detail). Bounded like the notional by the value limits (value-limits.ts). */
const debtUnitsOf = (e: LiquidationEvent): number => (e.onchain ? toUnits(e.onchain.debtUsd) : 0);

import { Counter, Gauge, type Registry } from 'prom-client';
import type { Aggregator } from '../../aggregate/aggregator.js';
import { OTHER_BASE } from '../../aggregate/base-book.js';
import type { Side } from '../../schema/events.js';
import { registerDefiMetrics } from './defi-metrics.js';

const SIDES: readonly Side[] = ['long', 'short'];

/**
 * The aggregator's metrics: lifetime counters and window/open-interest gauges, read from its
 * `metricsView` at scrape time (the aggregator itself holds state only). `aggregator` may be absent
 * (a `connect` process): the per-venue counters of `venues` still read 0, so that Prometheus's
 * increase() sees a venue's first gap.
 */
export function registerAggregatorMetrics(registry: Registry, aggregator: Aggregator | undefined, venues: readonly string[] = []): void {
  const registers = [registry];
  const view = aggregator?.metricsView;
  const perVenue = (name: string, help: string, values: () => ReadonlyMap<string, number> | undefined, zeros = false) =>
    new Counter({
      name,
      help,
      labelNames: ['venue'],
      registers,
      collect() {
        this.reset();
        if (zeros) for (const venue of venues) this.inc({ venue }, 0);
        for (const [venue, n] of values() ?? []) this.inc({ venue }, n);
      },
    });
  const perVenueSide = (name: string, help: string, values: () => ReadonlyMap<string, number> | undefined) =>
    new Counter({
      name,
      help,
      labelNames: ['venue', 'side'],
      registers,
      collect() {
        this.reset();
        for (const [key, usd] of values() ?? []) {
          const [venue, side] = key.split('|') as [string, Side];
          this.inc({ venue, side }, usd);
        }
      },
    });
  const liquidationCounter = (name: string, help: string, pick: (c: { usd: number; count: number }) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['venue', 'side', 'fidelity'],
      registers,
      collect() {
        this.reset();
        for (const c of view?.liquidations() ?? []) this.inc({ venue: c.venue, side: c.side, fidelity: c.fidelity }, pick(c));
      },
    });
  // Kept apart from liquidations: sums of units like them, so exact and independent of order.
  perVenueSide('liqstream_adl_usd_total', 'USD notional of auto-deleveraged positions (not liquidations)', () => view?.apartUsd('adl'));
  perVenueSide(
    'liqstream_vault_usd_total',
    "USD notional of fills closing a liquidator vault's inventory (not new liquidations: the vault took them over already)",
    () => view?.apartUsd('vault'),
  );
  const gaps = () => view?.gaps();
  perVenue('liqstream_gaps_total', 'Intervals without a live connection', () => new Map([...(gaps() ?? [])].map(([v, g]) => [v, g.count])), true);
  perVenue('liqstream_gap_seconds_total', 'Seconds without a live connection', () => new Map([...(gaps() ?? [])].map(([v, g]) => [v, g.seconds])), true);
  perVenue('liqstream_late_events_total', 'Events older than the longest window when they arrived (counted in totals, not in windows)', () => view?.lateEvents());
  if (!view) return;

  liquidationCounter('liqstream_liquidations_usd_total', 'USD notional of liquidated positions (side = side of the position)', (c) => c.usd);
  liquidationCounter('liqstream_liquidations_total', 'Liquidation events', (c) => c.count);
  perVenue(
    'liqstream_out_of_range_liquidations_total',
    'Liquidations refused because a USD sum would have passed its exact range ($900.7B of liquidations applied by this process; docs/reliability.md)',
    view.outOfRange,
  );
  perVenue('liqstream_duplicate_liquidations_total', 'Liquidations dropped as copies of an id already seen (active-active connectors, re-reads)', view.duplicates);
  perVenue(
    'liqstream_late_liquidations_total',
    'Liquidations that arrived after their minute was closed and published (in totals and windows, not in the minute record)',
    view.lateAfterClose,
  );
  const agg = aggregator!;
  new Gauge({
    name: 'liqstream_liquidations_window_usd',
    help: 'Liquidated USD in the event-time window ending now (live: the wall clock or the newest event, whichever is later)',
    labelNames: ['venue', 'side', 'window'],
    registers,
    collect() {
      this.reset();
      for (const venue of view.venues())
        for (const side of SIDES) for (const window of agg.windowNames) this.set({ venue, side, window }, agg.windowUsd(venue, side, window));
    },
  });
  new Gauge({
    name: 'liqstream_liquidations_window_total_usd',
    help: 'Liquidated USD in the event-time window, all venues and sides',
    labelNames: ['window'],
    registers,
    collect() {
      for (const window of agg.windowNames) this.set({ window }, view.windowTotalUsd(window));
    },
  });
  new Gauge({
    name: 'liqstream_symbol_liquidations_window_usd',
    help: 'Liquidated USD per symbol in the event-time window, for the largest symbols by 24 h USD',
    labelNames: ['venue', 'symbol', 'window'],
    registers,
    collect() {
      this.reset();
      for (const { venue, symbol, windows } of view.topSymbols()) for (const [window, usd] of Object.entries(windows)) this.set({ venue, symbol, window }, usd);
    },
  });
  new Gauge({
    name: 'liqstream_lower_bound',
    help: '1 for a venue whose liquidation totals and windows are lower bounds (its source samples, sees part, or infers), else 0',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const venue of view.venues()) this.set({ venue }, view.isLowerBound(venue) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'liqstream_estimate',
    help: '1 for a venue whose liquidation totals are estimates (inferred from indirect evidence: may be over or under; also 1 in liqstream_lower_bound), else 0',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const venue of view.venues()) this.set({ venue }, view.isEstimate(venue) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'liqstream_open_interest_usd',
    help: 'Open interest, venue total (sum of the latest value of each symbol updated within aggregator.oiTtlMs), USD',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const [venue, v] of view.openInterestAges()) this.set({ venue }, v.usd);
    },
  });
  new Gauge({
    name: 'liqstream_oi_age_seconds',
    help: 'Age of the oldest per-symbol open interest value in the venue total',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const [venue, v] of view.openInterestAges()) this.set({ venue }, v.ageSeconds);
    },
  });
  new Gauge({
    name: 'liqstream_symbol_open_interest_usd',
    help: 'Open interest per symbol (allow-listed symbols and the N largest), USD',
    labelNames: ['venue', 'symbol'],
    registers,
    collect() {
      this.reset();
      for (const { venue, symbol, usd } of view.symbolOpenInterest()) this.set({ venue, symbol }, usd);
    },
  });
  registerDefiMetrics(registry, agg);
  registerBaseMetrics(registers, agg);
}

/**
 * Per-coin metrics (issue 21), bounded whatever the venues list: liquidation windows for the `basesTopN`
 * coins with the most liquidated USD in 24 h plus `other` (every other coin, so the labels add up to the
 * all-venue total), and the funding rate per hour of those coins' markets.
 */
function registerBaseMetrics(registers: Registry[], agg: Aggregator): void {
  const shown = () => {
    const end = agg.windowEnd();
    return { end, top: agg.byBase.top(agg.basesTopN, end) };
  };
  new Gauge({
    name: 'liqstream_base_liquidations_window_usd',
    help: 'Liquidated USD per coin across venues in the event-time window, for the N coins with the most in 24 h; base="other" is every other coin',
    labelNames: ['base', 'side', 'window'],
    registers,
    collect() {
      this.reset();
      const { end, top } = shown();
      for (const window of agg.windowNames) {
        for (const base of top) {
          const w = agg.byBase.windowUsd(base, window, end);
          this.set({ base, side: 'long', window }, w.longUsd);
          this.set({ base, side: 'short', window }, w.shortUsd);
        }
        const rest = agg.byBase.windowUsdExcept(top, window, end);
        this.set({ base: OTHER_BASE, side: 'long', window }, rest.longUsd);
        this.set({ base: OTHER_BASE, side: 'short', window }, rest.shortUsd);
      }
    },
  });
  new Gauge({
    name: 'liqstream_funding_rate_per_hour',
    help: "A market's last funding rate per hour (the venue's rate over its interval), for the markets of the coins shown per coin",
    labelNames: ['venue', 'symbol', 'base'],
    registers,
    collect() {
      this.reset();
      const bases = new Set(shown().top);
      for (const f of agg.funding.list()) if (bases.has(f.base)) this.set({ venue: f.venue, symbol: f.symbol, base: f.base }, f.ratePerHour);
    },
  });
}

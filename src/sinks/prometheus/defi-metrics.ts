import { Counter, Gauge, type Registry } from 'prom-client';
import type { Aggregator } from '../../aggregate/aggregator.js';

/**
 * On-chain lending liquidations (issue 20), apart from the perps' `liqstream_liquidations_*` (which never include
 * them), labelled protocol (the venue id) and chain. Labels are bounded: protocols by the venue ids a consumer
 * counts (src/pipeline/consume.ts), chains by MAX_CHAINS (src/aggregate/defi-totals.ts, then `other`).
 * Counters only grow, so a retraction is a count of its own: what was liquidated and not retracted is
 * `liqstream_defi_liquidations_usd_total - liqstream_defi_retracted_usd_total` (summed over instances: the process
 * that reads a retraction counts it, which may not be the one that counted its liquidation). The window gauge is
 * already net of retractions.
 */
export function registerDefiMetrics(registry: Registry, aggregator: Aggregator): void {
  const registers = [registry];
  const counter = (name: string, help: string, pick: (c: ReturnType<Aggregator['defi']['counters']>[number]) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['protocol', 'chain'],
      registers,
      collect() {
        this.reset();
        for (const c of aggregator.defi.counters()) this.inc({ protocol: c.protocol, chain: c.chain }, pick(c));
      },
    });
  counter('liqstream_defi_liquidations_usd_total', 'USD of collateral seized by on-chain lending liquidations (retracted ones included: subtract liqstream_defi_retracted_usd_total)', (c) => c.applied.usd);
  counter('liqstream_defi_liquidations_total', 'On-chain lending liquidation events (retracted ones included)', (c) => c.applied.count);
  counter('liqstream_defi_debt_repaid_usd_total', 'USD of debt repaid by on-chain lending liquidations (retracted ones included)', (c) => c.applied.debtUsd);
  counter('liqstream_defi_retracted_usd_total', 'USD of collateral seized by on-chain liquidations taken back (their block was orphaned by a reorg)', (c) => c.retracted.usd);
  counter('liqstream_defi_retracted_total', 'On-chain liquidations taken back (reorg or removed log)', (c) => c.retracted.count);
  new Gauge({
    name: 'liqstream_defi_liquidations_window_usd',
    help: 'USD of collateral seized by on-chain lending liquidations in the event-time window ending now, net of retractions',
    labelNames: ['protocol', 'chain', 'window'],
    registers,
    collect() {
      this.reset();
      const end = aggregator.windowEnd();
      for (const [protocol, chain] of aggregator.defi.windowKeys())
        for (const window of aggregator.windowNames) this.set({ protocol, chain, window }, aggregator.defi.windowOf(protocol, chain, window, end));
    },
  });
  new Counter({
    name: 'liqstream_unmatched_retractions_total',
    help: 'Retractions that took nothing back: their liquidation was not applied (yet: it will not be), or was retracted already',
    labelNames: ['venue'],
    registers,
    collect() {
      this.reset();
      for (const [venue, n] of aggregator.metricsView.unmatchedRetractions()) this.inc({ venue }, n);
    },
  });
}

import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { MAX_CHAINS } from '../../src/aggregate/defi-totals.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { defiLiquidation, retraction } from '../support/defi-events.js';
import { liquidation } from '../support/events.js';

const T0 = Date.UTC(2025, 9, 10, 21, 0);

describe('DeFi metrics (protocol, chain), apart from the perps', () => {
  it('counts applied and retracted per protocol and chain; the window gauge is net; perps metrics never include DeFi', async () => {
    const metrics = createMetrics();
    const agg = new Aggregator({ clock: 'watermark' });
    registerAggregatorMetrics(metrics.registry, agg);
    const a = defiLiquidation(1, T0, 1_000.5);
    agg.apply(a);
    agg.apply(defiLiquidation(2, T0, 250, { venue: 'morpho-blue', chain: 'base', debtUsd: 240 }));
    agg.apply(liquidation('p', T0, 7));
    agg.apply(retraction(a));
    const values = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values.map((v) => [v.labels, v.value]);
    expect(await values('liqstream_defi_liquidations_usd_total')).toEqual([
      [{ protocol: 'aave-v3', chain: 'ethereum' }, 1_000.5],
      [{ protocol: 'morpho-blue', chain: 'base' }, 250],
    ]);
    expect(await values('liqstream_defi_debt_repaid_usd_total')).toEqual([
      [{ protocol: 'aave-v3', chain: 'ethereum' }, 960.48],
      [{ protocol: 'morpho-blue', chain: 'base' }, 240],
    ]);
    expect(await values('liqstream_defi_retracted_usd_total')).toEqual([
      [{ protocol: 'aave-v3', chain: 'ethereum' }, 1_000.5],
      [{ protocol: 'morpho-blue', chain: 'base' }, 0],
    ]);
    const window24h = (await values('liqstream_defi_liquidations_window_usd')).filter(([l]) => (l as { window: string }).window === '24h');
    expect(window24h).toEqual([
      [{ protocol: 'aave-v3', chain: 'ethereum', window: '24h' }, 0],
      [{ protocol: 'morpho-blue', chain: 'base', window: '24h' }, 250],
    ]);
    expect(await values('liqstream_liquidations_usd_total')).toEqual([[{ venue: 'bybit-linear', side: 'long', fidelity: 'complete' }, 7]]);
    expect((await values('liqstream_liquidations_window_total_usd')).find(([l]) => (l as { window: string }).window === '24h')![1]).toBe(7);
  });

  it('chain labels are bounded: beyond MAX_CHAINS, chains are counted as `other`', () => {
    const agg = new Aggregator({ clock: 'watermark' });
    for (let i = 0; i < MAX_CHAINS + 10; i++) agg.apply(defiLiquidation(i, T0, 1, { chain: `chain${i}` }));
    const chains = agg.defi.counters().map((c) => c.chain);
    expect(chains.length).toBe(MAX_CHAINS + 1);
    expect(agg.defi.counters().find((c) => c.chain === 'other')!.applied.count).toBe(10);
    expect(agg.totalsSnapshot().defi!.count).toBe(MAX_CHAINS + 10);
  });
});

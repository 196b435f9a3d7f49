import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { liquidation } from '../support/events.js';

const t = 1_760_130_900_000;

describe('the duplicate filter survives a rebalance (resetState)', () => {
  it('an event counted before the reset, delivered again as live after it, rebuilds the windows and is not counted again', async () => {
    const metrics = createMetrics();
    const agg = new Aggregator({ clock: 'watermark' });
    registerAggregatorMetrics(metrics.registry, agg);
    agg.apply(liquidation('a', t, 1_000));
    agg.apply(liquidation('b', t + 1, 2_000));
    // The member's session expired, its commit was refused, and the rejoin takes the stale committed offset:
    // 'a' comes back as replayed, 'b' as live.
    agg.resetState();
    expect(agg.windowUsd('bybit-linear', 'long', '24h')).toBe(0);
    expect(agg.apply(liquidation('a', t, 1_000), true)).toBe(true);
    expect(agg.apply(liquidation('b', t + 1, 2_000))).toBe(true);
    expect(agg.apply(liquidation('c', t + 2, 4_000))).toBe(true);
    // A copy within the new generation is still a duplicate.
    expect(agg.apply(liquidation('b', t + 1, 2_000))).toBe(false);
    expect(agg.windowUsd('bybit-linear', 'long', '24h')).toBe(7_000);
    expect(agg.totalsSnapshot().byVenue['bybit-linear']).toEqual({ longUsd: 7_000, shortUsd: 0, count: 3, lowerBound: false });
    const count = (await metrics.registry.getSingleMetric('liqstream_liquidations_total')!.get()).values;
    expect(count).toEqual([{ labels: { venue: 'bybit-linear', side: 'long', fidelity: 'complete' }, value: 3 }]);
    const dups = (await metrics.registry.getSingleMetric('liqstream_duplicate_liquidations_total')!.get()).values;
    expect(dups).toEqual([{ labels: { venue: 'bybit-linear' }, value: 1 }]);
  });
});

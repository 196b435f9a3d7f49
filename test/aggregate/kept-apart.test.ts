import { describe, expect, it } from 'vitest';
import { registerAggregatorMetrics } from '../../src/sinks/prometheus/aggregator-metrics.js';
import { Aggregator } from '../../src/aggregate/aggregator.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { LiquidationEvent } from '../../src/schema/events.js';
import { liquidation } from '../support/events.js';

const fill = (id: string, kind: LiquidationEvent['kind'], usd: number): LiquidationEvent =>
  liquidation(id, 1_760_130_900_000, usd, { venue: 'hyperliquid', symbol: 'BTC', kind });

describe('events kept apart from liquidation totals', () => {
  it('ADL and vault fills have totals and counters of their own and never reach liquidation totals, windows or minutes', async () => {
    const metrics = createMetrics();
    const agg = new Aggregator({ clock: 'watermark' });
    registerAggregatorMetrics(metrics.registry, agg);
    agg.apply(fill('a', 'backstop', 1_000));
    agg.apply(fill('b', 'liquidation', 2_000));
    agg.apply(fill('c', 'adl', 30_000));
    agg.apply(fill('d', 'vault', 400_000));
    agg.apply(fill('d', 'vault', 400_000)); // the same id again: a copy
    const t = agg.totalsSnapshot();
    expect(t.usd).toBe(3_000);
    expect(t.byVenue.hyperliquid).toEqual({ longUsd: 3_000, shortUsd: 0, count: 2, lowerBound: false });
    expect(t.adl).toEqual({ hyperliquid: { longUsd: 30_000, shortUsd: 0, count: 1 } });
    expect(t.vault).toEqual({ hyperliquid: { longUsd: 400_000, shortUsd: 0, count: 1 } });
    expect(agg.windowUsd('hyperliquid', 'long', '24h')).toBe(3_000);
    expect(agg.minutes.range().reduce((s, m) => s + m.units, 0) / 10_000).toBe(3_000);
    const vault = (await metrics.registry.getSingleMetric('liqstream_vault_usd_total')!.get()).values;
    expect(vault).toEqual([{ labels: { venue: 'hyperliquid', side: 'long' }, value: 400_000 }]);
  });
});

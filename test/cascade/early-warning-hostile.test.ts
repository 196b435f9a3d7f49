import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EarlyWarning, EarlyWarningParams } from '../../src/cascade/early-warning.js';
import type { NormalizedEvent } from '../../src/schema/events.js';
import { registerEarlyWarningMetrics } from '../../src/sinks/prometheus/early-warning-metrics.js';
import { parsePromText, sampleValue } from '../support/prom-text.js';

const M = 60_000;
const NOW = Date.UTC(2026, 11, 4);
const liq = (eventTime: number, usd: number, base: string, receiveTime = eventTime): NormalizedEvent => ({
  type: 'liquidation',
  venue: 'bybit-linear',
  symbol: `${base}USDT`,
  base,
  source: 'test',
  id: `l${eventTime}:${base}`,
  side: 'long',
  price: 1,
  qty: usd,
  notionalUsd: usd,
  eventTime,
  receiveTime,
  fidelity: 'complete',
  kind: 'liquidation',
});

describe('early warning against hostile input (review)', () => {
  // Before the first close every past minute an event names is pending; closeThrough and finish spread the
  // pending minutes into Math.min / Math.max, which threw RangeError (call stack) at ~120,000 of them.
  it('closes 200,000 pending past minutes without a RangeError', () => {
    for (const close of [(ew: EarlyWarning) => ew.closeThrough(NOW), (ew: EarlyWarning) => ew.finish()]) {
      const ew = new EarlyWarning();
      for (let i = 0; i < 200_000; i++) ew.onEvent(liq(NOW - i * M, 1_000, 'ETH', NOW));
      expect(() => close(ew)).not.toThrow();
      expect(ew.current().map((c) => [c.base, c.minute])).toEqual([['ETH', NOW]]);
    }
  });

  // 300,000 new bases in one minute were all held pending and stepped (14 s of blocked event loop, 2 cores).
  it('holds at most maxCoins new coins per minute; the rest are counted as overflow and exported', async () => {
    const ew = new EarlyWarning({ maxCoins: 50 });
    for (let i = 0; i < 20_000; i++) ew.onEvent(liq(NOW + 1_000, 1_000, `C${i}`));
    ew.onEvent(liq(NOW + 2_000, 5_000, 'C0')); // a coin already pending still counts
    const started = Date.now();
    ew.closeThrough(NOW);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ew.overflow).toBe(20_000 - 50);
    expect(ew.current()).toHaveLength(50);
    // Tracked coins are never refused: the next minute's events of the 50 apply, beyond 50 new ones.
    for (let i = 0; i < 50; i++) ew.onEvent(liq(NOW + M + 1_000, 1_000, `C${i}`));
    expect(ew.overflow).toBe(20_000 - 50);
    const registry = new Registry();
    registerEarlyWarningMetrics(registry, ew);
    const samples = parsePromText(await registry.metrics());
    expect(sampleValue(samples, 'liqstream_early_warning_skipped_events_total', { reason: 'overflow' })).toBe(19_950);
    expect(sampleValue(samples, 'liqstream_early_warning_skipped_events_total', { reason: 'late' })).toBe(0);
  });

  it('refuses history lengths and levels no one means (a typo would grow every coin for months)', () => {
    for (const bad of [{ recentMinutes: 1e9 }, { buildupMinutes: 1e12 }, { baselineMinutes: 1e7 }, { volatilityMinutes: 1e8 }, { maxCoins: 1e15 }, { floorUsd: 1.7e308 }, { fundingExtremePerHour: 1e300 }])
      expect(EarlyWarningParams.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(EarlyWarningParams.safeParse({ baselineMinutes: 7 * 24 * 60, buildupMinutes: 7 * 24 * 60, maxCoins: 10_000 }).success).toBe(true);
  });
});
